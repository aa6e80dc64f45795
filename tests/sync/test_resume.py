"""Resuming with ``since``: a reconnecting client misses nothing and sees nothing twice; a
cursor whose events are gone gets CURSOR_EXPIRED."""

from __future__ import annotations

import httpx
import pytest

from ledgergraph.cache import RedisStore
from ledgergraph.events import EventLog
from ledgergraph.sandbox import RunningSandbox
from ledgergraph.types import ConnectionStatus, TenantId
from tests.support.fixtures import on_each_redis
from tests.support.server import LiveServer
from tests.support.ws import GraphQLWebSocket, OperationFailed
from tests.sync.helpers import (
    POLL_INTERVAL,
    SUBSCRIPTION,
    Tenant,
    changes,
    create_contact,
    next_change,
    no_change,
    until_live,
)

pytestmark = pytest.mark.redis

CONTACTS = {"types": ["CONTACT", "CONNECTION"]}


@on_each_redis
async def test_reconnecting_with_the_last_cursor_delivers_exactly_the_changes_missed(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    events: EventLog,
    acme: Tenant,
) -> None:
    async with GraphQLWebSocket.open(server.url, token=acme.token) as socket:
        operation = await socket.subscribe(SUBSCRIPTION, CONTACTS)
        await until_live(operation, events, acme.name)
        await create_contact(http, sandbox, acme.business_id, "Sync 00")
        last = await next_change(operation, timeout=POLL_INTERVAL + 1.0)
    # Disconnected: nobody subscribes to the tenant now.

    made = [
        await create_contact(http, sandbox, acme.business_id, f"Sync {n:02d}") for n in range(1, 21)
    ]

    async with GraphQLWebSocket.open(server.url, token=acme.token) as socket:
        operation = await socket.subscribe(SUBSCRIPTION, {**CONTACTS, "since": last["cursor"]})
        missed = await changes(operation, 20, timeout=5.0)
        assert [e["remoteId"] for e in missed] == [c["id"] for c in made]
        assert {e["kind"] for e in missed} == {"CREATED"}
        cursors = [last["cursor"], *(e["cursor"] for e in missed)]
        assert cursors == sorted(cursors, key=_cursor_order)
        assert len(set(cursors)) == len(cursors)
        await no_change(operation, within=5 * POLL_INTERVAL)


async def test_an_expired_cursor_is_refused_with_CURSOR_EXPIRED(
    server: LiveServer, store: RedisStore, acme: Tenant
) -> None:
    tenant = TenantId(acme.name)
    # A stream bounded to one event: each append trims the ones before it.
    tiny = EventLog(store.streams, max_len=1)
    old = await tiny.connection_changed(tenant, ConnectionStatus.CONNECTED)
    for _ in range(3):
        await tiny.connection_changed(tenant, ConnectionStatus.CONNECTED)

    async with GraphQLWebSocket.open(server.url, token=acme.token) as socket:
        operation = await socket.subscribe(SUBSCRIPTION, {"since": old})
        with pytest.raises(OperationFailed) as refused:
            await operation.next()
    assert refused.value.codes == ["CURSOR_EXPIRED"]
    assert "re-query" in refused.value.errors[0]["message"].lower()


async def test_a_cursor_that_was_never_handed_out_is_bad_input(
    server: LiveServer, acme: Tenant
) -> None:
    async with GraphQLWebSocket.open(server.url, token=acme.token) as socket:
        operation = await socket.subscribe(SUBSCRIPTION, {"since": "yesterday"})
        with pytest.raises(OperationFailed) as refused:
            await operation.next()
    assert refused.value.codes == ["BAD_USER_INPUT"]


def _cursor_order(cursor: str) -> tuple[int, int]:
    ms, seq = cursor.split("-")
    return int(ms), int(seq)
