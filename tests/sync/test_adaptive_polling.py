"""Adaptive polling against the sandbox: an idle business is polled less and less, a change
or a LedgerGraph write brings it back to the base pace, a day running short of Sage budget
stretches every interval -- and each change is still reported exactly once.

Each test runs its own ``SyncService`` (short intervals, a headroom of its choosing) over the
test server's runtime: the same Sage client, Redis store and event streams.
"""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
import redis.asyncio as aioredis

from ledgergraph.connectors.sage.retry import RetryPolicy
from ledgergraph.events import EventKind, EventLog, EventSource, ObjectType, StoredEvent
from ledgergraph.runtime import Runtime
from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sync.kinds import kinds_for
from ledgergraph.sync.pacing import Headroom
from ledgergraph.sync.poller import SyncPolicy, TenantPoller
from ledgergraph.sync.service import SyncService
from ledgergraph.types import TenantId
from tests.support.server import LiveServer
from tests.sync.helpers import Tenant, create_contact, eventually, reset_stats

pytestmark = pytest.mark.redis

BASE = 0.05
IDLE_MAX = 0.8
CONTACTS = kinds_for([ObjectType.CONTACT])


class SpentToday:
    """The Sage app's calls today in a real Redis counter -- as a fleet-wide budget keeps
    them -- read as the fraction of ``per_day`` left."""

    def __init__(self, redis: aioredis.Redis, key: str, per_day: int) -> None:
        self._redis = redis
        self._key = key
        self._per_day = per_day

    async def spend(self, calls: int) -> None:
        await self._redis.incrby(self._key, calls)

    async def day_fraction_left(self) -> float:
        used = int(await self._redis.get(self._key) or 0)
        return max(0.0, 1.0 - used / self._per_day)


@asynccontextmanager
async def polling(
    runtime: Runtime, *, idle_max: float, headroom: Headroom | None = None
) -> AsyncIterator[SyncService]:
    service = SyncService(
        store=runtime.store,
        events=runtime.events,
        poll_client=runtime.sage.with_policy(RetryPolicy.none()),
        sage=runtime.sage,
        # No jitter: the bounds below are exact multiples of the intervals.
        policy=SyncPolicy(
            interval=BASE, lease_ttl=2.0, overlap=1.0, idle_max_interval=idle_max, jitter=0.0
        ),
        subscriber_ttl=5.0,
        headroom=headroom,
    )
    await service.start()
    try:
        yield service
    finally:
        await service.aclose()


async def poller_of(service: SyncService, tenant: TenantId) -> TenantPoller:
    await eventually(lambda: _true(service.worker.poller(tenant) is not None))
    poller = service.worker.poller(tenant)
    assert poller is not None
    return poller


async def contact_requests(http: httpx.AsyncClient, sandbox: RunningSandbox) -> int:
    stats = (await http.get(f"{sandbox.url}/__sandbox/stats")).json()
    return int(stats["requests"].get("GET /v3.1/contacts", 0))


async def calls_within(
    http: httpx.AsyncClient, sandbox: RunningSandbox, seconds: float
) -> tuple[int, float]:
    """Contacts requests the sandbox answers within about ``seconds``, and the time taken."""
    await reset_stats(http, sandbox)
    began = time.monotonic()
    await asyncio.sleep(seconds)
    return await contact_requests(http, sandbox), time.monotonic() - began


def at_most(elapsed: float, interval: float) -> int:
    """Requests of a poll of one kind every ``interval`` over ``elapsed`` (two per poll), plus
    the poll in flight at either end. Slowness can only lower the real count."""
    return 2 * (math.ceil(elapsed / interval) + 1)


async def events_after(events: EventLog, tenant: TenantId, cursor: str) -> list[StoredEvent]:
    return await events.read(tenant, after=cursor, count=1000)


