"""Sage's arithmetic: lines, tax (inclusive, combined, historical), totals and payments."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox, SandboxConfig
from tests.sandbox.sage_api import (
    SMALL_BOOKS,
    books_of,
    error_of,
    in_business,
    invoice_body,
    ok,
    payment_body,
    refs,
)


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    return SMALL_BOOKS


Json = dict[str, Any]


async def invoice(
    api: httpx.AsyncClient, sandbox: RunningSandbox, *lines: Json, **fields: Any
) -> Json:
    created: Json = ok(
        await api.post("sales_invoices", json=invoice_body(refs(sandbox), *lines, **fields)), 201
    )
    return created


def amounts(line: Json) -> tuple[str, str, str]:
    return line["net_amount"], line["tax_amount"], line["total_amount"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ({"quantity": 3, "unit_price": 10, "tax_rate_id": "GB_STANDARD"}, ("30.0", "6.0", "36.0")),
        (
            {"quantity": 1, "unit_price": "0.125", "tax_rate_id": "GB_STANDARD"},
            ("0.13", "0.03", "0.16"),
        ),
        (
            {"quantity": 3, "unit_price": "33.335", "tax_rate_id": "GB_STANDARD"},
            ("100.01", "20.0", "120.01"),
        ),
        (
            {"quantity": 2, "unit_price": 19.99, "tax_rate_id": "GB_LOWER"},
            ("39.98", "2.0", "41.98"),
        ),
        (
            {
                "quantity": 1,
                "unit_price": 120,
                "unit_price_includes_tax": True,
                "tax_rate_id": "GB_STANDARD",
            },
            ("100.0", "20.0", "120.0"),
        ),
        (
            {
                "quantity": 1,
                "unit_price": "9.99",
                "unit_price_includes_tax": True,
                "tax_rate_id": "GB_STANDARD",
            },
            ("8.32", "1.67", "9.99"),
        ),
        (
            {"quantity": 2, "unit_price": 50, "discount_amount": 10, "tax_rate_id": "GB_STANDARD"},
            ("90.0", "18.0", "108.0"),
        ),
        (
            {
                "quantity": 4,
                "unit_price": 25,
                "discount_percentage": 15,
                "tax_rate_id": "GB_STANDARD",
            },
            ("85.0", "17.0", "102.0"),
        ),
        (
            {"quantity": 1, "unit_price": 100, "tax_amount": "19.99", "tax_rate_id": "GB_STANDARD"},
            ("100.0", "19.99", "119.99"),
        ),
        ({"quantity": 5, "unit_price": 12, "tax_rate_id": "GB_ZERO"}, ("60.0", "0.0", "60.0")),
        ({"quantity": 5, "unit_price": 12, "tax_rate_id": "GB_NO_TAX"}, ("60.0", "0.0", "60.0")),
        ({"unit_price": 40, "tax_rate_id": "GB_STANDARD"}, ("40.0", "8.0", "48.0")),
    ],
)
async def test_line_amounts(
    api: httpx.AsyncClient, sandbox: RunningSandbox, line: Json, expected: tuple[str, str, str]
) -> None:
    created = await invoice(api, sandbox, line)
    assert amounts(created["invoice_lines"][0]) == expected
    assert amounts(created) == expected


async def test_a_line_shows_its_tax_breakdown_and_discount_percentage(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    line = (
        await invoice(
            api,
            sandbox,
            {"quantity": 4, "unit_price": 25, "discount_amount": 10, "tax_rate_id": "GB_STANDARD"},
        )
    )["invoice_lines"][0]
    assert line["discount_amount"] == "10.0"
    assert line["discount_percentage"] == "10.0"
    assert line["tax_breakdown"] == [
        {
            "tax_rate": {
                "id": "GB_STANDARD",
                "displayed_as": "Standard 20.00%",
                "$path": "/tax_rates/GB_STANDARD",
            },
            "percentage": "20.0",
            "amount": "18.0",
        }
    ]
    zero = (
        await invoice(api, sandbox, {"quantity": 1, "unit_price": 5, "tax_rate_id": "GB_ZERO"})
    )["invoice_lines"][0]
    assert zero["tax_breakdown"] == []


async def test_without_a_tax_rate_the_ledger_accounts_default_applies(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    line = (await invoice(api, sandbox, {"quantity": 1, "unit_price": 10}))["invoice_lines"][0]
    assert line["tax_rate"]["id"] == "GB_STANDARD"
    assert line["tax_amount"] == "2.0"


async def test_document_totals_add_lines_and_shipping(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    created = await invoice(
        api,
        sandbox,
        {"quantity": 2, "unit_price": 100, "tax_rate_id": "GB_STANDARD"},
        {"quantity": 1, "unit_price": 50, "tax_rate_id": "GB_LOWER"},
        {"quantity": 3, "unit_price": 10, "tax_rate_id": "GB_ZERO"},
        shipping_net_amount=10,
        shipping_tax_rate_id="GB_STANDARD",
        shipping_tax_amount=99,
    )
    assert created["shipping_tax_amount"] == "2.0"
    assert created["shipping_total_amount"] == "12.0"
    assert created["net_amount"] == "290.0"
    assert created["tax_amount"] == "44.5"
    assert created["total_amount"] == "334.5"
    assert created["total_quantity"] == "6.0"
    assert created["outstanding_amount"] == "334.5"
    assert created["total_paid"] == "0.0"
    analysis = {
        row["tax_rate"]["id"]: (row["net_amount"], row["tax_amount"])
        for row in created["tax_analysis"]
    }
    assert analysis == {
        "GB_STANDARD": ("210.0", "42.0"),
        "GB_LOWER": ("50.0", "2.5"),
        "GB_ZERO": ("30.0", "0.0"),
    }


async def test_a_canadian_combined_rate_taxes_each_component(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    r = refs(sandbox, "CA")
    body = invoice_body(
        r,
        {"quantity": 1, "unit_price": 100, "tax_rate_id": "CA_GST_PST_BC"},
        tax_address_region_id="CA-BC",
    )
    created = ok(
        await api.post("sales_invoices", json=body, headers=in_business(sandbox, "CA")), 201
    )
    line = created["invoice_lines"][0]
    assert [(b["tax_rate"]["id"], b["percentage"], b["amount"]) for b in line["tax_breakdown"]] == [
        ("CA_GST", "5.0", "5.0"),
        ("CA_PST_BC", "7.0", "7.0"),
    ]
    assert amounts(line) == ("100.0", "12.0", "112.0")
    assert line["tax_rate"]["displayed_as"] == "GST & PST 12.00%"
    assert created["tax_address_region"]["id"] == "CA-BC"


async def test_quebec_sales_tax_rounds_each_component(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    r = refs(sandbox, "CA")
    body = invoice_body(
        r,
        {"quantity": 1, "unit_price": 100, "tax_rate_id": "CA_GST_QST"},
        tax_address_region_id="CA-QC",
    )
    line = ok(await api.post("sales_invoices", json=body, headers=in_business(sandbox, "CA")), 201)[
        "invoice_lines"
    ][0]
    assert [b["amount"] for b in line["tax_breakdown"]] == ["5.0", "9.98"]
    assert amounts(line) == ("100.0", "14.98", "114.98")


async def test_a_canadian_invoice_defaults_its_tax_region_to_the_customers_province(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    r = refs(sandbox, "CA")
    books = books_of(sandbox, "CA")
    address = books.contacts[r.customer].main_address
    assert address is not None
    body = invoice_body(r, {"quantity": 1, "unit_price": 10, "tax_rate_id": "CA_GST"})
    created = ok(
        await api.post("sales_invoices", json=body, headers=in_business(sandbox, "CA")), 201
    )
    assert created["tax_address_region"]["id"] == f"CA-{address.region}"


async def test_a_us_combined_sales_tax(api: httpx.AsyncClient, sandbox: RunningSandbox) -> None:
    books = books_of(sandbox, "US")
    san_francisco = next(t for t in books.tax_rates.values() if t.name == "San Francisco, CA")
    body = invoice_body(
        refs(sandbox, "US"), {"quantity": 1, "unit_price": 100, "tax_rate_id": san_francisco.id}
    )
    line = ok(await api.post("sales_invoices", json=body, headers=in_business(sandbox, "US")), 201)[
        "invoice_lines"
    ][0]
    assert [b["amount"] for b in line["tax_breakdown"]] == ["7.25", "1.38"]
    assert amounts(line) == ("100.0", "8.63", "108.63")


@pytest.mark.parametrize(
    ("on", "tax"), [("2020-08-01", "16.0"), ("2020-06-30", "19.0"), ("2021-01-01", "19.0")]
)
async def test_the_rate_in_force_on_the_invoice_date_applies(
    api: httpx.AsyncClient, sandbox: RunningSandbox, on: str, tax: str
) -> None:
    body = invoice_body(
        refs(sandbox, "DE"),
        {"quantity": 1, "unit_price": 100, "tax_rate_id": "DE_STANDARD"},
        date=on,
    )
    created = ok(
        await api.post("sales_invoices", json=body, headers=in_business(sandbox, "DE")), 201
    )
    assert created["tax_amount"] == tax


async def test_a_spanish_line_may_not_carry_a_tax_amount(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    body = invoice_body(
        refs(sandbox, "ES"),
        {"quantity": 1, "unit_price": 100, "tax_rate_id": "ES_STANDARD", "tax_amount": 21},
    )
    error = error_of(
        await api.post("sales_invoices", json=body, headers=in_business(sandbox, "ES")), 422
    )
    assert error["$source"] == "invoice_lines.tax_amount"
    del body["sales_invoice"]["invoice_lines"][0]["tax_amount"]
    created = ok(
        await api.post("sales_invoices", json=body, headers=in_business(sandbox, "ES")), 201
    )
    assert created["tax_amount"] == "21.0"


# -- payments ---------------------------------------------------------------------------


async def pay(
    api: httpx.AsyncClient,
    sandbox: RunningSandbox,
    total: str,
    *allocations: tuple[str, str],
    **fields: Any,
) -> Json:
    body = payment_body(refs(sandbox), total, *allocations, **fields)
    created: Json = ok(await api.post("contact_payments", json=body), 201)
    return created


async def test_payments_move_an_invoice_from_unpaid_to_paid(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    created = await invoice(
        api, sandbox, {"quantity": 1, "unit_price": 100, "tax_rate_id": "GB_STANDARD"}
    )
    assert created["status"]["id"] == "UNPAID"
    await pay(api, sandbox, "50", (created["id"], "50"))
    part = ok(await api.get(f"sales_invoices/{created['id']}"))
    assert part["status"]["id"] == "PART_PAID"
    assert (part["outstanding_amount"], part["total_paid"]) == ("70.0", "50.0")
    assert part["payments_allocations_total_amount"] == "50.0"
    assert part["last_paid"] == "2025-03-20"
    second = await pay(api, sandbox, "70", (created["id"], "70"))
    paid = ok(await api.get(f"sales_invoices/{created['id']}"))
    assert paid["status"]["id"] == "PAID"
    assert (paid["outstanding_amount"], paid["total_paid"]) == ("0.0", "120.0")
    assert paid["updated_at"] >= part["updated_at"]
    ok(await api.delete(f"contact_payments/{second['id']}"), 204)
    again = ok(await api.get(f"sales_invoices/{created['id']}"))
    assert (again["status"]["id"], again["outstanding_amount"]) == ("PART_PAID", "70.0")


async def test_a_settlement_discount_counts_towards_paying(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    created = await invoice(
        api, sandbox, {"quantity": 1, "unit_price": 100, "tax_rate_id": "GB_NO_TAX"}
    )
    body = payment_body(refs(sandbox), "95")
    body["contact_payment"]["allocated_artefacts"] = [
        {"artefact_id": created["id"], "amount": 95, "discount": 5}
    ]
    ok(await api.post("contact_payments", json=body), 201)
    paid = ok(await api.get(f"sales_invoices/{created['id']}"))
    assert (
        paid["status"]["id"],
        paid["payments_allocations_total_discount"],
        paid["total_paid"],
    ) == ("PAID", "5.0", "100.0")


async def test_changing_a_payment_moves_the_invoice_again(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    created = await invoice(
        api, sandbox, {"quantity": 1, "unit_price": 100, "tax_rate_id": "GB_NO_TAX"}
    )
    payment = await pay(api, sandbox, "100", (created["id"], "100"))
    assert ok(await api.get(f"sales_invoices/{created['id']}"))["status"]["id"] == "PAID"
    changed = {
        "contact_payment": {
            "total_amount": 40,
            "allocated_artefacts": [{"artefact_id": created["id"], "amount": 40}],
        }
    }
    ok(await api.put(f"contact_payments/{payment['id']}", json=changed))
    assert ok(await api.get(f"sales_invoices/{created['id']}"))["outstanding_amount"] == "60.0"


async def test_money_not_allocated_stays_on_account(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    created = await invoice(
        api, sandbox, {"quantity": 1, "unit_price": 30, "tax_rate_id": "GB_NO_TAX"}
    )
    payment = await pay(api, sandbox, "50", (created["id"], "30"))
    assert payment["payment_on_account"]["total_amount"] == "20.0"
    assert payment["payment_on_account"]["outstanding_amount"] == "20.0"
    assert payment["allocated_artefacts"][0]["amount"] == "30.0"


@pytest.mark.parametrize(
    ("total", "allocated", "source"),
    [("500", "200", "allocated_artefacts.amount"), ("10", "50", "allocated_artefacts")],
)
async def test_a_payment_cannot_settle_more_than_is_owed_or_paid(
    api: httpx.AsyncClient, sandbox: RunningSandbox, total: str, allocated: str, source: str
) -> None:
    created = await invoice(
        api, sandbox, {"quantity": 1, "unit_price": 100, "tax_rate_id": "GB_NO_TAX"}
    )
    response = await api.post(
        "contact_payments", json=payment_body(refs(sandbox), total, (created["id"], allocated))
    )
    assert error_of(response, 422)["$source"] == source
    assert ok(await api.get(f"sales_invoices/{created['id']}"))["status"]["id"] == "UNPAID"


async def test_a_payment_cannot_settle_another_contacts_invoice(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    books = books_of(sandbox, "GB")
    r = refs(sandbox)
    other = next(
        i
        for i in books.sales_invoices.values()
        if i.contact_id != r.customer and i.status_id == "UNPAID"
    )
    response = await api.post("contact_payments", json=payment_body(r, "1", (other.id, "1")))
    assert error_of(response, 422)["$source"] == "allocated_artefacts.artefact_id"


async def test_a_supplier_payment_settles_a_purchase_invoice(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    r = refs(sandbox)
    bill_body = {
        "purchase_invoice": {
            "contact_id": r.vendor,
            "date": "2025-02-01",
            "due_date": "2025-03-01",
            "reference": "B-1",
            "invoice_lines": [
                {
                    "description": "Timber",
                    "ledger_account_id": r.purchase_ledger,
                    "quantity": 2,
                    "unit_price": 50,
                    "tax_rate_id": "GB_STANDARD",
                }
            ],
        }
    }
    bill = ok(await api.post("purchase_invoices", json=bill_body), 201)
    assert bill["total_amount"] == "120.0"
    body = payment_body(
        r, "120", (bill["id"], "120"), transaction_type_id="VENDOR_PAYMENT", contact_id=r.vendor
    )
    ok(await api.post("contact_payments", json=body), 201)
    assert ok(await api.get(f"purchase_invoices/{bill['id']}"))["status"]["id"] == "PAID"


async def test_a_refund_settles_a_credit_note(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    r = refs(sandbox)
    note_body = {
        "sales_credit_note": {
            "contact_id": r.customer,
            "date": "2025-02-01",
            "credit_note_lines": [
                {
                    "description": "Return",
                    "ledger_account_id": r.sales_ledger,
                    "quantity": 1,
                    "unit_price": 25,
                    "tax_rate_id": "GB_STANDARD",
                }
            ],
        }
    }
    note = ok(await api.post("sales_credit_notes", json=note_body), 201)
    body = payment_body(r, "30", (note["id"], "30"), transaction_type_id="CUSTOMER_REFUND")
    ok(await api.post("contact_payments", json=body), 201)
    assert ok(await api.get(f"sales_credit_notes/{note['id']}"))["status"]["id"] == "PAID"


async def test_payments_move_the_bank_balance_and_the_contacts_balance(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    r = refs(sandbox)
    bank_before = float(ok(await api.get(f"bank_accounts/{r.bank}"))["balance"])
    owed_before = float(
        ok(await api.get(f"contacts/{r.customer}", params={"show_balance": "true"}))["balance"]
    )
    created = await invoice(
        api, sandbox, {"quantity": 1, "unit_price": 100, "tax_rate_id": "GB_STANDARD"}
    )
    owed = float(
        ok(await api.get(f"contacts/{r.customer}", params={"show_balance": "true"}))["balance"]
    )
    assert owed == pytest.approx(owed_before + 120)
    await pay(api, sandbox, "120", (created["id"], "120"))
    assert float(ok(await api.get(f"bank_accounts/{r.bank}"))["balance"]) == pytest.approx(
        bank_before + 120
    )
    owed_after = float(
        ok(await api.get(f"contacts/{r.customer}", params={"show_balance": "true"}))["balance"]
    )
    assert owed_after == pytest.approx(owed_before)


async def test_an_invoice_cannot_be_cut_below_what_was_paid(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    r = refs(sandbox)
    created = await invoice(
        api, sandbox, {"quantity": 1, "unit_price": 100, "tax_rate_id": "GB_NO_TAX"}
    )
    await pay(api, sandbox, "80", (created["id"], "80"))
    smaller = {
        "sales_invoice": {
            "invoice_lines": [
                {
                    "description": "Less",
                    "ledger_account_id": r.sales_ledger,
                    "unit_price": 50,
                    "tax_rate_id": "GB_NO_TAX",
                }
            ]
        }
    }
    error_of(await api.put(f"sales_invoices/{created['id']}", json=smaller), 422)
    larger = {
        "sales_invoice": {
            "invoice_lines": [
                {
                    "description": "More",
                    "ledger_account_id": r.sales_ledger,
                    "unit_price": 150,
                    "tax_rate_id": "GB_NO_TAX",
                }
            ]
        }
    }
    changed = ok(await api.put(f"sales_invoices/{created['id']}", json=larger))
    assert (changed["total_amount"], changed["outstanding_amount"], changed["status"]["id"]) == (
        "150.0",
        "70.0",
        "PART_PAID",
    )
