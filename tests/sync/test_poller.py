"""The poller against a fake Sage and an in-memory store: leases, takeover, backoff, own
writes, and polls that fail midway."""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, cast

from ledgergraph.cache import Lease, Locks, MemoryStore, keys
from ledgergraph.connectors.sage.client import SageClient
from ledgergraph.connectors.sage.connections import Connection
from ledgergraph.errors import RateLimited, UpstreamUnavailable
from ledgergraph.events import EventKind, EventLog, EventSource, ObjectType, sage_timestamp
from ledgergraph.sync.poller import SyncPolicy, TenantPoller
from ledgergraph.sync.registry import SubscriberRegistry
from ledgergraph.sync.state import KindState
from ledgergraph.types import BusinessId, BusinessRef, ConnectionStatus, TenantId
from tests.sync.helpers import eventually

ACME = TenantId("acme")
BUSINESS = "b" * 32
POLICY = SyncPolicy(
    interval=0.05,
    lease_ttl=0.3,
    overlap=1.0,
    max_backoff=5.0,
    concurrency=2,
    idle_max_interval=0.2,
)


@dataclass(slots=True)
class Record:
    created: float
    updated: float
    deleted: float | None = None


@dataclass(slots=True)
class FakeConnections:
    async def get(self, tenant: TenantId) -> Connection:
        business = BusinessRef(BusinessId(BUSINESS), "Acme")
        return Connection(
            tenant=tenant,
            status=ConnectionStatus.CONNECTED,
            business=business,
            available=(business,),
        )


@dataclass(slots=True)
class FakeSage:
    """Sage's contacts list with its two sync filters (nothing else is polled here)."""

    contacts: dict[str, Record]
    connections: FakeConnections = field(default_factory=FakeConnections)
    requests: list[float] = field(default_factory=list)
    fail: list[Exception] = field(default_factory=list)
    fail_deletions: list[Exception] = field(default_factory=list)

    async def get(
        self, tenant: TenantId, path: str, *, business: str, params: dict[str, Any], cached: bool
    ) -> Any:
        assert (path, business, cached) == ("/contacts", BUSINESS, False)
        self.requests.append(time.monotonic())
        if self.fail:
            raise self.fail.pop(0)
        if "deleted_since" in params:
            if self.fail_deletions:
                raise self.fail_deletions.pop(0)
            after = _parse(params["deleted_since"])
            items = [
                {"id": i, "deleted_at": sage_timestamp(math.floor(r.deleted))}
                for i, r in self.contacts.items()
                if r.deleted is not None and r.deleted > after
            ]
        else:
            since = _parse(params["updated_or_created_since"])
            items = [
                {
                    "id": i,
                    "created_at": sage_timestamp(math.floor(r.created)),
                    "updated_at": sage_timestamp(math.floor(r.updated)),
                }
                for i, r in self.contacts.items()
                if r.deleted is None and r.updated >= since
            ]
        return {"$items": items, "$next": None, "$total": len(items)}


def _parse(value: str) -> float:
    import datetime as dt

    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


class Mortal:
    """A process's hold on the locks; once dead its lease is neither renewed nor released."""

    def __init__(self, locks: Locks) -> None:
        self._locks = locks
        self.dead = False

    async def acquire(self, name: str, ttl: float) -> Lease | None:
        return await self._locks.acquire(name, ttl)

    async def extend(self, lease: Lease, ttl: float) -> bool:
        return not self.dead and await self._locks.extend(lease, ttl)

    async def release(self, lease: Lease) -> bool:
        return not self.dead and await self._locks.release(lease)

    async def owner(self, name: str) -> str | None:
        return await self._locks.owner(name)

    async def acquire_wait(
        self,
        name: str,
        ttl: float,
        timeout: float,  # noqa: ASYNC109
        poll: float = 0.05,
    ) -> Lease | None:
        return await self._locks.acquire_wait(name, ttl, timeout, poll)


@dataclass(slots=True)
class World:
    store: MemoryStore
    events: EventLog
    registry: SubscriberRegistry
    contacts: dict[str, Record]

    def poller(self, sage: FakeSage, locks: Locks | None = None) -> TenantPoller:
        async def invalidate(tenant: TenantId, business: str, *kinds: str) -> None:
            pass

        return TenantPoller(
            ACME,
            client=cast(SageClient, sage),
            kv=self.store.kv,
            locks=locks or self.store.locks,
            events=self.events,
            registry=self.registry,
            invalidate=invalidate,
            policy=POLICY,
        )

    async def reported(self) -> list[tuple[EventKind, str | None, EventSource]]:
        stored = await self.events.read(ACME, after=None)
        return [(s.event.kind, s.event.object_id, s.event.source) for s in stored]


@asynccontextmanager
async def world() -> AsyncIterator[World]:
    store = MemoryStore()
    registry = SubscriberRegistry(store.kv, process_id="test", ttl=10.0)
    await registry.register(ACME, BUSINESS, {"contacts"})
    start = KindState.starting_at(time.time() - 1)
    await store.kv.compare_and_set(
        keys.sync_state(ACME, BUSINESS, "contacts"), start.to_bytes(), None
    )
    yield World(store, EventLog(store.streams, store.kv), registry, {})


