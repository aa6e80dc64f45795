"""A write LedgerGraph has sent to Sage but not yet recorded as its own is never reported by
the poller as a change made in Sage: the report waits while the write is under way, and then
skips it. The wait is bounded, so a write that never says it is done delays reports only."""

from __future__ import annotations

import httpx
import pytest

from ledgergraph.events import EventKind, EventLog, ObjectType
from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import SOLO_USER_ID
from ledgergraph.types import TenantId
from tests.support.fixtures import on_each_redis
from tests.support.server import LiveServer, serve_ledgergraph
from tests.support.tenants import connect_tenant
from tests.support.ws import GraphQLWebSocket
from tests.sync.helpers import (
    POLL_INTERVAL,
    SUBSCRIPTION,
    SYNC_SETTINGS,
    Tenant,
    create_contact,
    next_change,
    no_change,
    until_live,
)

pytestmark = pytest.mark.redis

CONTACTS = {"types": ["CONTACT", "CONNECTION"]}


@on_each_redis
async def test_a_write_under_way_is_reported_once_as_ledgergraphs_never_as_sages(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    events: EventLog,
    acme: Tenant,
) -> None:
    tenant = TenantId(acme.name)
    async with GraphQLWebSocket.open(server.url, token=acme.token) as socket:
        operation = await socket.subscribe(SUBSCRIPTION, CONTACTS)
        await until_live(operation, events, acme.name)

        # What a mutation does, with the gap the poller could fall into held wide open:
        # the write is under way, Sage has committed it, LedgerGraph has not recorded it yet.
        token = await events.begin_own_write(tenant, acme.business_id)
        made = await create_contact(http, sandbox, acme.business_id, "Under Way Ltd")
        await no_change(operation, within=6 * POLL_INTERVAL)
        await events.record_own_write(
            tenant,
            acme.business_id,
            ObjectType.CONTACT,
            str(made["id"]),
            EventKind.CREATED,
            made["updated_at"],
        )
        await events.end_own_write(tenant, acme.business_id, token)

        reported = await next_change(operation)
        await no_change(operation, within=6 * POLL_INTERVAL)

    assert reported["remoteId"] == made["id"]
    assert reported["source"] == "LEDGERGRAPH"


async def test_a_write_that_never_says_it_is_done_delays_reports_but_loses_none(
    sandbox: RunningSandbox,
    redis_url: str,
    key_prefix: str,
    http: httpx.AsyncClient,
    events: EventLog,
) -> None:
    settings = SYNC_SETTINGS | {"sync_max_hold": 1.0}
    async with serve_ledgergraph(
        sandbox, redis_url=redis_url, prefix=key_prefix, **settings
    ) as server:
        acme = await connect_tenant(http, server, "acme", user_id=SOLO_USER_ID)
        async with GraphQLWebSocket.open(server.url, token=acme.token) as socket:
            operation = await socket.subscribe(SUBSCRIPTION, CONTACTS)
            await until_live(operation, events, acme.name)
            # A worker died mid-write: its entry is never ended.
            await events.begin_own_write(TenantId(acme.name), acme.business_id)
            made = await create_contact(http, sandbox, acme.business_id, "Out Of Band Ltd")

            reported = await next_change(operation, timeout=5.0)

    assert reported["remoteId"] == made["id"]
    assert reported["source"] == "SAGE"
