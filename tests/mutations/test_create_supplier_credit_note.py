"""``createSupplierCreditNote``: a purchase credit note is created once per key in Sage's
live countries, to purchase accounts by role, lowering what the business owes the supplier;
one Sage would refuse is refused before Sage is asked."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from tests.mutations.conftest import new_key
from tests.queries.conftest import business_in
from tests.support.fixtures import sandbox_fixture, server_fixture
from tests.support.server import LiveServer
from tests.support.writes import (
    books_in,
    connect_demo,
    contact_of,
    refused_before_writing,
    send_input,
    written_once,
)

sandbox = sandbox_fixture(scale=0.1)
server = server_fixture(prepare=connect_demo, retry_max_delay=0.05)

LIVE_COUNTRIES = ["GB", "IE", "CA"]
CREATE = """mutation($key: String, $input: DocumentInput!, $business: ID) {
  createSupplierCreditNote(idempotencyKey: $key, input: $input, business: $business) {
    id remoteId number status vendorReference contact { remoteId balance { amount } }
    netAmount { amount } totalAmount { amount currency }
    lines { taxRate { kind } ledgerAccount { roles } } } }"""


def note_input(contact: str, **fields: Any) -> dict[str, Any]:
    return {
        "contactId": contact,
        "date": "2026-11-05",
        "reference": "CN-4471",
        "vendorReference": "SUP-CR-9",
        "lines": [
            {
                "description": "Damaged goods returned",
                "quantity": "2",
                "unitPrice": "25.00",
                "taxKind": "STANDARD",
                "accountRole": "PURCHASES",
            }
        ],
        **fields,
    }


@pytest.mark.parametrize("country", LIVE_COUNTRIES)
async def test_a_supplier_credit_note_is_created_and_lowers_what_is_owed(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, country: str
) -> None:
    business = business_in(sandbox, country)
    books = books_in(sandbox, country)
    contact = await contact_of(server, http, business, "SUPPLIER")
    body = await send_input(
        server, http, CREATE, note_input(contact), key=new_key(), business=business
    )
    assert "errors" not in body, body["errors"]
    created = body["data"]["createSupplierCreditNote"]
    stored = books.purchase_credit_notes[created["remoteId"]]
    assert created["number"] == "CN-4471"
    assert created["vendorReference"] == "SUP-CR-9"
    assert created["status"] == "UNPAID"
    assert Decimal(created["netAmount"]["amount"]) == stored.net_amount == Decimal("50.00")
    assert Decimal(created["totalAmount"]["amount"]) == stored.total_amount
    assert created["lines"][0]["taxRate"]["kind"] == "STANDARD"
    assert "PURCHASES" in created["lines"][0]["ledgerAccount"]["roles"]
    # The write made the supplier's cached balance stale: it is read again, credit included.
    balance = books.contact_balances()[stored.contact_id]
    assert Decimal(created["contact"]["balance"]["amount"]) == balance


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"dueDate": "2026-12-05"}, "input.dueDate"),
        ({"lines": []}, "input.lines"),
        ({"contactId": "not-an-id"}, "input.contactId"),
    ],
    ids=["due date", "no lines", "bad contact id"],
)
async def test_a_credit_note_sage_would_refuse_is_refused_before_any_write(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    fields: dict[str, Any],
    field: str,
) -> None:
    contact = await contact_of(server, http, business_in(sandbox, "GB"), "SUPPLIER")
    before = dict(books_in(sandbox, "GB").purchase_credit_notes)
    await refused_before_writing(
        http,
        sandbox,
        lambda: send_input(server, http, CREATE, note_input(contact, **fields), key=new_key()),
        field,
    )
    assert books_in(sandbox, "GB").purchase_credit_notes == before


async def test_a_retried_key_creates_one_supplier_credit_note(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    contact = await contact_of(server, http, business_in(sandbox, "GB"), "SUPPLIER")
    before = len(books_in(sandbox, "GB").purchase_credit_notes)
    key = new_key()
    await written_once(lambda: send_input(server, http, CREATE, note_input(contact), key=key))
    assert len(books_in(sandbox, "GB").purchase_credit_notes) == before + 1
