"""Bank transfers, bank deposits and other payments are polled (each Sage list takes
``updated_or_created_since`` and ``deleted_since``): one a person records in Sage reaches
subscribers as a ``BANK_TRANSFER``, ``BANK_DEPOSIT`` or ``OTHER_PAYMENT`` event with the
object as LedgerGraph maps it, and so does its deletion."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ledgergraph.events import EventLog
from ledgergraph.ids import GlobalId
from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import Books
from tests.support.server import LiveServer
from tests.support.ws import GraphQLWebSocket
from tests.sync.helpers import POLL_INTERVAL, Tenant, next_change, until_live

pytestmark = pytest.mark.redis

SUBSCRIPTION = """
subscription($types: [SyncObjectType!]) {
  syncEvents(types: $types) {
    kind objectType objectId remoteId source connectionStatus
    object { __typename ... on Node { id } }
  }
}
"""


def _bank(books: Books, type_id: str) -> str:
    return next(a.id for a in books.bank_accounts.values() if a.bank_account_type_id == type_id)


def _body(books: Books, collection: str) -> dict[str, Any]:
    checking, cash = _bank(books, "CHECKING"), _bank(books, "CASH_IN_HAND")
    if collection == "bank_transfers":
        return {
            "bank_transfer": {
                "from_bank_account_id": checking,
                "to_bank_account_id": cash,
                "date": "2026-11-03",
                "amount": "25.00",
            }
        }
    if collection == "bank_deposits":
        return {
            "bank_deposit": {
                "from_bank_account_id": cash,
                "to_bank_account_id": checking,
                "date": "2026-11-03",
                "reference": "OOB-DEP",
                "cash_amount": "25.00",
            }
        }
    ledger = books.ledger_account_by_code(books.country.ledgers["purchases"]).id
    return {
        "other_payment": {
            "transaction_type_id": "OTHER_PAYMENT",
            "date": "2026-11-03",
            "bank_account_id": checking,
            "total_amount": "25.00",
            "payment_lines": [{"ledger_account_id": ledger, "total_amount": "25.00"}],
        }
    }


@pytest.mark.parametrize(
    ("collection", "object_type", "type_name"),
    [
        ("bank_transfers", "BANK_TRANSFER", "BankTransfer"),
        ("bank_deposits", "BANK_DEPOSIT", "BankDeposit"),
        ("other_payments", "OTHER_PAYMENT", "OtherPayment"),
    ],
)
async def test_an_out_of_band_money_movement_and_its_deletion_are_reported(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    events: EventLog,
    acme: Tenant,
    collection: str,
    object_type: str,
    type_name: str,
) -> None:
    books = sandbox.world.businesses[acme.business_id].books
    edits = f"{sandbox.url}/__sandbox/businesses/{acme.business_id}/{collection}"
    async with GraphQLWebSocket.open(server.url, token=acme.token) as socket:
        operation = await socket.subscribe(SUBSCRIPTION, {"types": [object_type, "CONNECTION"]})
        await until_live(operation, events, acme.name)
        response = await http.post(edits, json=_body(books, collection))
        assert response.status_code == 201, response.text
        created = response.json()
        event = await next_change(operation, timeout=POLL_INTERVAL + 5.0)
        gone = await http.delete(f"{edits}/{created['id']}")
        assert gone.status_code == 204, gone.text
        deleted = await next_change(operation, timeout=POLL_INTERVAL + 5.0)
    expected = GlobalId(type_name, acme.business_id, created["id"])
    assert (event["kind"], event["objectType"], event["source"]) == (
        "CREATED",
        object_type,
        "SAGE",
    )
    assert GlobalId.decode(event["objectId"]) == expected
    assert event["object"]["__typename"] == type_name
    assert (deleted["kind"], deleted["remoteId"]) == ("DELETED", created["id"])
