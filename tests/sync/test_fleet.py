"""Several server processes share one Redis: exactly one polls a tenant, and when it dies
another takes over within one lease period, losing nothing."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from ledgergraph.cache import RedisStore, keys
from ledgergraph.events import EventLog
from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import SOLO_USER_ID
from tests.support.ws import GraphQLWebSocket
from tests.sync.helpers import (
    SUBSCRIPTION,
    connect_tenant,
    create_contact,
    eventually,
    next_change,
    no_change,
    polling_requests,
    reset_stats,
    until_live,
)
from tests.sync.processes import killable_server

pytestmark = pytest.mark.redis

INTERVAL = 0.25
LEASE = 1.0
SYNC_ENV = {
    "LEDGERGRAPH_SYNC_POLL_INTERVAL": str(INTERVAL),
    "LEDGERGRAPH_SYNC_LEASE_TTL": str(LEASE),
    "LEDGERGRAPH_SYNC_SUBSCRIBER_TTL": str(LEASE),
    "LEDGERGRAPH_SYNC_OVERLAP": "1",
    # Changes are awaited within a few intervals: adaptive backoff stays short here.
    "LEDGERGRAPH_SYNC_IDLE_MAX_INTERVAL": str(2 * INTERVAL),
}
CONTACTS = {"types": ["CONTACT", "CONNECTION"]}
# A poll of contacts is two list requests: what changed, what was deleted.
REQUESTS_PER_POLL = 2


async def test_one_process_polls_a_tenant_and_another_takes_over_when_it_dies(
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    redis_url: str,
    key_prefix: str,
    store: RedisStore,
    events: EventLog,
    tmp_path: Path,
) -> None:
    async with (
        killable_server(
            sandbox, redis_url=redis_url, prefix=key_prefix, log=tmp_path / "a.log", **SYNC_ENV
        ) as first,
        killable_server(
            sandbox, redis_url=redis_url, prefix=key_prefix, log=tmp_path / "b.log", **SYNC_ENV
        ) as second,
    ):
        acme = await connect_tenant(http, first.server, "acme", user_id=SOLO_USER_ID)
        async with GraphQLWebSocket.open(first.server.url, token=acme.token) as on_first:
            watching_first = await on_first.subscribe(SUBSCRIPTION, CONTACTS)
            await until_live(watching_first, events, acme.name)
            await eventually(lambda: _polled(http, sandbox))  # the first process polls
            async with GraphQLWebSocket.open(second.server.url, token=acme.token) as on_second:
                watching_second = await on_second.subscribe(SUBSCRIPTION, CONTACTS)
                await until_live(watching_second, events, acme.name)

                # Both processes have subscribers of the tenant; the sandbox sees one poller.
                holder = await store.locks.owner(keys.sync_lease(acme.name))
                await reset_stats(http, sandbox)
                started = time.monotonic()
                await asyncio.sleep(2.0)
                requests = await polling_requests(http, sandbox)
                elapsed = time.monotonic() - started
                one_poller = REQUESTS_PER_POLL * (elapsed / INTERVAL + 1)
                assert REQUESTS_PER_POLL <= requests <= one_poller
                assert await store.locks.owner(keys.sync_lease(acme.name)) == holder

                # Both subscribers get each change once, whoever polled it.
                made = await create_contact(http, sandbox, acme.business_id, "Fleet 1 Ltd")
                for watching in (watching_first, watching_second):
                    found = await next_change(watching, timeout=INTERVAL + 1.0)
                    assert found["remoteId"] == made["id"]

                # The poller dies mid-flight: changes just before and just after its death
                # are reported by the survivor within one lease period, each exactly once.
                before = await create_contact(http, sandbox, acme.business_id, "Fleet 2 Ltd")
                first.kill()
                killed = time.monotonic()
                after = await create_contact(http, sandbox, acme.business_id, "Fleet 3 Ltd")
                survived = [
                    await next_change(watching_second, timeout=LEASE + INTERVAL + 1.5)
                    for _ in range(2)
                ]
                assert [e["remoteId"] for e in survived] == [before["id"], after["id"]]
                assert time.monotonic() - killed < LEASE + INTERVAL + 1.5
                assert await store.locks.owner(keys.sync_lease(acme.name)) not in (None, holder)
                await no_change(watching_second, within=4 * INTERVAL)


async def _polled(http: httpx.AsyncClient, sandbox: RunningSandbox) -> bool:
    return await polling_requests(http, sandbox) > 0
