"""``/contact_allocations``: credit notes and money on account set against invoices and bills
move what is outstanding on both sides (and undo it on DELETE), conform to Sage's swagger,
and are refused with Sage's 422 and ``$source`` when they would not balance or would settle
more than is outstanding."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from tests.sandbox.sage_api import (
    books_of,
    in_business,
    invoice_body,
    ok,
    payment_body,
    refs,
    refused,
    shared_sandbox_fixtures,
)
from tests.sandbox.test_conformance import assert_valid, validator

pytestmark = pytest.mark.asyncio(loop_scope="module")
shared, sandbox, http, api = shared_sandbox_fixtures()

Json = dict[str, Any]


async def _sales(api: httpx.AsyncClient, sandbox: RunningSandbox, collection: str) -> Json:
    r = refs(sandbox)
    body = invoice_body(r, {"unit_price": "100.00", "quantity": 1})
    if collection == "sales_credit_notes":
        note = body.pop("sales_invoice")
        note["credit_note_lines"] = note.pop("invoice_lines")
        body = {"sales_credit_note": note}
    payload: Json = ok(await api.post(collection, json=body), 201)
    return payload


async def _purchase(api: httpx.AsyncClient, sandbox: RunningSandbox, collection: str) -> Json:
    r = refs(sandbox)
    lines_key = "invoice_lines" if collection == "purchase_invoices" else "credit_note_lines"
    root = collection.removesuffix("s")
    fields: Json = {
        "contact_id": r.vendor,
        "date": "2025-03-14",
        "vendor_reference": uuid.uuid4().hex[:10],
        lines_key: [
            {
                "description": "Stock",
                "ledger_account_id": r.purchase_ledger,
                "quantity": 1,
                "unit_price": "80.00",
            }
        ],
    }
    if collection == "purchase_invoices":
        fields["due_date"] = "2025-04-14"
    payload: Json = ok(await api.post(collection, json={root: fields}), 201)
    return payload


def allocation_body(
    contact_id: str, *lines: tuple[str, str], type_id: str = "CUSTOMER_ALLOCATION"
) -> Json:
    return {
        "contact_allocation": {
            "transaction_type_id": type_id,
            "contact_id": contact_id,
            "date": "2025-03-20",
            "allocated_artefacts": [{"artefact_id": i, "amount": a} for i, a in lines],
        }
    }


async def test_a_credit_note_against_an_invoice_moves_both_and_delete_undoes_it(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    invoice = await _sales(api, sandbox, "sales_invoices")
    note = await _sales(api, sandbox, "sales_credit_notes")
    customer = refs(sandbox).customer
    balance = books_of(sandbox, "GB").contact_balances()[customer]
    created = ok(
        await api.post(
            "contact_allocations",
            json=allocation_body(customer, (invoice["id"], "40.00"), (note["id"], "-40.00")),
        ),
        201,
    )
    assert_valid(validator("ContactAllocation"), created)
    assert created["transaction_type"]["id"] == "CUSTOMER_ALLOCATION"
    amounts = [Decimal(a["amount"]) for a in created["allocated_artefacts"]]
    assert amounts == [Decimal(40), Decimal(-40)]
    params = {"show_payments_allocations": "true"}
    after = ok(await api.get(f"sales_invoices/{invoice['id']}", params=params))
    assert_valid(validator("SalesInvoice"), after)
    assert Decimal(after["outstanding_amount"]) == Decimal(invoice["outstanding_amount"]) - 40
    assert after["status"]["id"] == "PART_PAID"
    (entry,) = after["payments_allocations"]
    assert entry["contact_allocation"]["id"] == created["id"]
    credit = ok(await api.get(f"sales_credit_notes/{note['id']}"))
    assert Decimal(credit["outstanding_amount"]) == Decimal(note["outstanding_amount"]) - 40
    assert books_of(sandbox, "GB").contact_balances()[customer] == balance
    listed = ok(
        await api.get(
            "contact_allocations",
            params={"contact_id": customer, "transaction_type_id": "CUSTOMER_ALLOCATION"},
        )
    )
    assert created["id"] in {item["id"] for item in listed["$items"]}
    ok(await api.delete(f"contact_allocations/{created['id']}"), 204)
    restored = ok(await api.get(f"sales_invoices/{invoice['id']}"))
    assert restored["outstanding_amount"] == invoice["outstanding_amount"]


async def test_a_supplier_credit_note_settles_a_bill(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    bill = await _purchase(api, sandbox, "purchase_invoices")
    note = await _purchase(api, sandbox, "purchase_credit_notes")
    total = note["total_amount"]
    body = allocation_body(
        refs(sandbox).vendor,
        (bill["id"], total),
        (note["id"], f"-{total}"),
        type_id="VENDOR_ALLOCATION",
    )
    created = ok(await api.post("contact_allocations", json=body), 201)
    assert_valid(validator("ContactAllocation"), created)
    settled = ok(await api.get(f"purchase_credit_notes/{note['id']}"))
    assert settled["status"]["id"] == "PAID"


async def test_money_on_account_settles_an_invoice_and_then_holds_the_payment(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    r = refs(sandbox)
    invoice = await _sales(api, sandbox, "sales_invoices")
    payment = ok(await api.post("contact_payments", json=payment_body(r, "25.00")), 201)
    on_account = payment["payment_on_account"]["id"]
    body = allocation_body(r.customer, (invoice["id"], "25.00"), (on_account, "-25.00"))
    created = ok(await api.post("contact_allocations", json=body), 201)
    assert created["allocated_artefacts"][1]["artefact"]["$path"] == (
        f"/contact_payments/{payment['id']}"
    )
    after = ok(await api.get(f"contact_payments/{payment['id']}"))
    assert after["payment_on_account"] is None
    assert refused(await api.delete(f"contact_payments/{payment['id']}")) == {"base"}


@pytest.mark.parametrize(
    ("case", "source"),
    [
        ("unbalanced", "allocated_artefacts"),
        ("one side only", "allocated_artefacts"),
        ("credit note positive", "allocated_artefacts.amount"),
        ("zero", "allocated_artefacts.amount"),
        ("more than outstanding", "allocated_artefacts.amount"),
        ("unknown artefact", "allocated_artefacts.artefact_id"),
        ("bill on the customer side", "allocated_artefacts.artefact_id"),
        ("payment type", "transaction_type_id"),
        ("supplier as customer", "contact_id"),
    ],
)
async def test_an_allocation_sage_would_refuse_is_refused_naming_the_field(
    api: httpx.AsyncClient, sandbox: RunningSandbox, case: str, source: str
) -> None:
    r = refs(sandbox)
    invoice = await _sales(api, sandbox, "sales_invoices")
    note = await _sales(api, sandbox, "sales_credit_notes")
    lines = [(invoice["id"], "10.00"), (note["id"], "-10.00")]
    contact, type_id = r.customer, "CUSTOMER_ALLOCATION"
    if case == "unbalanced":
        lines[1] = (note["id"], "-9.00")
    elif case == "one side only":
        lines = lines[:1]
    elif case == "credit note positive":
        lines = [(invoice["id"], "10.00"), (note["id"], "10.00")]
    elif case == "zero":
        lines[0] = (invoice["id"], "0")
    elif case == "more than outstanding":
        too_much = str(Decimal(note["total_amount"]) + 1)
        lines = [(invoice["id"], too_much), (note["id"], f"-{too_much}")]
    elif case == "unknown artefact":
        lines[0] = (uuid.uuid4().hex, "10.00")
    elif case == "bill on the customer side":
        bill = await _purchase(api, sandbox, "purchase_invoices")
        lines[0] = (bill["id"], "10.00")
    elif case == "payment type":
        type_id = "CUSTOMER_RECEIPT"
    elif case == "supplier as customer":
        contact = r.vendor
    before = dict(books_of(sandbox, "GB").contact_allocations)
    body = allocation_body(contact, *lines, type_id=type_id)
    assert refused(await api.post("contact_allocations", json=body)) == {source}
    assert books_of(sandbox, "GB").contact_allocations == before


async def test_a_repeated_idempotency_id_allocates_once(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    invoice = await _sales(api, sandbox, "sales_invoices")
    note = await _sales(api, sandbox, "sales_credit_notes")
    body = allocation_body(refs(sandbox).customer, (invoice["id"], "5.00"), (note["id"], "-5.00"))
    body["contact_allocation"]["idempotency_id"] = uuid.uuid4().hex
    first = await api.post("contact_allocations", json=body)
    second = await api.post("contact_allocations", json=body)
    assert first.status_code == second.status_code == 201
    assert first.content == second.content
    after = ok(await api.get(f"sales_invoices/{invoice['id']}", headers=in_business(sandbox, "GB")))
    assert Decimal(after["outstanding_amount"]) == Decimal(invoice["outstanding_amount"]) - 5
