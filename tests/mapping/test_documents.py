"""Invoices, bills and credit notes: exact decimals, parsed dates, mapped statuses, lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from ledgergraph.connectors.sage.mapping import (
    CountryMapper,
    PayloadError,
    bill,
    document_status,
    invoice,
)
from ledgergraph.model import DocumentStatus, ItemKind, Money, Ref
from tests.mapping.conftest import fixture

Json = dict[str, Any]
GBP = "GBP"


def test_a_sales_invoice_keeps_every_amount_exact(gb: CountryMapper) -> None:
    doc = gb.invoice(fixture("sales_invoice"))
    assert doc.number == "SI-370"
    assert doc.status == DocumentStatus.PARTIALLY_PAID
    assert doc.currency == GBP
    assert doc.net_amount == Money(Decimal("1333.33"), GBP)
    assert doc.tax_amount == Money(Decimal("266.67"), GBP)
    assert doc.total_amount == Money(Decimal("1600.00"), GBP)
    assert doc.amount_paid == Money(Decimal("600.0"), GBP)
    assert doc.outstanding_amount == Money(Decimal("1000.00"), GBP)
    assert str(doc.total_amount.amount) == "1600.00"


def test_a_sales_invoice_parses_dates_references_and_lines(gb: CountryMapper) -> None:
    payload = fixture("sales_invoice")
    doc = gb.invoice(payload)
    assert doc.business_id == gb.business_id
    assert doc.remote_id == "b7a1d0e6c1f04b5a9a3c2d1e0f9a8b7c"
    assert doc.remote_data == payload
    # The document's own snapshot of the name; Sage's "Name (REF)" is not a name.
    assert doc.contact == Ref("cced5085c2d24394a758c5d16b38fca1", "Bobs Building Supplies")
    assert doc.contact_reference == "BBS001"
    assert (doc.date, doc.due_date) == (dt.date(2024, 5, 15), dt.date(2024, 6, 14))
    assert doc.reference == "PO 4471"
    assert doc.created_at == dt.datetime(2024, 5, 15, 8, 43, 53, tzinfo=dt.UTC)
    assert doc.updated_at == dt.datetime(2024, 7, 26, 6, 57, 49, tzinfo=dt.UTC)
    product, service = doc.lines
    assert product.business_id == gb.business_id
    assert product.item == Ref("aa56dfd1c4f144e38ddd450cb8b98e9a", "Oak dining table")
    assert product.item_kind is None  # a bare product reference does not say if it is stocked
    assert product.tax_rate == Ref("GB_STANDARD", "Standard 20.00%")
    assert product.ledger_account == Ref(
        "7a5e37b4884911ed84fa0252b90cda0d", "Sales - Products (4000)"
    )
    assert service.item_kind == ItemKind.SERVICE
    assert service.quantity == Decimal("2.0")
    assert service.unit_price == Money(Decimal("166.665"), GBP)
    assert service.discount_amount == Money(Decimal("0.01"), GBP)
    assert service.total_amount == Money(Decimal("400.00"), GBP)


def test_a_line_with_an_embedded_catalog_type_reports_it(gb: CountryMapper) -> None:
    payload = fixture("sales_invoice")
    payload["invoice_lines"][0]["product"]["catalog_item_type"] = {"id": "STOCK_ITEM"}
    assert gb.invoice(payload).lines[0].item_kind == ItemKind.STOCK_ITEM


def test_a_purchase_invoice_is_a_bill_numbered_by_its_reference(gb: CountryMapper) -> None:
    doc = gb.bill(fixture("purchase_invoice"))
    assert doc.number == "RB12972968870"
    assert doc.vendor_reference is None  # Sage sends "" for "not set"
    assert doc.status == DocumentStatus.UNPAID
    assert doc.total_amount == Money(Decimal("1599.11"), GBP)
    assert doc.tax_amount == Money(Decimal("26.24"), GBP)
    assert doc.amount_paid == Money(Decimal("0.0"), GBP)
    assert doc.contact == Ref("5ad3e87117f54189ba0255a12a2c3034", "Thompsons Electricals")
    assert doc.shipping is None  # Sage's purchase invoices carry no shipping
    assert len(doc.lines) == 4
    assert doc.lines[0].tax_amount == Money(Decimal("6.8"), GBP)
    assert doc.lines[0].item_kind is None
    assert doc.lines[1].item is None


def test_a_sales_credit_note_reads_its_own_number_and_lines(gb: CountryMapper) -> None:
    doc = gb.credit_note(fixture("sales_credit_note"))
    assert doc.number == "SCN-12"
    assert doc.status == DocumentStatus.UNPAID
    assert doc.due_date is None
    assert [line.description for line in doc.lines] == ["Damaged leg refund"]
    assert doc.outstanding_amount == Money(Decimal("100.00"), GBP)


@pytest.mark.parametrize(
    ("sage", "status"),
    [
        ("DRAFT", DocumentStatus.DRAFT),
        ("PRO_FORMA", DocumentStatus.PRO_FORMA),
        ("UNPAID", DocumentStatus.UNPAID),
        ("PART_PAID", DocumentStatus.PARTIALLY_PAID),
        ("PAID", DocumentStatus.PAID),
        ("VOID", DocumentStatus.VOID),
        ("DISPUTED", DocumentStatus.DISPUTED),
        ("ACCEPTED", DocumentStatus.OTHER),
        ("SOMETHING_NEW", DocumentStatus.OTHER),
        (None, DocumentStatus.OTHER),
    ],
)
def test_sage_artefact_statuses_map_to_document_statuses(
    gb: CountryMapper, sage: str | None, status: DocumentStatus
) -> None:
    assert document_status(sage) == status
    payload = fixture("sales_invoice")
    payload["status"] = None if sage is None else {"id": sage, "displayed_as": sage.title()}
    assert gb.invoice(payload).status == status


def test_a_void_invoice_keeps_its_reason(gb: CountryMapper) -> None:
    payload = fixture("sales_invoice") | {
        "status": {"id": "VOID"},
        "void_reason": "Raised twice",
    }
    doc = gb.invoice(payload)
    assert (doc.status, doc.void_reason) == (DocumentStatus.VOID, "Raised twice")


@pytest.mark.parametrize(
    "wire", ["0.1", "1599.11", "9.975", "-79.75", "100000000000000000.01", "0.0000001", "1E+2"]
)
def test_decimal_strings_stay_exact(gb: CountryMapper, wire: str) -> None:
    payload = fixture("sales_invoice") | {"total_amount": wire}
    amount = gb.invoice(payload).total_amount.amount
    assert isinstance(amount, Decimal)
    assert amount == Decimal(wire)
    assert str(amount) == str(Decimal(wire))


def test_a_json_number_never_passes_through_binary_float(gb: CountryMapper) -> None:
    payload = fixture("sales_invoice") | {"total_amount": 0.1, "net_amount": 12}
    doc = gb.invoice(payload)
    assert doc.total_amount.amount == Decimal("0.1")
    assert doc.net_amount.amount == Decimal(12)


def test_missing_totals_read_as_zero_and_outstanding_is_derived(gb: CountryMapper) -> None:
    payload = {"id": "x", "total_amount": "120.50", "total_paid": "20.25"}
    doc = gb.invoice(payload)
    assert doc.net_amount == Money(Decimal(0), GBP)
    assert doc.outstanding_amount == Money(Decimal("100.25"), GBP)
    assert doc.lines == ()
    assert doc.currency == GBP  # the business's base currency fills a missing currency


def test_paid_falls_back_to_the_allocations_total(gb: CountryMapper) -> None:
    payload = {"id": "x", "total_amount": "50", "payments_allocations_total_amount": "50"}
    assert gb.invoice(payload).amount_paid == Money(Decimal("50"), GBP)


def test_a_foreign_currency_invoice_keeps_its_own_currency(gb: CountryMapper) -> None:
    payload = fixture("sales_invoice") | {"currency": {"id": "EUR", "displayed_as": "Euro (EUR)"}}
    doc = gb.invoice(payload)
    assert doc.currency == "EUR"
    assert doc.lines[0].net_amount.currency == "EUR"


def test_without_any_currency_the_pure_function_refuses() -> None:
    with pytest.raises(PayloadError, match="currency"):
        invoice({"id": "x"}, "biz")
    assert bill({"id": "x"}, "biz", currency="CAD").currency == "CAD"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("total_amount", "12,50"),
        ("total_amount", "NaN"),
        ("total_amount", True),
        ("total_amount", {"amount": "1"}),
        ("date", "15/05/2024"),
        ("date", 20240515),
        ("updated_at", "yesterday"),
        ("invoice_lines", {"not": "a list"}),
        ("invoice_lines", ["not an object"]),
        ("contact", "cced5085"),
        ("id", None),
    ],
)
def test_a_malformed_field_raises_a_payload_error_naming_it(
    gb: CountryMapper, field: str, value: object
) -> None:
    payload = fixture("sales_invoice") | {field: value}
    with pytest.raises(PayloadError, match=field.split("_")[0]):
        gb.invoice(payload)


def test_a_draft_has_no_number_yet(gb: CountryMapper) -> None:
    payload = fixture("sales_invoice") | {
        "status": {"id": "DRAFT"},
        "invoice_number": "SI-DRAFT",
        "displayed_as": "SI-DRAFT",
    }
    doc = gb.invoice(payload)
    assert (doc.status, doc.number) == (DocumentStatus.DRAFT, None)


def test_shipping_is_kept_so_lines_plus_shipping_are_the_totals(gb: CountryMapper) -> None:
    payload = {
        **fixture("sales_invoice"),
        "shipping_net_amount": "15.0",
        "shipping_tax_rate": {"id": "GB_STANDARD", "displayed_as": "Standard 20.00%"},
        "shipping_tax_amount": "3.0",
        "shipping_total_amount": "18.0",
    }
    doc = gb.invoice(payload)
    assert doc.shipping is not None
    assert doc.shipping.net_amount == Money(Decimal("15.0"), GBP)
    assert doc.shipping.tax_amount == Money(Decimal("3.0"), GBP)
    assert doc.shipping.total_amount == Money(Decimal("18.0"), GBP)
    assert doc.shipping.tax_rate == Ref("GB_STANDARD", "Standard 20.00%")
