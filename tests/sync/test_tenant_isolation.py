"""A subscriber sees its own tenant's events only, whatever produced them."""

from __future__ import annotations

import httpx
import pytest

from ledgergraph.events import EventKind, EventLog, ObjectType
from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import DEMO_USER_ID
from ledgergraph.types import ConnectionStatus, TenantId
from tests.support.server import LiveServer
from tests.support.ws import GraphQLWebSocket
from tests.sync.helpers import (
    POLL_INTERVAL,
    SUBSCRIPTION,
    Tenant,
    connect_tenant,
    create_contact,
    next_change,
    no_change,
    until_live,
)

pytestmark = pytest.mark.redis


async def test_a_subscriber_of_one_tenant_never_receives_another_tenants_events(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    events: EventLog,
    acme: Tenant,
) -> None:
    beta = await connect_tenant(http, server, "beta", user_id=DEMO_USER_ID)
    assert beta.business_id != acme.business_id

    async with (
        GraphQLWebSocket.open(server.url, token=acme.token) as acme_socket,
        GraphQLWebSocket.open(server.url, token=beta.token) as beta_socket,
    ):
        acme_events = await acme_socket.subscribe(SUBSCRIPTION)
        beta_events = await beta_socket.subscribe(SUBSCRIPTION)
        await until_live(acme_events, events, acme.name)
        await until_live(beta_events, events, beta.name)

        # Beta's books change in Sage, LedgerGraph writes for beta, beta's connection changes.
        changed = await create_contact(http, sandbox, beta.business_id, "Only Beta Ltd")
        found = await next_change(beta_events, timeout=POLL_INTERVAL + 1.0)
        assert (found["remoteId"], found["source"]) == (changed["id"], "SAGE")
        await events.record_own_write(
            TenantId(beta.name), beta.business_id, ObjectType.CONTACT, "b" * 32, EventKind.UPDATED
        )
        assert (await next_change(beta_events))["source"] == "LEDGERGRAPH"
        await events.connection_changed(TenantId(beta.name), ConnectionStatus.REAUTH_REQUIRED)
        assert (await next_change(beta_events))["connectionStatus"] == "REAUTH_REQUIRED"

        await no_change(acme_events, within=5 * POLL_INTERVAL)

        # Acme's subscription was live all along: its own change still arrives.
        mine = await create_contact(http, sandbox, acme.business_id, "Only Acme Ltd")
        found = await next_change(acme_events, timeout=POLL_INTERVAL + 1.0)
        assert found["remoteId"] == mine["id"]
        await no_change(beta_events, within=5 * POLL_INTERVAL)


async def test_a_subscriber_sees_only_its_business_and_the_object_types_it_asked_for(
    server: LiveServer,
    http: httpx.AsyncClient,
    events: EventLog,
    acme: Tenant,
) -> None:
    tenant = TenantId(acme.name)
    async with GraphQLWebSocket.open(server.url, token=acme.token) as socket:
        invoices = await socket.subscribe(SUBSCRIPTION, {"types": ["INVOICE", "CONNECTION"]})
        await until_live(invoices, events, acme.name)

        await events.record_own_write(
            tenant, acme.business_id, ObjectType.CONTACT, "c" * 32, EventKind.CREATED
        )
        await events.record_own_write(
            tenant, "0" * 32, ObjectType.INVOICE, "d" * 32, EventKind.CREATED
        )
        await events.record_own_write(
            tenant, acme.business_id, ObjectType.INVOICE, "e" * 32, EventKind.CREATED
        )
        found = await next_change(invoices)
        assert (found["objectType"], found["remoteId"]) == ("INVOICE", "e" * 32)
        await no_change(invoices, within=3 * POLL_INTERVAL)
