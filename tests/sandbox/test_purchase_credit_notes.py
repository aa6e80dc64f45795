"""``/purchase_credit_notes``: a supplier's credit, seeded against bills, shown by its
reference (or Sage's date-and-total label), reducing the supplier's balance and reversing
the bill's ledger side."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox, SandboxConfig
from tests.sandbox.sage_api import (
    COUNTRIES,
    SMALL_BOOKS,
    books_of,
    dec,
    error_of,
    in_business,
    ok,
    refs,
)

Json = dict[str, Any]


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    return SMALL_BOOKS


def note_body(sandbox: RunningSandbox, **fields: Any) -> Json:
    r = refs(sandbox)
    return {
        "purchase_credit_note": {
            "contact_id": r.vendor,
            "date": "2025-03-01",
            "credit_note_lines": [
                {
                    "description": "Returned stock",
                    "ledger_account_id": r.purchase_ledger,
                    "quantity": 1,
                    "unit_price": "40.00",
                }
            ],
            **fields,
        }
    }


@pytest.mark.parametrize("country", COUNTRIES)
async def test_every_business_has_seeded_purchase_credit_notes_against_its_bills(
    api: httpx.AsyncClient, sandbox: RunningSandbox, country: str
) -> None:
    page = ok(
        await api.get(
            "purchase_credit_notes",
            params={"attributes": "all", "items_per_page": "200"},
            headers=in_business(sandbox, country),
        )
    )
    books = books_of(sandbox, country)
    assert page["$total"] >= 2
    for note in page["$items"]:
        assert note["transaction_type"]["id"] == "PURCHASE_CREDIT_NOTE"
        assert note["displayed_as"] == note["reference"]
        assert note["original_invoice_date"] <= note["date"]
        assert "due_date" not in note
        assert books.contacts[note["contact"]["id"]].is_a("VENDOR")
        assert dec(note["total_amount"]) == dec(note["net_amount"]) + dec(note["tax_amount"])


async def test_a_created_credit_note_lowers_the_supplier_balance_and_credits_its_account(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    books = books_of(sandbox, "GB")
    r = refs(sandbox)
    balance = books.contact_balances().get(r.vendor, Decimal(0))
    _, credits = books.ledger_movements(None, None).get(r.purchase_ledger, (0, 0))
    created = ok(await api.post("purchase_credit_notes", json=note_body(sandbox)), 201)
    total = dec(created["total_amount"])
    assert dec(created["net_amount"]) == Decimal("40.00")
    assert created["status"]["id"] == "UNPAID"
    # No reference: Sage shows the date and the total.
    assert created["displayed_as"] == f"01/03/2025 - {total:.2f}"
    assert books.contact_balances()[r.vendor] == balance - total
    assert books.ledger_movements(None, None)[r.purchase_ledger][1] == credits + Decimal("40.00")
    assert ok(await api.get(f"purchase_credit_notes/{created['id']}")) == created


@pytest.mark.parametrize(
    ("fields", "source"),
    [
        ({"contact_id": None}, "contact_id"),
        ({"date": None}, "date"),
        ({"credit_note_lines": None}, "credit_note_lines"),
    ],
    ids=["no contact", "no date", "no lines"],
)
async def test_a_credit_note_sage_would_refuse_is_refused_and_not_stored(
    api: httpx.AsyncClient, sandbox: RunningSandbox, fields: Json, source: str
) -> None:
    before = len(books_of(sandbox, "GB").purchase_credit_notes)
    problem = error_of(
        await api.post("purchase_credit_notes", json=note_body(sandbox, **fields)), 422
    )
    assert problem["$source"] == source
    assert len(books_of(sandbox, "GB").purchase_credit_notes) == before


async def test_a_customer_cannot_issue_a_purchase_credit_note(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    body = note_body(sandbox, contact_id=refs(sandbox).customer)
    problem = error_of(await api.post("purchase_credit_notes", json=body), 422)
    assert problem["$source"] == "contact_id"


async def test_a_deleted_credit_note_shows_in_deleted_since_and_a_replay_creates_one(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    body = note_body(sandbox, reference="CR-77", idempotency_id=uuid.uuid4().hex)
    first = await api.post("purchase_credit_notes", json=body)
    second = await api.post("purchase_credit_notes", json=body)
    assert first.status_code == second.status_code == 201
    assert first.content == second.content
    created = first.json()
    assert created["displayed_as"] == "CR-77"
    ok(await api.delete(f"purchase_credit_notes/{created['id']}"), 204)
    gone = ok(await api.get("purchase_credit_notes", params={"deleted_since": "2000-01-01"}))
    assert [n["id"] for n in gone["$items"]] == [created["id"]]


async def test_a_supplier_refund_settles_a_purchase_credit_note(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    r = refs(sandbox)
    note = ok(await api.post("purchase_credit_notes", json=note_body(sandbox)), 201)
    total = note["total_amount"]
    refund = {
        "contact_payment": {
            "transaction_type_id": "VENDOR_REFUND",
            "contact_id": r.vendor,
            "bank_account_id": r.bank,
            "date": "2025-03-10",
            "total_amount": total,
            "allocated_artefacts": [{"artefact_id": note["id"], "amount": total}],
        }
    }
    ok(await api.post("contact_payments", json=refund), 201)
    settled = ok(
        await api.get(
            f"purchase_credit_notes/{note['id']}", params={"show_payments_allocations": "true"}
        )
    )
    assert settled["status"]["id"] == "PAID"
    assert dec(settled["outstanding_amount"]) == 0
    assert len(settled["payments_allocations"]) == 1
