"""Creating, changing, voiding and deleting records, and Sage's validation errors."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox, SandboxConfig
from tests.sandbox.sage_api import (
    HEX32,
    SMALL_BOOKS,
    books_of,
    error_of,
    in_business,
    invoice_body,
    ok,
    payment_body,
    refs,
    refused,
    sources,
)


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    return SMALL_BOOKS


Json = dict[str, Any]


# -- contacts -----------------------------------------------------------------------------


async def test_a_contact_is_created_with_its_address_and_person(api: httpx.AsyncClient) -> None:
    body = {
        "contact": {
            "name": "Riverside Bakery Ltd",
            "reference": "RIV900",
            "contact_type_ids": ["CUSTOMER"],
            "credit_limit": 1500,
            "credit_days": 14,
            "main_address": {
                "address_line_1": "1 Wharf Street",
                "city": "Leeds",
                "postal_code": "LS2 7EQ",
                "country_id": "GB",
            },
            "main_contact_person": {"name": "Ada Baker", "email": "ada@riverside.example.com"},
        }
    }
    response = await api.post("contacts", json=body)
    contact = ok(response, 201)
    assert HEX32.match(contact["id"])
    assert contact["displayed_as"] == "Riverside Bakery Ltd (RIV900)"
    assert contact["credit_limit"] == "1500.0"
    assert contact["email"] == "ada@riverside.example.com"
    assert contact["main_address"]["city"] == "Leeds"
    assert contact["currency"]["id"] == "GBP"
    assert contact["created_at"] == contact["updated_at"]
    assert ok(await api.get(f"contacts/{contact['id']}")) == contact


async def test_a_contact_needs_a_name_and_types(api: httpx.AsyncClient) -> None:
    response = await api.post("contacts", json={"contact": {"reference": "X1"}})
    error_of(response, 422)
    assert sources(response) == {"name", "contact_type_ids"}
    assert {p["$dataCode"] for p in response.json()} == {"RecordInvalid"}
    assert response.json()[0]["$message"] == "This field is required"


@pytest.mark.parametrize(
    ("fields", "source"),
    [
        ({"contact_type_ids": ["FRIEND"]}, "contact_type_ids"),
        ({"name": "x" * 101}, "name"),
        ({"reference": "ELEVENCHARS"}, "reference"),
        ({"credit_limit": "lots"}, "credit_limit"),
        ({"credit_days": -1}, "credit_days"),
        ({"currency_id": "XXX"}, "currency_id"),
        ({"default_sales_ledger_account_id": "f" * 32}, "default_sales_ledger_account_id"),
        ({"default_sales_tax_rate_id": "GB_MADE_UP"}, "default_sales_tax_rate_id"),
        ({"main_address": {"country_id": "ZZ"}}, "main_address.country_id"),
        ({"credit_terms": "whenever"}, "credit_terms"),
    ],
)
async def test_bad_contact_fields_are_refused(
    api: httpx.AsyncClient, fields: Json, source: str
) -> None:
    body = {"contact": {"name": "Checked Ltd", "contact_type_ids": ["CUSTOMER"]} | fields}
    response = await api.post("contacts", json=body)
    error_of(response, 422)
    assert source in sources(response)


async def test_a_reference_can_only_be_used_once(api: httpx.AsyncClient) -> None:
    body = {"contact": {"name": "First Ltd", "reference": "DUP001", "contact_type_ids": ["VENDOR"]}}
    ok(await api.post("contacts", json=body), 201)
    body["contact"]["name"] = "Second Ltd"
    assert error_of(await api.post("contacts", json=body), 422)["$source"] == "reference"


@pytest.mark.parametrize(
    ("region", "status"), [("BC", 201), ("qc", 201), ("Ontario", 422), ("CA-ON", 422)]
)
async def test_canadian_addresses_need_a_province_code(
    api: httpx.AsyncClient, sandbox: RunningSandbox, region: str, status: int
) -> None:
    body = {
        "contact": {
            "name": f"Province {region}",
            "contact_type_ids": ["CUSTOMER"],
            "main_address": {"address_line_1": "1 Main St", "region": region, "country_id": "CA"},
        }
    }
    response = await api.post("contacts", json=body, headers=in_business(sandbox, "CA"))
    if status == 201:
        assert ok(response, 201)["main_address"]["region"] == region.upper()
    else:
        assert error_of(response, 422)["$source"] == "main_address.region"


async def test_updating_a_contact_changes_only_what_is_sent(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    r = refs(sandbox)
    before = ok(await api.get(f"contacts/{r.customer}"))
    after = ok(
        await api.put(
            f"contacts/{r.customer}",
            json={"contact": {"notes": "Prefers email", "credit_days": 45}},
        )
    )
    assert after["notes"] == "Prefers email"
    assert after["credit_days"] == 45
    assert after["name"] == before["name"]
    assert after["updated_at"] > before["updated_at"]
    assert after["created_at"] == before["created_at"]


async def test_a_contact_without_transactions_can_be_deleted(api: httpx.AsyncClient) -> None:
    contact = ok(
        await api.post(
            "contacts", json={"contact": {"name": "Brief Ltd", "contact_type_ids": ["CUSTOMER"]}}
        ),
        201,
    )
    assert contact["deletable"] is True
    response = await api.delete(f"contacts/{contact['id']}")
    assert response.status_code == 204
    assert response.content == b""
    error_of(await api.get(f"contacts/{contact['id']}"), 404)
    error_of(await api.put(f"contacts/{contact['id']}", json={"contact": {"notes": "x"}}), 404)


async def test_a_contact_with_transactions_cannot_be_deleted(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    r = refs(sandbox)
    assert ok(await api.get(f"contacts/{r.customer}"))["deletable"] is False
    assert error_of(await api.delete(f"contacts/{r.customer}"), 422)["$source"] == "base"


# -- sales invoices -----------------------------------------------------------------------


async def test_new_invoices_take_the_next_number(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    r = refs(sandbox)
    numbers = [
        int(i.number[3:]) for i in books_of(sandbox, "GB").sales_invoices.values() if i.number
    ]
    first = ok(await api.post("sales_invoices", json=invoice_body(r, {"unit_price": 10})), 201)
    refused = invoice_body(r, {"unit_price": 10}, due_date="2000-01-01")
    error_of(await api.post("sales_invoices", json=refused), 422)
    second = ok(await api.post("sales_invoices", json=invoice_body(r, {"unit_price": 10})), 201)
    assert [first["invoice_number"], second["invoice_number"]] == [
        f"SI-{max(numbers) + 1}",
        f"SI-{max(numbers) + 2}",
    ]


async def test_an_invoice_takes_a_number_given_to_it(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    r = refs(sandbox)
    created = ok(
        await api.post(
            "sales_invoices", json=invoice_body(r, {"unit_price": 10}, invoice_number="WEB-1")
        ),
        201,
    )
    assert created["displayed_as"] == "WEB-1"
    error = error_of(
        await api.post(
            "sales_invoices", json=invoice_body(r, {"unit_price": 10}, invoice_number="WEB-1")
        ),
        422,
    )
    assert error["$source"] == "invoice_number"


async def test_an_invoice_copies_the_customers_details_and_defaults_the_due_date(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    r = refs(sandbox)
    contact = books_of(sandbox, "GB").contacts[r.customer]
    assert contact.main_address is not None
    created = ok(await api.post("sales_invoices", json=invoice_body(r, {"unit_price": 10})), 201)
    assert created["contact_name"] == contact.name
    assert created["contact_reference"] == contact.reference
    assert created["main_address"]["address_line_1"] == contact.main_address.address_line_1
    assert created["delivery_address"]["address_line_1"] == contact.main_address.address_line_1
    due = date(2025, 3, 14) + timedelta(days=contact.credit_days or 30)
    assert created["due_date"] == due.isoformat()


async def test_a_supplier_is_not_a_customer(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    r = refs(sandbox)
    body = invoice_body(r, {"unit_price": 10}, contact_id=r.vendor)
    error = error_of(await api.post("sales_invoices", json=body), 422)
    assert (error["$source"], error["$message"]) == ("contact_id", "can't find customer")


@pytest.mark.parametrize(
    ("change", "source"),
    [
        ({"contact_id": None}, "contact_id"),
        ({"date": None}, "date"),
        ({"date": "14/03/2025"}, "date"),
        ({"date": "2025-02-30"}, "date"),
        ({"due_date": "2025-01-01"}, "due_date"),
        ({"invoice_lines": []}, "invoice_lines"),
        ({"status_id": "PAID"}, "status_id"),
        ({"currency_id": "ABC"}, "currency_id"),
    ],
)
async def test_bad_invoice_headers_are_refused(
    api: httpx.AsyncClient, sandbox: RunningSandbox, change: Json, source: str
) -> None:
    body = invoice_body(refs(sandbox), {"unit_price": 10})
    body["sales_invoice"] |= change
    assert source in refused(await api.post("sales_invoices", json=body))


@pytest.mark.parametrize(("country", "region"), [("CA", "CA-XX"), ("CA", "US-CA"), ("US", "CA-ON")])
async def test_a_tax_region_outside_the_country_is_refused(
    api: httpx.AsyncClient, sandbox: RunningSandbox, country: str, region: str
) -> None:
    body = invoice_body(refs(sandbox, country), {"unit_price": 10}, tax_address_region_id=region)
    response = await api.post("sales_invoices", json=body, headers=in_business(sandbox, country))
    assert refused(response) == {"tax_address_region_id"}


async def test_only_canada_and_the_us_keep_a_tax_region(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    body = invoice_body(refs(sandbox), {"unit_price": 10}, tax_address_region_id="CA-ON")
    assert ok(await api.post("sales_invoices", json=body), 201)["tax_address_region"] is None


@pytest.mark.parametrize(
    ("line", "source"),
    [
        ({"description": None}, "invoice_lines.description"),
        ({"unit_price": None}, "invoice_lines.unit_price"),
        ({"unit_price": "ten"}, "invoice_lines.unit_price"),
        ({"ledger_account_id": None}, "invoice_lines.ledger_account_id"),
        ({"ledger_account_id": "f" * 32}, "invoice_lines.ledger_account_id"),
        ({"tax_rate_id": "GB_MADE_UP"}, "invoice_lines.tax_rate_id"),
        ({"product_id": "f" * 32}, "invoice_lines.product_id"),
        ({"discount_amount": -1}, "invoice_lines.discount_amount"),
    ],
)
async def test_bad_invoice_lines_are_refused(
    api: httpx.AsyncClient, sandbox: RunningSandbox, line: Json, source: str
) -> None:
    body = invoice_body(refs(sandbox), {"unit_price": 10} | line)
    response = await api.post("sales_invoices", json=body)
    error_of(response, 422)
    assert source in sources(response)


async def test_a_sales_line_needs_a_ledger_account_visible_in_sales(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    r = refs(sandbox)
    response = await api.post(
        "sales_invoices",
        json=invoice_body(r, {"unit_price": 10, "ledger_account_id": r.purchase_ledger}),
    )
    assert error_of(response, 422)["$source"] == "invoice_lines.ledger_account_id"


async def test_a_draft_is_numbered_when_released(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    draft = ok(
        await api.post(
            "sales_invoices",
            json=invoice_body(refs(sandbox), {"unit_price": 10}, status_id="DRAFT"),
        ),
        201,
    )
    assert (draft["status"]["id"], draft["invoice_number"], draft["transaction"]) == (
        "DRAFT",
        "SI-DRAFT",
        None,
    )
    released = ok(await api.post(f"sales_invoices/{draft['id']}/release"), 201)
    assert released["status"]["id"] == "UNPAID"
    assert released["invoice_number"].startswith("SI-")
    assert released["invoice_number"] != "SI-DRAFT"
    assert released["transaction"] is not None
    assert (
        error_of(await api.post(f"sales_invoices/{draft['id']}/release"), 422)["$source"]
        == "status_id"
    )


async def test_deleting_an_invoice_voids_it_and_keeps_it_listed(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    created = ok(
        await api.post("sales_invoices", json=invoice_body(refs(sandbox), {"unit_price": 10})), 201
    )
    assert (
        error_of(await api.delete(f"sales_invoices/{created['id']}"), 422)["$source"]
        == "void_reason"
    )
    voided = ok(
        await api.delete(f"sales_invoices/{created['id']}", params={"void_reason": "Raised twice"})
    )
    assert (voided["status"]["id"], voided["void_reason"]) == ("VOID", "Raised twice")
    assert voided["outstanding_amount"] == "0.0"
    assert voided["total_amount"] == created["total_amount"]
    listed = ok(
        await api.get("sales_invoices", params={"status_id": "VOID", "items_per_page": 200})
    )
    assert created["id"] in {item["id"] for item in listed["$items"]}
    assert error_of(
        await api.delete(f"sales_invoices/{created['id']}", params={"void_reason": "again"}), 422
    )
    error_of(
        await api.put(f"sales_invoices/{created['id']}", json={"sales_invoice": {"notes": "x"}}),
        422,
    )


async def test_a_draft_is_deleted_not_voided(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    draft = ok(
        await api.post(
            "sales_invoices",
            json=invoice_body(refs(sandbox), {"unit_price": 10}, status_id="DRAFT"),
        ),
        201,
    )
    assert (await api.delete(f"sales_invoices/{draft['id']}")).status_code == 204
    error_of(await api.get(f"sales_invoices/{draft['id']}"), 404)


async def test_a_paid_invoice_cannot_be_voided(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    r = refs(sandbox)
    created = ok(
        await api.post(
            "sales_invoices", json=invoice_body(r, {"unit_price": 10, "tax_rate_id": "GB_NO_TAX"})
        ),
        201,
    )
    ok(await api.post("contact_payments", json=payment_body(r, "10", (created["id"], "10"))), 201)
    error_of(await api.delete(f"sales_invoices/{created['id']}", params={"void_reason": "no"}), 422)


async def test_a_purchase_invoice_needs_a_due_date_and_quantity_and_is_deleted_outright(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    r = refs(sandbox)
    line = {"description": "Oak", "ledger_account_id": r.purchase_ledger, "unit_price": 10}
    body = {
        "purchase_invoice": {"contact_id": r.vendor, "date": "2025-01-05", "invoice_lines": [line]}
    }
    response = await api.post("purchase_invoices", json=body)
    assert refused(response) == {"due_date", "invoice_lines.quantity"}
    body["purchase_invoice"] |= {"due_date": "2025-02-04", "reference": "OAK-77"}
    line["quantity"] = 3
    bill = ok(await api.post("purchase_invoices", json=body), 201)
    assert bill["displayed_as"] == "OAK-77"
    assert (await api.delete(f"purchase_invoices/{bill['id']}")).status_code == 204
    error_of(await api.get(f"purchase_invoices/{bill['id']}"), 404)
    customer_as_supplier = body | {
        "purchase_invoice": body["purchase_invoice"] | {"contact_id": r.customer}
    }
    assert (
        error_of(await api.post("purchase_invoices", json=customer_as_supplier), 422)["$message"]
        == "can't find supplier"
    )


async def test_a_credit_note_is_numbered_and_voided_like_an_invoice(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    r = refs(sandbox)
    body = {
        "sales_credit_note": {
            "contact_id": r.customer,
            "date": "2025-03-01",
            "original_invoice_date": "2025-02-01",
            "credit_note_lines": [
                {"description": "Refund", "ledger_account_id": r.sales_ledger, "unit_price": 12}
            ],
        }
    }
    note = ok(await api.post("sales_credit_notes", json=body), 201)
    assert note["credit_note_number"].startswith("SCN-")
    assert note["original_invoice_date"] == "2025-02-01"
    voided = ok(
        await api.delete(
            f"sales_credit_notes/{note['id']}", params={"void_reason": "wrong customer"}
        )
    )
    assert voided["status"]["id"] == "VOID"


# -- chart of accounts, tax rates, catalogue, banking, settings ------------------------------------


async def test_a_ledger_account_is_created_with_its_types_visibility(
    api: httpx.AsyncClient,
) -> None:
    body = {
        "ledger_account": {
            "ledger_account_type_id": "OVERHEADS",
            "included_in_chart": True,
            "name": "Software",
            "display_name": "Software subscriptions",
            "nominal_code": 7550,
            "tax_rate_id": "GB_STANDARD",
        }
    }
    account = ok(await api.post("ledger_accounts", json=body), 201)
    assert account["displayed_as"] == "Software (7550)"
    assert account["visible_in_expenses"] is True
    assert account["visible_in_sales"] is False
    assert account["ledger_account_group"]["id"] == "EXPENDITURE"
    assert error_of(await api.post("ledger_accounts", json=body), 422)["$source"] == "nominal_code"
    changed = ok(
        await api.put(
            f"ledger_accounts/{account['id']}",
            json={"ledger_account": {"visible_in_sales": True, "control_name": "HACK"}},
        )
    )
    assert changed["visible_in_sales"] is True
    assert changed["control_name"] is None


async def test_a_control_account_keeps_its_type_name_and_place_in_the_chart(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    debtors = books_of(sandbox, "GB").ledger_account_by_code(1100)
    response = await api.put(
        f"ledger_accounts/{debtors.id}",
        json={
            "ledger_account": {
                "name": "Debtors",
                "included_in_chart": False,
                "ledger_account_type_id": "BANK",
            }
        },
    )
    assert refused(response) == {
        "name",
        "included_in_chart",
        "ledger_account_type_id",
    }


async def test_ledger_accounts_cannot_be_deleted(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    account = books_of(sandbox, "GB").ledger_account_by_code(7100)
    error_of(await api.delete(f"ledger_accounts/{account.id}"), 405)


async def test_only_us_businesses_write_tax_rates(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    body = {
        "tax_rate": {
            "name": "Made up",
            "component_tax_rate": [{"name": "Made up", "percentage": 3}],
        }
    }
    assert error_of(await api.post("tax_rates", json=body), 422)["$source"] == "base"
    error_of(await api.delete("tax_rates/GB_STANDARD"), 422)
    us = in_business(sandbox, "US")
    simple = ok(
        await api.post(
            "tax_rates",
            json={
                "tax_rate": {
                    "name": "Reno, NV",
                    "agency": "Nevada Department of Taxation",
                    "component_tax_rate": [{"name": "Reno, NV", "percentage": 8.265}],
                }
            },
            headers=us,
        ),
        201,
    )
    assert HEX32.match(simple["id"])
    assert (simple["percentage"], simple["displayed_as"], simple["is_combined_rate"]) == (
        "8.265",
        "Reno, NV 8.265%",
        False,
    )
    combined = ok(
        await api.post(
            "tax_rates",
            json={
                "tax_rate": {
                    "name": "Portland area",
                    "component_tax_rate": [
                        {"name": "State", "percentage": 1},
                        {"name": "City", "percentage": "0.5"},
                    ],
                }
            },
            headers=us,
        ),
        201,
    )
    assert combined["percentage"] == "1.5"
    assert [c["percentage"] for c in combined["component_tax_rates"]] == ["1.0", "0.5"]
    changed = ok(
        await api.put(
            f"tax_rates/{simple['id']}",
            json={"tax_rate": {"component_tax_rate": [{"name": "Reno, NV", "percentage": 8.375}]}},
            headers=us,
        )
    )
    assert changed["percentage"] == "8.375"
    assert (await api.delete(f"tax_rates/{simple['id']}", headers=us)).status_code == 204
    error_of(await api.get(f"tax_rates/{simple['id']}", headers=us), 404)


async def test_a_us_tax_rate_in_use_cannot_be_deleted(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    us = in_business(sandbox, "US")
    used = next(
        t for t in books_of(sandbox, "US").tax_rates.values() if t.name == "California State"
    )
    assert error_of(await api.delete(f"tax_rates/{used.id}", headers=us), 422)["$source"] == "base"


@pytest.mark.parametrize("collection", ["products", "services"])
async def test_catalogue_items_are_created_changed_and_deleted(
    api: httpx.AsyncClient, sandbox: RunningSandbox, collection: str
) -> None:
    r = refs(sandbox)
    root = collection[:-1]
    prices = (
        {"sales_prices": [{"price_name": "Sales Price", "price": 42}]}
        if root == "product"
        else {"sales_rates": [{"rate_name": "Rate", "rate": 42}]}
    )
    body = {
        root: {
            "description": "Walnut coasters (set of 4)",
            "item_code": "CST-WAL",
            "sales_ledger_account_id": r.sales_ledger,
            "purchase_ledger_account_id": r.purchase_ledger,
            "sales_tax_rate_id": "GB_STANDARD",
        }
        | prices
    }
    item = ok(await api.post(collection, json=body), 201)
    priced = (
        item["sales_prices"][0]["price"] if root == "product" else item["sales_rates"][0]["rate"]
    )
    assert priced == "42.0"
    changed = ok(await api.put(f"{collection}/{item['id']}", json={root: {"active": False}}))
    assert changed["active"] is False
    assert (await api.delete(f"{collection}/{item['id']}")).status_code == 204


async def test_a_product_needs_its_ledger_accounts(api: httpx.AsyncClient) -> None:
    response = await api.post("products", json={"product": {"description": "Nothing else"}})
    assert refused(response) == {
        "sales_ledger_account_id",
        "purchase_ledger_account_id",
    }


async def test_a_product_on_an_invoice_cannot_be_deleted(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    books = books_of(sandbox, "GB")
    used = next(
        line.product_id
        for i in books.sales_invoices.values()
        for line in i.lines
        if line.product_id
    )
    error_of(await api.delete(f"products/{used}"), 422)


async def test_a_bank_account_gets_its_own_ledger_account(api: httpx.AsyncClient) -> None:
    body = {
        "bank_account": {
            "bank_account_type_id": "SAVINGS",
            "bank_account_details": {
                "account_name": "Tax Reserve",
                "sort_code": "20-32-06",
                "account_number": "11223344",
            },
        }
    }
    account = ok(await api.post("bank_accounts", json=body), 201)
    assert account["displayed_as"] == "Tax Reserve (1201)"
    assert account["ledger_account"]["displayed_as"] == "Tax Reserve (1201)"
    assert account["balance"] == "0.0"
    ledger = ok(await api.get(account["ledger_account"]["$path"].lstrip("/")))
    assert ledger["ledger_account_type"]["id"] == "BANK"
    assert ledger["visible_in_banking"] is True
    assert (await api.delete(f"bank_accounts/{account['id']}")).status_code == 204


async def test_a_bank_account_needs_a_type_and_a_name(api: httpx.AsyncClient) -> None:
    response = await api.post("bank_accounts", json={"bank_account": {}})
    assert refused(response) == {
        "bank_account_type_id",
        "bank_account_details.account_name",
    }


async def test_a_bank_account_with_payments_cannot_be_deleted(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    error_of(await api.delete(f"bank_accounts/{refs(sandbox).bank}"), 422)


async def test_financial_settings_can_be_changed(api: httpx.AsyncClient) -> None:
    changed = ok(
        await api.put(
            "financial_settings",
            json={
                "financial_settings": {
                    "tax_return_frequency_id": "MONTHLY",
                    "accounting_type": "cash",
                }
            },
        )
    )
    assert (changed["tax_return_frequency"]["id"], changed["accounting_type"]) == (
        "MONTHLY",
        "cash",
    )
    error = error_of(
        await api.put(
            "financial_settings", json={"financial_settings": {"base_currency_id": "EUR"}}
        ),
        422,
    )
    assert error["$source"] == "base_currency_id"
    assert (
        error_of(
            await api.put(
                "financial_settings", json={"financial_settings": {"accounting_type": "magic"}}
            ),
            422,
        )["$source"]
        == "accounting_type"
    )


async def test_business_settings_can_change_default_ledger_accounts(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    other = books_of(sandbox, "GB").ledger_account_by_code(4900)
    body = {"business_settings": {"default_ledger_accounts": {"sales_ledger_account_id": other.id}}}
    changed = ok(await api.put("business_settings", json=body))
    assert changed["default_ledger_accounts"]["sales_ledger_account"]["id"] == other.id


# -- request shape ---------------------------------------------------------------------------


async def test_a_body_that_is_not_json_is_refused(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "contacts", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert error_of(response, 422)["$source"] == "base"


async def test_a_body_without_its_root_object_is_refused(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "contacts", json={"name": "Unwrapped Ltd", "contact_type_ids": ["CUSTOMER"]}
    )
    assert error_of(response, 422)["$source"] == "contact"


async def test_writes_to_another_business_stay_there(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    body = {"contact": {"name": "Only In Ireland Ltd", "contact_type_ids": ["CUSTOMER"]}}
    contact = ok(await api.post("contacts", json=body, headers=in_business(sandbox, "IE")), 201)
    assert contact["currency"]["id"] == "EUR"
    error_of(await api.get(f"contacts/{contact['id']}"), 404)
    ok(await api.get(f"contacts/{contact['id']}", headers=in_business(sandbox, "IE")))
