"""Every record the sandbox seeds, in every country, maps through the JSON the sandbox serves
into the unified model, and the mapped values agree with the seeded records."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ledgergraph.connectors.sage.mapping import CountryMapper
from ledgergraph.model import ContactKind, DocumentStatus, ItemKind, Money, PaymentKind
from ledgergraph.sandbox.api.resources import artefacts, catalog, contacts, payments
from ledgergraph.sandbox.books import World
from ledgergraph.sandbox.books.records import ArtefactKind
from tests.mapping.conftest import COUNTRIES
from tests.mapping.sandbox_json import businesses_in, scope_for

CONTACT_KINDS = {"CUSTOMER": ContactKind.CUSTOMER, "VENDOR": ContactKind.SUPPLIER}
PAYMENT_KINDS = {
    "CUSTOMER_RECEIPT": PaymentKind.CUSTOMER_RECEIPT,
    "VENDOR_PAYMENT": PaymentKind.SUPPLIER_PAYMENT,
    "CUSTOMER_REFUND": PaymentKind.CUSTOMER_REFUND,
    "VENDOR_REFUND": PaymentKind.SUPPLIER_REFUND,
}
SETTLING = {DocumentStatus.UNPAID, DocumentStatus.PARTIALLY_PAID, DocumentStatus.PAID}
DOCUMENT_TYPES = {
    ArtefactKind.SALES_INVOICE: "INVOICE",
    ArtefactKind.PURCHASE_INVOICE: "BILL",
    ArtefactKind.SALES_CREDIT_NOTE: "CREDIT_NOTE",
}


def mapper_for(country: str, business_id: str) -> CountryMapper:
    return CountryMapper.for_business(country, business_id=business_id)


@pytest.mark.parametrize("country", COUNTRIES)
def test_every_seeded_contact_maps_with_its_kinds(world: World, country: str) -> None:
    for business in businesses_in(world, country):
        scope, mapper = scope_for(world, business), mapper_for(country, business.id)
        assert business.books.contacts
        for record in business.books.contacts.values():
            mapped = mapper.contact(contacts.serialise(scope, record))
            assert mapped.remote_id == record.id
            assert mapped.name == record.name
            assert mapped.kinds == tuple(CONTACT_KINDS[t] for t in record.contact_type_ids)
            if record.credit_limit is not None:
                assert mapped.credit_limit == Money(record.credit_limit, record.currency_id)


@pytest.mark.parametrize("country", COUNTRIES)
def test_every_seeded_document_maps_with_exact_totals_and_lines(world: World, country: str) -> None:
    for business in businesses_in(world, country):
        scope, mapper = scope_for(world, business), mapper_for(country, business.id)
        books = business.books
        documents = [
            *((mapper.invoice, r) for r in books.sales_invoices.values()),
            *((mapper.bill, r) for r in books.purchase_invoices.values()),
            *((mapper.credit_note, r) for r in books.sales_credit_notes.values()),
        ]
        assert documents
        for build, record in documents:
            mapped = build(artefacts.serialise(scope, record))
            assert mapped.remote_id == record.id
            assert mapped.currency == record.currency_id
            assert mapped.total_amount == Money(record.total_amount, record.currency_id)
            assert mapped.net_amount.amount == record.net_amount
            assert mapped.tax_amount.amount == record.tax_amount
            assert mapped.contact is not None
            assert mapped.contact.id == record.contact_id
            assert mapped.date == record.date
            assert [line.net_amount.amount for line in mapped.lines] == [
                line.net_amount for line in record.lines
            ]
            if mapped.status in SETTLING:
                paid, owed = mapped.amount_paid.amount, mapped.outstanding_amount.amount
                assert paid + owed == mapped.total_amount.amount
            if mapped.status is DocumentStatus.DRAFT:
                assert mapped.number is None
            elif record.kind is ArtefactKind.PURCHASE_INVOICE:
                assert mapped.number == record.reference
            else:
                assert mapped.number == record.number


@pytest.mark.parametrize("country", COUNTRIES)
def test_every_seeded_payment_maps_with_its_kind_and_allocations(
    world: World, country: str
) -> None:
    for business in businesses_in(world, country):
        scope, mapper = scope_for(world, business), mapper_for(country, business.id)
        assert business.books.contact_payments
        for record in business.books.contact_payments.values():
            mapped = mapper.payment(payments.serialise(scope, record))
            assert mapped.kind == PAYMENT_KINDS[record.transaction_type_id]
            assert mapped.total_amount == Money(record.total_amount, record.currency_id)
            assert [
                (a.document_type, a.document.id, a.amount.amount) for a in mapped.allocations
            ] == [
                (DOCUMENT_TYPES[line.artefact_kind], line.artefact_id, line.amount)
                for line in record.allocations
            ]
            assert sum((a.amount.amount for a in mapped.allocations), Decimal(0)) <= (
                mapped.total_amount.amount
            )


@pytest.mark.parametrize("country", COUNTRIES)
def test_every_seeded_product_and_service_maps_with_its_kind(world: World, country: str) -> None:
    for business in businesses_in(world, country):
        scope, mapper = scope_for(world, business), mapper_for(country, business.id)
        books = business.books
        assert books.products
        assert books.services
        for record in books.products.values():
            mapped = mapper.item(catalog.serialise_product(scope, record))
            assert mapped.kind == ItemKind(record.catalog_item_type_id)
            assert (mapped.code, mapped.name) == (record.item_code, record.description)
        for record in books.services.values():
            mapped = mapper.item(catalog.serialise_service(scope, record))
            assert mapped.kind == ItemKind.SERVICE
            assert mapped.sales_price is not None
            assert mapped.sales_price.currency == books.base_currency_id()
