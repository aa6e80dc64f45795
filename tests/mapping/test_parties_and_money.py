"""Businesses, contacts, payments, items and bank accounts from Sage's published examples."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from ledgergraph.connectors.sage.mapping import CountryMapper, OverridesError, business, contact
from ledgergraph.connectors.sage.reads import MapperFactory
from ledgergraph.connectors.sage.resources import Mapper
from ledgergraph.model import (
    Address,
    BankAccountKind,
    ContactKind,
    ItemKind,
    Money,
    PaymentKind,
    Ref,
)
from tests.mapping.conftest import fixture

Json = dict[str, Any]
GBP = "GBP"


# --- business ------------------------------------------------------------------------------


def test_a_business_combines_its_details_and_financial_settings(gb: CountryMapper) -> None:
    found = gb.business(fixture("business"), fixture("financial_settings"))
    assert found.business_id == found.remote_id == "639f09872db7216ecd5ad6ba692b3cda"
    assert found.name == "Sage Internal Account"
    assert found.country_code == "GB"
    assert found.currency == GBP
    assert found.address == Address(
        line1="N Park Avenue",
        city="Newcastle Upon Tyne",
        region="Tyne and Wear",
        postal_code="NE13 9AA",
        country_code="GB",
    )
    assert found.telephone == "01912943317"
    assert found.website is None
    settings = found.financial_settings
    assert settings is not None
    assert settings.base_currency == GBP
    assert settings.year_end_date == dt.date(2024, 12, 15)
    assert settings.accounting_type == "accrual"
    assert settings.tax_number == "987654321"
    assert settings.multi_currency_enabled is True
    assert found.remote_data["financial_settings"] == fixture("financial_settings")


def test_a_business_without_settings_takes_its_countrys_currency() -> None:
    ca = CountryMapper.for_business("CA", business_id="b")
    assert ca.business(fixture("business")).currency == "CAD"
    assert business(fixture("business")).currency is None
    assert business(fixture("business")).financial_settings is None


# --- contacts ------------------------------------------------------------------------------


def test_sages_example_customer_maps(gb: CountryMapper) -> None:
    found = gb.contact(fixture("contact"))
    assert found.name == "Bobs Building Supplies"
    assert found.reference == "BBS001"
    assert found.kinds == (ContactKind.CUSTOMER,)
    assert found.tax_number == "GB938484382"
    assert found.currency == GBP
    assert found.credit_limit == Money(Decimal("2000.0"), GBP)
    assert found.credit_days == 30
    assert found.balance is None  # only sent with show_balance=true
    assert found.is_active is True
    assert found.email is None
    # Sage embeds only a reference to the address unless asked for nested attributes.
    assert found.main_address is None
    assert found.created_at == dt.datetime(2022, 12, 30, 13, 59, 24, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("types", "kinds"),
    [
        (["CUSTOMER"], (ContactKind.CUSTOMER,)),
        (["VENDOR"], (ContactKind.SUPPLIER,)),
        (["VENDOR", "CUSTOMER"], (ContactKind.SUPPLIER, ContactKind.CUSTOMER)),
        (["CUSTOMER", "CUSTOMER"], (ContactKind.CUSTOMER,)),
        (["EMPLOYEE"], ()),
        ([], ()),
    ],
)
def test_contact_types_map_to_kinds(
    gb: CountryMapper, types: list[str], kinds: tuple[ContactKind, ...]
) -> None:
    payload = fixture("contact") | {"contact_types": [{"id": t, "displayed_as": t} for t in types]}
    assert gb.contact(payload).kinds == kinds


def test_a_contact_with_nested_attributes_has_its_address_phone_and_balance(
    gb: CountryMapper,
) -> None:
    payload = fixture("contact") | {
        "balance": "-12.40",
        "email": "",
        "main_address": {
            "id": "1a3b",
            "address_line_1": "12 Mill Road",
            "city": "Leeds",
            "postal_code": "LS1 4AB",
            "country": {"id": "GB", "displayed_as": "United Kingdom (GB)"},
        },
        "main_contact_person": {
            "id": "p1",
            "email": "bob@example.com",
            "telephone": "",
            "mobile": "07700 900123",
        },
        "currency": None,
    }
    found = gb.contact(payload)
    assert found.main_address == Address(
        line1="12 Mill Road", city="Leeds", postal_code="LS1 4AB", country_code="GB"
    )
    assert found.email == "bob@example.com"
    assert found.telephone == "07700 900123"
    assert found.balance == Money(Decimal("-12.40"), GBP)
    assert found.currency == GBP


def test_the_pure_contact_function_needs_no_country() -> None:
    found = contact({"id": "c1", "name": "Ada"}, "biz")
    assert (found.name, found.kinds, found.currency, found.credit_limit) == ("Ada", (), None, None)


# --- payments ------------------------------------------------------------------------------


def test_sages_example_customer_receipt_maps(gb: CountryMapper) -> None:
    found = gb.payment(fixture("contact_payment"))
    assert found.kind == PaymentKind.CUSTOMER_RECEIPT
    assert found.payment_method == "CREDIT_DEBIT"
    assert found.contact == Ref("521229b29af04f3682d85b0d43ef5361", "ABS Garages Ltd (ABS001)")
    assert found.bank_account == Ref("19e5f9768c9542ef840ab7532e231215", "Bank Account (1200)")
    assert found.date == dt.date(2024, 4, 5)
    assert found.total_amount == Money(Decimal("120.0"), GBP)
    assert found.allocations == ()  # all of it sits on account


def test_a_supplier_payment_lists_what_it_settles(gb: CountryMapper) -> None:
    found = gb.payment(fixture("supplier_payment"))
    assert found.kind == PaymentKind.SUPPLIER_PAYMENT
    assert [(a.document_type, a.document.id, a.amount) for a in found.allocations] == [
        ("BILL", "aefba8481956416a84a094d6c41c97df", Money(Decimal("700.25"), GBP)),
        ("PURCHASE_CREDIT_NOTE", "bbbb8481956416a84a094d6c41c97df", Money(Decimal("-79.75"), GBP)),
        ("OTHER", "cccc8481956416a84a094d6c41c97df", Money(Decimal("100.0"), GBP)),
    ]
    assert all(a.business_id == gb.business_id for a in found.allocations)


@pytest.mark.parametrize(
    ("transaction_type", "kind"),
    [
        ("CUSTOMER_RECEIPT", PaymentKind.CUSTOMER_RECEIPT),
        ("VENDOR_PAYMENT", PaymentKind.SUPPLIER_PAYMENT),
        ("CUSTOMER_REFUND", PaymentKind.CUSTOMER_REFUND),
        ("VENDOR_REFUND", PaymentKind.SUPPLIER_REFUND),
        ("OTHER_RECEIPT", None),
    ],
)
def test_payment_transaction_types_map_to_kinds(
    gb: CountryMapper, transaction_type: str, kind: PaymentKind | None
) -> None:
    payload = fixture("contact_payment") | {"transaction_type": {"id": transaction_type}}
    assert gb.payment(payload).kind == kind


def test_an_allocation_to_an_invoice_and_one_without_an_artefact(gb: CountryMapper) -> None:
    payload = fixture("contact_payment") | {
        "allocated_artefacts": [
            {"id": "a", "artefact": {"id": "si1", "$path": "/sales_invoices/si1"}, "amount": "20"},
            {"id": "b", "artefact": None, "amount": "5"},
        ]
    }
    (only,) = gb.payment(payload).allocations
    assert (only.document_type, only.document, only.amount) == (
        "INVOICE",
        Ref("si1"),
        Money(Decimal("20"), GBP),
    )


# --- items ---------------------------------------------------------------------------------


def test_sages_example_product_maps(gb: CountryMapper) -> None:
    found = gb.item(fixture("product"))
    assert found.kind == ItemKind.PRODUCT
    assert found.code == "CALC003"
    assert found.name == "Calculator - Desktop (Printing)"
    assert found.sales_price == Money(Decimal("17.0"), GBP)
    assert found.purchase_price == Money(Decimal("11.0"), GBP)
    assert found.sales_ledger_account == Ref(
        "7a5e37b4884911ed84fa0252b90cda0d", "Sales - Products (4000)"
    )
    assert found.sales_tax_rate == Ref("GB_STANDARD", "Standard 20.00%")
    assert found.is_active is True


def test_sages_example_service_maps(gb: CountryMapper) -> None:
    found = gb.item(fixture("service"))
    assert found.kind == ItemKind.SERVICE
    assert found.sales_price == Money(Decimal("1002.0"), GBP)
    assert found.purchase_price == Money(Decimal("0.0"), GBP)


@pytest.mark.parametrize(
    ("payload", "kind"),
    [
        ({"catalog_item_type": {"id": "STOCK_ITEM"}}, ItemKind.STOCK_ITEM),
        ({"catalog_item_type": None, "$path": "/services/x"}, ItemKind.SERVICE),
        ({"$path": "/stock_items/x"}, ItemKind.STOCK_ITEM),
        ({"sales_rates": []}, ItemKind.SERVICE),
        ({}, ItemKind.PRODUCT),
    ],
)
def test_the_item_kind_comes_from_sages_type_else_its_collection(
    gb: CountryMapper, payload: Json, kind: ItemKind
) -> None:
    assert gb.item({"id": "x", "description": "Thing", **payload}).kind == kind


# --- bank accounts -------------------------------------------------------------------------


def test_sages_example_bank_account_maps(gb: CountryMapper) -> None:
    found = gb.bank_account(fixture("bank_account"))
    assert found.name == "Bank Account"
    assert found.kind == BankAccountKind.CHECKING
    assert found.balance == Money(Decimal("-14557.08"), GBP)
    assert found.currency == GBP  # Sage's null means the base currency
    assert found.ledger_account == Ref("163849e847954f66badb3a4bbbb4dc19", "Bank Account (1200)")
    assert (found.account_number, found.sort_code, found.iban, found.bic) == (None,) * 4
    assert found.is_active is True


@pytest.mark.parametrize(
    ("sage", "kind"),
    [
        ("CHECKING", BankAccountKind.CHECKING),
        ("SAVINGS", BankAccountKind.SAVINGS),
        ("CREDIT_CARD", BankAccountKind.CREDIT_CARD),
        ("CASH_IN_HAND", BankAccountKind.CASH),
        ("LOAN", BankAccountKind.LOAN),
        ("OTHER", BankAccountKind.OTHER),
        ("STRIPE", BankAccountKind.OTHER),
        ("SOMETHING_NEW", None),
    ],
)
def test_bank_account_types_map_to_kinds(
    gb: CountryMapper, sage: str, kind: BankAccountKind | None
) -> None:
    payload = fixture("bank_account") | {"bank_account_type": {"id": sage}}
    assert gb.bank_account(payload).kind == kind


def test_a_foreign_currency_bank_account_keeps_its_currency(gb: CountryMapper) -> None:
    payload = fixture("bank_account") | {"currency": {"id": "USD"}, "balance": "10.5"}
    found = gb.bank_account(payload)
    assert (found.currency, found.balance) == ("USD", Money(Decimal("10.5"), "USD"))


# --- the mapper ----------------------------------------------------------------------------


def test_the_mapper_accepts_the_connections_plain_overrides_dict() -> None:
    stored = {
        "tax_rates": {"GB_LOWER": {"kind": "REDUCED"}},
        "ledger_accounts": {"4000": {"roles": ["SALES"]}},
    }
    mapper = CountryMapper.for_business("GB", stored, business_id="b")
    assert mapper.overrides.to_json() == stored
    assert (
        CountryMapper.for_business("GB", mapper.overrides, business_id="b").overrides
        is mapper.overrides
    )


@pytest.mark.parametrize("stored", [None, {}])
def test_no_overrides_is_the_empty_set(stored: Json | None) -> None:
    assert CountryMapper.for_business("GB", stored, business_id="b").overrides.to_json() == {}


def test_malformed_stored_overrides_are_refused_when_the_mapper_is_built() -> None:
    with pytest.raises(OverridesError):
        CountryMapper.for_business("GB", {"tax_rates": []}, business_id="b")


def test_the_mapper_uses_an_explicit_currency_over_the_countrys() -> None:
    mapper = CountryMapper.for_business("GB", business_id="b", currency="EUR")
    assert mapper.item(fixture("product")).sales_price == Money(Decimal("17.0"), "EUR")


def test_the_mapper_is_what_the_connectors_reads_expect() -> None:
    # Checked by mypy: the factory and the mapper satisfy the connector's protocols.
    factory: MapperFactory = CountryMapper.for_business
    mapper: Mapper = factory("GB", {}, business_id="b")
    assert mapper.contact(fixture("contact")).business_id == "b"
    assert {mapper: 1}[mapper] == 1