async def test_an_idle_business_is_polled_less_and_less_until_it_changes(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, acme: Tenant
) -> None:
    assert server.runtime is not None
    runtime, tenant, business = server.runtime, TenantId(acme.name), acme.business_id
    async with polling(runtime, idle_max=IDLE_MAX) as service:
        await service.register(tenant, business, CONTACTS)
        poller = await poller_of(service, tenant)
        await eventually(lambda: _true(poller.schedule.interval(business) == IDLE_MAX))

        # At the base pace that would be 2 requests every BASE (about 32 in the window).
        calls, elapsed = await calls_within(http, sandbox, IDLE_MAX)
        assert calls <= at_most(elapsed, IDLE_MAX)

        # A change in Sage: reported once, and the business is back at the base pace.
        cursor = await runtime.events.last_cursor(tenant)
        resets = poller.schedule.resets[business]
        made = await create_contact(http, sandbox, business, "Back From Idle Ltd")
        await eventually(lambda: _reported(runtime.events, tenant, cursor, made["id"]))
        await eventually(lambda: _true(poller.schedule.resets[business] == resets + 1))
        await asyncio.sleep(4 * BASE)  # later polls re-read the overlap window
        reported = await events_after(runtime.events, tenant, cursor)
        assert [(s.event.kind, s.event.object_id, s.event.source) for s in reported] == [
            (EventKind.CREATED, made["id"], EventSource.SAGE)
        ]


@pytest.mark.parametrize("trigger", ["ledgergraph-write", "subscriber-of-a-new-kind"])
async def test_a_write_or_a_new_kind_brings_an_idle_business_back_to_the_base_pace(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, acme: Tenant, trigger: str
) -> None:
    assert server.runtime is not None
    runtime, tenant, business = server.runtime, TenantId(acme.name), acme.business_id
    async with polling(runtime, idle_max=IDLE_MAX) as service:
        await service.register(tenant, business, CONTACTS)
        poller = await poller_of(service, tenant)
        await eventually(lambda: _true(poller.schedule.interval(business) == IDLE_MAX))
        resets = poller.schedule.resets[business]

        if trigger == "ledgergraph-write":
            # A mutation announces its write on the stream; here without a change in Sage, so
            # only the write -- not a poll finding it -- can be what brings the pace back.
            await runtime.events.record_own_write(
                tenant, business, ObjectType.CONTACT, uuid.uuid4().hex, EventKind.UPDATED
            )
        else:
            await service.register(tenant, business, kinds_for([ObjectType.INVOICE]))
        await eventually(lambda: _true(poller.schedule.resets[business] == resets + 1))
        assert poller.schedule.interval(business) == BASE


@pytest.mark.parametrize(
    ("spent", "stretch"),
    [(0.5, 1.0), (0.95, 6.0), (1.0, 8.0)],
    ids=["half-the-day-left", "5%-left", "nothing-left"],
)
async def test_a_day_running_short_of_sage_budget_stretches_polling(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    acme: Tenant,
    redis_url: str,
    key_prefix: str,
    spent: float,
    stretch: float,
) -> None:
    assert server.runtime is not None
    runtime, tenant, business = server.runtime, TenantId(acme.name), acme.business_id
    async with aioredis.from_url(redis_url) as redis:
        day = SpentToday(redis, f"{key_prefix}sage-calls-today", per_day=10_000)
        await day.spend(round(spent * 10_000))
        # No idle backoff: whatever slows polling here is the headroom.
        async with polling(runtime, idle_max=BASE, headroom=day) as service:
            await service.register(tenant, business, CONTACTS)
            poller = await poller_of(service, tenant)
            await eventually(lambda: _true(poller.stats.polls >= 2))
            assert poller.stats.stretch == pytest.approx(stretch)

            # Slower, not stopped: a change is still reported.
            cursor = await runtime.events.last_cursor(tenant)
            made = await create_contact(http, sandbox, business, f"Stretched {spent} Ltd")
            await eventually(
                lambda: _reported(runtime.events, tenant, cursor, made["id"]),
                timeout=5 + 2 * BASE * stretch,
            )
            calls, elapsed = await calls_within(http, sandbox, 0.8)
            assert calls <= at_most(elapsed, BASE * stretch)


async def _reported(events: EventLog, tenant: TenantId, cursor: str, object_id: str) -> bool:
    return any(s.event.object_id == object_id for s in await events_after(events, tenant, cursor))


async def _true(value: bool) -> bool:
    return value
