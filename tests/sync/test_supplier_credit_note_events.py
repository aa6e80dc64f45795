"""Purchase credit notes are polled (Sage's list takes ``updated_or_created_since`` and
``deleted_since``): one a person records in Sage reaches subscribers as a
``SUPPLIER_CREDIT_NOTE`` event, with the object as LedgerGraph maps it."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from ledgergraph.events import EventLog
from ledgergraph.ids import GlobalId
from ledgergraph.sandbox import RunningSandbox
from tests.support.server import LiveServer
from tests.support.ws import GraphQLWebSocket
from tests.sync.helpers import POLL_INTERVAL, Tenant, contact_and_ledger, next_change, until_live

pytestmark = pytest.mark.redis

WITH_OBJECT = """
subscription {
  syncEvents(types: [SUPPLIER_CREDIT_NOTE, CONNECTION]) {
    cursor kind objectType objectId remoteId source connectionStatus
    object { __typename ... on SupplierCreditNote { number totalAmount { amount } } }
  }
}
"""


async def test_an_out_of_band_purchase_credit_note_is_reported_with_its_object(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    events: EventLog,
    acme: Tenant,
) -> None:
    vendor, ledger = contact_and_ledger(sandbox, acme.business_id, "VENDOR", "purchases")
    async with GraphQLWebSocket.open(server.url, token=acme.token) as socket:
        operation = await socket.subscribe(WITH_OBJECT)
        await until_live(operation, events, acme.name)
        response = await http.post(
            f"{sandbox.url}/__sandbox/businesses/{acme.business_id}/purchase_credit_notes",
            json={
                "purchase_credit_note": {
                    "contact_id": vendor,
                    "date": "2026-11-03",
                    "reference": "OOB-CR-1",
                    "credit_note_lines": [
                        {
                            "description": "Credit for late delivery",
                            "ledger_account_id": ledger,
                            "quantity": 1,
                            "unit_price": "15.00",
                        }
                    ],
                }
            },
        )
        assert response.status_code == 201, response.text
        created = response.json()
        event = await next_change(operation, timeout=POLL_INTERVAL + 5.0)
    assert event["kind"] == "CREATED"
    assert event["objectType"] == "SUPPLIER_CREDIT_NOTE"
    assert event["source"] == "SAGE"
    assert event["remoteId"] == created["id"]
    assert GlobalId.decode(event["objectId"]) == GlobalId(
        "SupplierCreditNote", acme.business_id, created["id"]
    )
    found = event["object"]
    assert (found["__typename"], found["number"]) == ("SupplierCreditNote", "OOB-CR-1")
    assert Decimal(found["totalAmount"]["amount"]) == Decimal(created["total_amount"]) > 0