@asynccontextmanager
async def running(poller: TenantPoller) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(poller.run())
    try:
        yield task
    finally:
        poller.stop()
        await asyncio.wait_for(task, timeout=2)


def edit(contacts: dict[str, Record], contact_id: str) -> None:
    now = time.time()
    record = contacts.get(contact_id)
    contacts[contact_id] = Record(created=record.created if record else now, updated=now)


async def test_one_poller_holds_the_tenant_and_another_takes_over_when_it_dies() -> None:
    async with world() as w:
        first_sage, second_sage = FakeSage(w.contacts), FakeSage(w.contacts)
        mortal = Mortal(w.store.locks)
        first, second = w.poller(first_sage, mortal), w.poller(second_sage)
        first_task = asyncio.create_task(first.run())
        await eventually(lambda: _true(bool(first_sage.requests)))
        async with running(second):
            await asyncio.sleep(4 * POLICY.interval)
            assert second_sage.requests == []

            edit(w.contacts, "before")
            mortal.dead = True  # no more renewals, and no release on the way out
            first_task.cancel()
            died = time.monotonic()
            edit(w.contacts, "after")

            await eventually(lambda: _count(w, 2))
            takeover = second_sage.requests[0] - died
            assert takeover <= POLICY.lease_ttl + POLICY.acquire_period + 0.1
            assert [i for _, i, _ in await w.reported()] == ["before", "after"]
            await asyncio.sleep(4 * POLICY.interval)
            assert len(await w.reported()) == 2
        with contextlib.suppress(asyncio.CancelledError):
            await first_task


async def test_a_429_pauses_polling_for_at_least_its_retry_after() -> None:
    async with world() as w:
        sage = FakeSage(w.contacts, fail=[RateLimited("slow down", retry_after=0.5)])
        poller = w.poller(sage)
        async with running(poller):
            await eventually(lambda: _true(len(sage.requests) >= 2))
            assert sage.requests[1] - sage.requests[0] >= 0.5
            assert poller.stats.failures == 1


async def test_a_poll_failing_midway_reports_nothing_and_loses_nothing() -> None:
    async with world() as w:
        sage = FakeSage(w.contacts, fail_deletions=[UpstreamUnavailable("Sage is down")])
        edit(w.contacts, "a")
        async with running(w.poller(sage)):
            await eventually(lambda: _count(w, 1))
            await asyncio.sleep(4 * POLICY.interval)
        assert await w.reported() == [(EventKind.CREATED, "a", EventSource.SAGE)]


async def test_an_own_write_is_reported_once_by_the_mutation_and_never_by_polling() -> None:
    async with world() as w:
        sage = FakeSage(w.contacts)
        edit(w.contacts, "mine")
        updated_at = sage_timestamp(math.floor(w.contacts["mine"].updated))
        await w.events.record_own_write(
            ACME, BUSINESS, ObjectType.CONTACT, "mine", EventKind.CREATED, updated_at
        )
        async with running(w.poller(sage)):
            await eventually(lambda: _true(len(sage.requests) >= 6))
            edit(w.contacts, "theirs")
            await eventually(lambda: _count(w, 2))
        assert await w.reported() == [
            (EventKind.CREATED, "mine", EventSource.LEDGERGRAPH),
            (EventKind.CREATED, "theirs", EventSource.SAGE),
        ]


async def test_an_own_write_of_unknown_version_skips_only_the_next_version_seen() -> None:
    async with world() as w:
        sage = FakeSage(w.contacts)
        w.contacts["c"] = Record(created=time.time() - 100, updated=time.time() - 100)
        await w.events.record_own_write(ACME, BUSINESS, ObjectType.CONTACT, "c", EventKind.UPDATED)
        edit(w.contacts, "c")
        async with running(w.poller(sage)):
            await eventually(lambda: _true(len(sage.requests) >= 6))
            await asyncio.sleep(max(0.0, math.floor(time.time()) + 1.05 - time.time()))
            edit(w.contacts, "c")  # someone else, a second later
            await eventually(lambda: _count(w, 2))
        assert [(k, s) for k, _, s in await w.reported()] == [
            (EventKind.UPDATED, EventSource.LEDGERGRAPH),
            (EventKind.UPDATED, EventSource.SAGE),
        ]


async def test_an_own_deletion_is_not_reported_again() -> None:
    async with world() as w:
        sage = FakeSage(w.contacts)
        w.contacts["gone"] = Record(created=0, updated=0, deleted=time.time())
        await w.events.record_own_write(
            ACME, BUSINESS, ObjectType.CONTACT, "gone", EventKind.DELETED
        )
        async with running(w.poller(sage)):
            await eventually(lambda: _true(len(sage.requests) >= 6))
        assert await w.reported() == [(EventKind.DELETED, "gone", EventSource.LEDGERGRAPH)]


async def _true(value: bool) -> bool:
    return value


async def _count(w: World, n: int) -> bool:
    return len(await w.reported()) >= n
