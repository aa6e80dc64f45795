"""Contact allocations are polled (Sage's list takes ``updated_or_created_since`` and
``deleted_since``): one a person makes in Sage reaches subscribers as a
``CONTACT_ALLOCATION`` event with the object as LedgerGraph maps it, and so does its
deletion."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ledgergraph.events import EventLog
from ledgergraph.ids import GlobalId
from ledgergraph.sandbox import RunningSandbox
from tests.support.server import LiveServer
from tests.support.ws import GraphQLWebSocket
from tests.sync.helpers import POLL_INTERVAL, Tenant, contact_and_ledger, next_change, until_live

pytestmark = pytest.mark.redis

SUBSCRIPTION = """
subscription {
  syncEvents(types: [CONTACT_ALLOCATION, CONNECTION]) {
    kind objectType objectId remoteId source connectionStatus
    object { __typename ... on ContactAllocation { side allocations { documentType } } }
  }
}
"""


async def _posted(http: httpx.AsyncClient, url: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await http.post(url, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_an_out_of_band_allocation_and_its_deletion_are_reported(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    events: EventLog,
    acme: Tenant,
) -> None:
    customer, ledger = contact_and_ledger(sandbox, acme.business_id, "CUSTOMER", "product_sales")
    edits = f"{sandbox.url}/__sandbox/businesses/{acme.business_id}"
    line = {"description": "Goods", "ledger_account_id": ledger, "unit_price": "40.00"}
    invoice = await _posted(
        http,
        f"{edits}/sales_invoices",
        {
            "sales_invoice": {
                "contact_id": customer,
                "date": "2026-11-03",
                "invoice_lines": [line],
            }
        },
    )
    note = await _posted(
        http,
        f"{edits}/sales_credit_notes",
        {
            "sales_credit_note": {
                "contact_id": customer,
                "date": "2026-11-03",
                "credit_note_lines": [line],
            }
        },
    )
    body = {
        "contact_allocation": {
            "transaction_type_id": "CUSTOMER_ALLOCATION",
            "contact_id": customer,
            "allocated_artefacts": [
                {"artefact_id": invoice["id"], "amount": "10.00"},
                {"artefact_id": note["id"], "amount": "-10.00"},
            ],
        }
    }
    async with GraphQLWebSocket.open(server.url, token=acme.token) as socket:
        operation = await socket.subscribe(SUBSCRIPTION)
        await until_live(operation, events, acme.name)
        created = await _posted(http, f"{edits}/contact_allocations", body)
        event = await next_change(operation, timeout=POLL_INTERVAL + 5.0)
        gone = await http.delete(f"{edits}/contact_allocations/{created['id']}")
        assert gone.status_code == 204, gone.text
        deleted = await next_change(operation, timeout=POLL_INTERVAL + 5.0)
    assert (event["kind"], event["objectType"], event["source"]) == (
        "CREATED",
        "CONTACT_ALLOCATION",
        "SAGE",
    )
    assert GlobalId.decode(event["objectId"]) == GlobalId(
        "ContactAllocation", acme.business_id, created["id"]
    )
    assert event["object"]["side"] == "CUSTOMER"
    assert {a["documentType"] for a in event["object"]["allocations"]} == {
        "INVOICE",
        "CREDIT_NOTE",
    }
    assert (deleted["kind"], deleted["remoteId"]) == ("DELETED", created["id"])
