"""What each resource's payloads hold, checked against Sage's own response examples."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from tests.sandbox.sage_api import (
    DECIMAL,
    HEX32,
    books_of,
    error_of,
    in_business,
    ok,
    shared_sandbox_fixtures,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")
shared, sandbox, http, api = shared_sandbox_fixtures()

EXAMPLES = json.loads(
    (Path(__file__).resolve().parent / "sage_spec/response-examples.json").read_text("utf-8")
)
INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
RESOURCES = [
    "contacts",
    "sales_invoices",
    "purchase_invoices",
    "sales_credit_notes",
    "contact_payments",
    "ledger_accounts",
    "tax_rates",
    "products",
    "services",
    "bank_accounts",
]


def example(key: str) -> Any:
    return EXAMPLES[key]["examples"]["application/json"]


async def first(api: httpx.AsyncClient, collection: str, **params: Any) -> dict[str, Any]:
    page = ok(await api.get(collection, params={"items_per_page": 1, **params}))
    detail: dict[str, Any] = ok(await api.get(page["$items"][0]["$path"].lstrip("/")))
    return detail


@pytest.mark.parametrize("collection", RESOURCES)
async def test_a_record_names_itself_and_stamps_its_times(
    api: httpx.AsyncClient, collection: str
) -> None:
    record = await first(api, collection)
    assert record["$path"] == f"/{collection}/{record['id']}"
    assert record["displayed_as"]
    assert INSTANT.match(record["created_at"])
    assert INSTANT.match(record["updated_at"])
    assert "idempotency_id" not in record
    assert "deleted_at" not in record


@pytest.mark.parametrize("collection", RESOURCES)
async def test_an_unknown_id_is_record_not_found(api: httpx.AsyncClient, collection: str) -> None:
    error = error_of(await api.get(f"{collection}/{'f' * 32}"), 404)
    assert error["$dataCode"] == "RecordNotFound"


async def test_uk_tax_rates_list_exactly_as_sages_example(api: httpx.AsyncClient) -> None:
    assert ok(await api.get("tax_rates")) == example("GET /tax_rates 200")


async def test_uk_standard_rate_matches_sages_example(api: httpx.AsyncClient) -> None:
    assert ok(await api.get("tax_rates/GB_STANDARD")) == example("GET /tax_rates/{key} 200")


@pytest.mark.parametrize("collection", ["ledger_account_types", "artefact_statuses"])
async def test_reference_lists_match_sages_examples(
    api: httpx.AsyncClient, collection: str
) -> None:
    assert ok(await api.get(collection)) == example(f"GET /{collection} 200")


async def test_a_uk_ledger_account_matches_sages_example(api: httpx.AsyncClient) -> None:
    expected = example("GET /ledger_accounts/{key} 200")
    page = ok(await api.get("ledger_accounts", params={"search": "0041"}))
    account = ok(await api.get(page["$items"][0]["$path"].lstrip("/")))
    ignored = {"id", "$path", "created_at", "updated_at", "tax_rate", "ui_visible", "bank_attached"}
    assert {k: v for k, v in account.items() if k not in ignored} == {
        k: v for k, v in expected.items() if k not in ignored
    }
    assert account["tax_rate"]["id"] == expected["tax_rate"]["id"]
    assert account["displayed_as"] == "Fixtures and fittings - Accumulated Depreciation (0041)"


@pytest.mark.parametrize(
    ("path", "displayed_as"),
    [
        ("currencies/GBP", "Pound Sterling (GBP)"),
        ("currencies/EUR", "Euro (EUR)"),
        ("countries/GB", "United Kingdom (GB)"),
        ("contact_types/VENDOR", "Supplier"),
        ("transaction_types/CUSTOMER_RECEIPT", "Customer Receipt"),
        ("payment_methods/CHECK", "Cheque"),
        ("bank_account_types/CHECKING", "Current"),
    ],
)
async def test_reference_items_are_displayed_as_sage_displays_them(
    api: httpx.AsyncClient, path: str, displayed_as: str
) -> None:
    assert ok(await api.get(path)) == {
        "id": path.split("/")[1],
        "displayed_as": displayed_as,
        "$path": f"/{path}",
    }


async def test_currencies_and_countries_are_sages_full_lists(api: httpx.AsyncClient) -> None:
    assert ok(await api.get("currencies"))["$total"] == 34
    assert ok(await api.get("countries"))["$total"] > 200


async def test_a_contact_carries_its_address_person_and_defaults(api: httpx.AsyncClient) -> None:
    contact = await first(api, "contacts", contact_type_id="CUSTOMER", exclude_system="true")
    assert contact["displayed_as"] == f"{contact['name']} ({contact['reference']})"
    assert contact["contact_types"] == [
        {"id": "CUSTOMER", "displayed_as": "Customer", "$path": "/contact_types/CUSTOMER"}
    ]
    assert contact["currency"]["id"] == "GBP"
    assert contact["main_address"]["address_line_1"]
    assert contact["main_address"]["country"]["id"]
    assert contact["main_contact_person"]["name"]
    assert contact["default_sales_ledger_account"]["displayed_as"] == "Sales - Products (4000)"
    assert contact["credit_limit"] is None or DECIMAL.match(contact["credit_limit"])
    assert isinstance(contact["credit_days"], int)
    assert (
        contact["gb_based"] is True
        or contact["ni_based"] is True
        or contact["main_address"]["country"]["id"] != "GB"
    )


async def test_system_contacts_come_first_and_cannot_be_deleted(api: httpx.AsyncClient) -> None:
    contact = await first(api, "contacts")
    assert contact["system"] is True
    assert contact["name"].startswith("HMRC")
    assert contact["deletable"] is False


async def test_a_sales_invoice_shows_lines_totals_and_its_transaction(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    books = books_of(sandbox, "GB")
    invoice = next(i for i in books.sales_invoices.values() if i.status_id == "PART_PAID")
    payload = ok(await api.get(f"sales_invoices/{invoice.id}"))
    assert payload["invoice_number"] == payload["displayed_as"] == invoice.number
    assert payload["invoice_number_prefix"] == "SI-"
    assert payload["status"] == {
        "id": "PART_PAID",
        "displayed_as": "Part Paid",
        "$path": "/artefact_statuses/PART_PAID",
    }
    assert payload["transaction_type"]["id"] == "SALES_INVOICE"
    assert HEX32.match(payload["transaction"]["id"])
    assert payload["contact"]["id"] == invoice.contact_id
    assert payload["contact_name"] == invoice.contact_name
    assert payload["currency"]["id"] == "GBP"
    assert payload["exchange_rate"] == "1.0"
    assert payload["links"][0]["rel"] == "alternate"
    line = payload["invoice_lines"][0]
    assert line["ledger_account"]["id"] == invoice.lines[0].ledger_account_id
    assert line["tax_rate"]["$path"].startswith("/tax_rates/")
    for amount in ("net_amount", "tax_amount", "total_amount", "outstanding_amount", "total_paid"):
        assert DECIMAL.match(payload[amount])
    assert invoice.last_paid is not None
    assert payload["last_paid"] == invoice.last_paid.isoformat()


async def test_a_purchase_invoice_is_displayed_as_its_reference(api: httpx.AsyncClient) -> None:
    bill = await first(api, "purchase_invoices")
    assert bill["displayed_as"] == bill["reference"]
    assert bill["transaction_type"]["id"] == "PURCHASE_INVOICE"
    assert "invoice_number" not in bill
    assert "is_purchase_for_resale" in bill["invoice_lines"][0]


async def test_a_credit_note_is_numbered_and_dated_against_its_invoice(
    api: httpx.AsyncClient,
) -> None:
    note = await first(api, "sales_credit_notes")
    assert note["credit_note_number"].startswith("SCN-")
    assert note["original_invoice_date"]
    assert "due_date" not in note
    assert note["credit_note_lines"]


async def test_a_payment_names_what_it_settles(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    books = books_of(sandbox, "GB")
    payment = next(p for p in books.contact_payments.values() if p.allocations)
    payload = ok(await api.get(f"contact_payments/{payment.id}"))
    allocated = payload["allocated_artefacts"][0]
    assert allocated["artefact"]["id"] == payment.allocations[0].artefact_id
    assert allocated["artefact"]["$path"].split("/")[1] in (
        "sales_invoices",
        "purchase_invoices",
        "sales_credit_notes",
    )
    assert payload["bank_account"]["displayed_as"].endswith(")")
    assert payload["payment_on_account"] is None


async def test_a_deposit_is_money_on_account(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    books = books_of(sandbox, "GB")
    deposit = next(p for p in books.contact_payments.values() if not p.allocations)
    payload = ok(await api.get(f"contact_payments/{deposit.id}"))
    on_account = payload["payment_on_account"]
    assert payload["allocated_artefacts"] == []
    assert on_account["total_amount"] == on_account["outstanding_amount"] == payload["total_amount"]
    assert on_account["$path"] == f"/contact_payments/{deposit.id}"


async def test_bank_accounts_show_their_ledger_and_balance(api: httpx.AsyncClient) -> None:
    page = ok(await api.get("bank_accounts", params={"attributes": "all"}))
    current = next(a for a in page["$items"] if a["bank_account_type"]["id"] == "CHECKING")
    assert current["displayed_as"] == "Bank Current Account (1200)"
    assert current["ledger_account"]["displayed_as"] == "Bank Current Account (1200)"
    assert DECIMAL.match(current["balance"])
    assert {a["bank_account_type"]["id"] for a in page["$items"]} >= {"CHECKING", "CASH_IN_HAND"}


async def test_products_have_sales_prices_per_price_type(api: httpx.AsyncClient) -> None:
    product = await first(api, "products")
    assert [p["price_name"] for p in product["sales_prices"]] == [
        "Sales Price",
        "Trade",
        "Wholesale",
    ]
    price_type = product["sales_prices"][0]["product_sales_price_type"]
    assert ok(await api.get(price_type["$path"].lstrip("/")))["name"] == "Sales Price"
    assert product["catalog_item_type"]["id"] == "PRODUCT"


async def test_services_have_rates(api: httpx.AsyncClient) -> None:
    service = await first(api, "services")
    assert service["sales_rates"][0]["rate_name"] == "Rate"
    assert DECIMAL.match(service["sales_rates"][0]["rate"])


async def test_financial_settings_name_the_base_currency_and_tax_setup(
    api: httpx.AsyncClient,
) -> None:
    settings = ok(await api.get("financial_settings"))
    assert settings["$path"] == "/financial_settings"
    assert settings["base_currency"]["id"] == "GBP"
    assert settings["tax_scheme"]["id"] == "STANDARD"
    assert settings["accounting_type"] == "accrual"


async def test_business_settings_name_every_default_ledger_account(api: httpx.AsyncClient) -> None:
    settings = ok(await api.get("business_settings"))
    defaults = settings["default_ledger_accounts"]
    assert len(defaults) == 19
    assert all(defaults.values())
    assert defaults["sales_ledger_account"]["displayed_as"] == "Sales - Products (4000)"
    assert defaults["service_sales_ledger_account"]["displayed_as"] == "Sales - Services (4010)"
    assert settings["business_type"]["id"] == "LIMITED"
    assert settings["country_of_registration"]["id"] == "ENGLAND_AND_WALES"


async def test_a_canadian_purchase_splits_federal_and_provincial_tax(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    headers = in_business(sandbox, "CA")
    page = ok(
        await api.get(
            "purchase_invoices", params={"items_per_page": 1, "attributes": "all"}, headers=headers
        )
    )
    line = page["$items"][0]["invoice_lines"][0]
    assert DECIMAL.match(line["gst_amount"])
    assert DECIMAL.match(line["pst_amount"])
    assert page["$items"][0]["tax_address_region"]["id"] == "CA-ON"


async def test_balance_details_total_what_was_posted(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    books = books_of(sandbox, "GB")
    sales = books.ledger_account_by_code(4000)

    def posted(documents: Any) -> Decimal:
        return sum(
            (
                line.net_amount
                for document in documents
                if document.status_id not in ("DRAFT", "VOID")
                for line in document.lines
                if line.ledger_account_id == sales.id
            ),
            Decimal(0),
        )

    invoiced = posted(books.sales_invoices.values())
    credited = posted(books.sales_credit_notes.values())
    params = {"show_balance_details": "true"}
    details = ok(await api.get(f"ledger_accounts/{sales.id}", params=params))["balance_details"]
    assert details["credit_or_debit"] == "credit"
    assert Decimal(details["credits"]) == invoiced
    assert Decimal(details["debits"]) == credited
    assert Decimal(details["balance"]) == invoiced - credited
    assert "balance_details" not in ok(await api.get(f"ledger_accounts/{sales.id}"))
