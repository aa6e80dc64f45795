"""A mutation's change reaches subscribers at once, and polling does not report it again."""

from __future__ import annotations

import time

import httpx
import pytest

from ledgergraph.events import EventLog
from ledgergraph.sandbox import RunningSandbox
from tests.mutations.conftest import CREATE_INVOICE, first_contact, invoice_input
from tests.support.server import LiveServer
from tests.support.ws import GraphQLWebSocket
from tests.sync.helpers import (
    POLL_INTERVAL,
    SUBSCRIPTION,
    Tenant,
    next_change,
    no_change,
    until_live,
)

pytestmark = pytest.mark.redis


async def test_create_invoice_is_announced_at_once_and_only_once(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    events: EventLog,
    acme: Tenant,
) -> None:
    contact = await first_contact(server, http, acme.name)
    async with GraphQLWebSocket.open(server.url, token=acme.token) as socket:
        operation = await socket.subscribe(SUBSCRIPTION)
        await until_live(operation, events, acme.name)

        started = time.monotonic()
        created = await server.graphql(
            http, acme.name, CREATE_INVOICE, {"key": "inv-1", "input": invoice_input(contact)}
        )
        event = await next_change(operation, timeout=1.0)
        elapsed = time.monotonic() - started

        invoice = created["data"]["createInvoice"]
        assert elapsed < 1.0
        assert event["kind"] == "CREATED"
        assert event["objectType"] == "INVOICE"
        assert event["source"] == "LEDGERGRAPH"
        assert event["remoteId"] == invoice["remoteId"]
        assert event["objectId"] == invoice["id"]
        # Several polls later the poller has seen the new invoice and said nothing.
        await no_change(operation, within=5 * POLL_INTERVAL)
