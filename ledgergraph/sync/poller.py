"""Polling Sage for one tenant's changes, by exactly one process of the fleet at a time.

A process polls a tenant only while it has live subscribers of that tenant, and only while it
holds the tenant's lease (``keys.sync_lease``): a lock with an owner token, taken with
``acquire`` and renewed with ``extend`` every ``lease_ttl / 3``. Processes without the lease
retry taking it every ``lease_ttl / 5``, so when the holder dies another process with
subscribers of the tenant takes over within about one lease period. The cursors live in the
store (``keys.sync_state``), so the new poller carries on exactly where the old one left off.

One poll asks, for every (business, resource kind) some live subscriber wants, for what was
updated or created and what was deleted since the stored cursor (``state.KindState``);
publishes what is new as ``SAGE`` events (skipping LedgerGraph's own writes); then stores
the advanced cursor with compare-and-set. Events go out *before* the cursor moves, so a
crash in between repeats a report rather than losing one.

Sage's limits are respected: requests go out without the client's own retries and at most
``concurrency`` at once per tenant, and any 429 or failure pauses that tenant's polling (at
least Sage's ``Retry-After``, doubling up to ``max_backoff``) without losing its place.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ledgergraph.cache import KeyValue, Lease, Locks, StoreError, keys
from ledgergraph.connectors.sage.client import MAX_ITEMS_PER_PAGE, SageClient
from ledgergraph.errors import BusinessUnavailable, LedgerGraphError, RateLimited
from ledgergraph.events import EventKind, EventLog, EventSource, SyncEvent, sage_timestamp
from ledgergraph.observability import metrics
from ledgergraph.sync.kinds import SyncKind, kind_named
from ledgergraph.sync.registry import SubscriberRegistry
from ledgergraph.sync.state import KindState
from ledgergraph.sync.tasks import still_wanted, stop
from ledgergraph.types import ConnectionStatus, TenantId

__all__ = ["PollStats", "SyncPolicy", "SyncWorker", "TenantPoller"]

log = logging.getLogger(__name__)

Invalidate = Callable[[TenantId, str, str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class SyncPolicy:
    interval: float = 15.0
    lease_ttl: float = 30.0
    overlap: float = 2.0
    max_backoff: float = 300.0
    concurrency: int = 4
    # Longest a report waits for LedgerGraph's own writes in flight to be recorded.
    max_hold: float = 30.0

    @property
    def acquire_period(self) -> float:
        return max(0.05, min(self.lease_ttl / 5, self.interval))


@dataclass(slots=True)
class PollStats:
    """What this process's poller of one tenant has done (for logs, metrics and tests)."""

    polls: int = 0
    published: int = 0
    failures: int = 0
    leases: int = 0
    last_poll_at: float | None = None


class LeaseLost(Exception):
    """Another process holds the tenant's lease now: stop before reporting anything."""


class TenantPoller:
    def __init__(
        self,
        tenant: TenantId,
        *,
        client: SageClient,
        kv: KeyValue,
        locks: Locks,
        events: EventLog,
        registry: SubscriberRegistry,
        invalidate: Invalidate,
        policy: SyncPolicy,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.tenant = tenant
        self._client = client
        self._kv = kv
        self._locks = locks
        self._events = events
        self._registry = registry
        self._invalidate = invalidate
        self._policy = policy
        self._clock = clock
        self.stats = PollStats()
        self.stopping = False
        # (business, kind) → since when its report has been held back for writes in flight.
        self._held: dict[tuple[str, str], float] = {}
        self._lost = False
        self._released = True  # no lease held yet
        # Set to cut a pause short: on stop, or when the lease is lost.
        self._wake = asyncio.Event()

    def stop(self) -> None:
        """Finish the poll in progress (never cut midway), release the lease, and return."""
        self.stopping = True
        self._wake.set()

    async def run(self) -> None:
        name = keys.sync_lease(self.tenant)
        while not self.stopping:
            self._wake.clear()
            try:
                lease = await self._locks.acquire(name, self._policy.lease_ttl)
            except StoreError as exc:
                still_wanted()
                log.warning("sync lease of %s: %s", self.tenant, exc)
                lease = None
            if lease is None:
                await self._pause(self._policy.acquire_period)
                continue
            self.stats.leases += 1
            log.info("polling Sage for tenant %s", self.tenant)
            try:
                await self._hold(lease)
            finally:
                if not self._lost:
                    with contextlib.suppress(StoreError):
                        await self._locks.release(lease)

    async def _hold(self, lease: Lease) -> None:
        self._lost = False
        self._released = False
        keeper = asyncio.create_task(self._keep(lease), name=f"ledgergraph-sync-lease-{lease.name}")
        failures = 0
        try:
            while not self.stopping and not self._lost:
                delay = self._policy.interval
                try:
                    await self._poll(lease)
                    failures = 0
                except LeaseLost:
                    self._lost = True
                    break
                except RateLimited as exc:
                    failures += 1
                    delay = self._backoff(failures, exc.retry_after)
                    log.warning(
                        "Sage rate-limited polling of %s; pausing %.1f s", self.tenant, delay
                    )
                except (LedgerGraphError, StoreError) as exc:
                    failures += 1
                    delay = self._backoff(failures, None)
                    log.warning("polling %s failed (%s); pausing %.1f s", self.tenant, exc, delay)
                except Exception:
                    failures += 1
                    delay = self._backoff(failures, None)
                    log.exception("polling %s failed; pausing %.1f s", self.tenant, delay)
                if failures:
                    still_wanted()
                    self.stats.failures += 1
                metrics.SYNC_POLLS.labels("error" if failures else "ok").inc()
                await self._pause(delay)
        finally:
            self._released = True
            await stop([keeper], grace=1.0)
        if self._lost:
            log.info("lost the sync lease of %s to another process", self.tenant)

    async def _keep(self, lease: Lease) -> None:
        """Renew the lease every ``lease_ttl / 3``; flag it lost when it cannot be renewed."""
        ttl = self._policy.lease_ttl
        loop = asyncio.get_running_loop()
        renewed = loop.time()
        while not self._released:
            await asyncio.sleep(ttl / 3)
            try:
                if await self._locks.extend(lease, ttl):
                    renewed = loop.time()
                    continue
            except StoreError as exc:
                still_wanted()
                if loop.time() - renewed < ttl * 0.8:
                    log.warning("could not renew the sync lease of %s yet: %s", self.tenant, exc)
                    continue
            self._lost = True
            self._wake.set()
            return

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._wake.wait()
        still_wanted()

    def _backoff(self, failures: int, retry_after: float | None) -> float:
        policy = self._policy
        delay = min(policy.max_backoff, policy.interval * 2.0 ** min(failures, 20))
        delay *= random.uniform(1.0, 1.25)
        return max(delay, retry_after or 0.0)

    # -- one poll ----------------------------------------------------------------------------

    async def _poll(self, lease: Lease) -> None:
        wants = await self._registry.fleet_wants(self.tenant)
        if not wants:
            return
        connection = await self._client.connections.get(self.tenant)
        if connection is None or connection.status is not ConnectionStatus.CONNECTED:
            return  # nothing can be read; the connection's own events tell subscribers why
        reachable = {b.id for b in connection.available}
        selected = connection.business
        jobs = [
            (business, kind)
            for business, names in sorted(wants.items())
            if business in reachable
            for name in sorted(names)
            if (kind := kind_named(name)) is not None
        ]
        gate = asyncio.Semaphore(self._policy.concurrency)
        marked = False

        async def poll(business: str, kind: SyncKind) -> int:
            nonlocal marked
            async with gate:
                try:
                    return await self._poll_kind(lease, business, kind)
                except BusinessUnavailable:
                    # The client confirmed the business is gone from the Sage user's list. If
                    # it is the selected one, say so once: the connection turns
                    # BUSINESS_UNAVAILABLE and subscribers get that CONNECTION event.
                    if selected is not None and selected.id == business and not marked:
                        marked = True
                        await self._client.mark_business_unavailable(self.tenant, selected)
                    raise

        results = await asyncio.gather(*(poll(b, k) for b, k in jobs), return_exceptions=True)
        self.stats.polls += 1
        self.stats.last_poll_at = self._clock()
        errors = [r for r in results if isinstance(r, BaseException)]
        self.stats.published += sum(r for r in results if isinstance(r, int))
        for preferred in (LeaseLost, RateLimited):
            for error in errors:
                if isinstance(error, preferred):
                    raise error
        if errors:
            raise errors[0]

    async def _poll_kind(self, lease: Lease, business: str, kind: SyncKind) -> int:
        key = keys.sync_state(self.tenant, business, kind.name)
        record = await self._kv.get_versioned(key)
        if record is None:
            # Nobody registered this kind yet (subscriptions create the state): start now.
            start = KindState.starting_at(self._clock())
            await self._kv.compare_and_set(key, start.to_bytes(), None)
            return 0
        state = KindState.from_bytes(record.value)
        changed_since, deleted_since = state.since(self._policy.overlap)
        changed = await self._list(
            business,
            kind,
            {
                "updated_or_created_since": sage_timestamp(changed_since),
                "attributes": "created_at,updated_at,deleted_at",
            },
        )
        deleted = await self._list(
            business,
            kind,
            {"deleted_since": sage_timestamp(deleted_since), "attributes": "deleted_at"},
        )
        changes, advanced = state.advance(
            changed, deleted, overlap=self._policy.overlap, now=self._clock()
        )
        if advanced == state:
            return 0
        # Read after the lists: a write committed before them either is remembered as
        # LedgerGraph's own by now, or is still under way — then this report waits for the
        # next poll (the state does not advance), lest it report that write as Sage's.
        if changes and await self._events.writes_in_flight(self.tenant, business):
            held_since = self._held.setdefault((business, kind.name), self._clock())
            # Bounded: a business written to without pause is still reported (a duplicate
            # at worst) rather than never.
            if self._clock() - held_since < self._policy.max_hold:
                return 0
        self._held.pop((business, kind.name), None)
        reported = [
            change
            for change in changes
            if not await self._events.is_own_write(
                self.tenant,
                business,
                kind.object_type,
                change.object_id,
                deleted=change.kind is EventKind.DELETED,
                version=change.version,
            )
        ]
        # Never report for a lease someone else holds now: they report it themselves.
        if await self._locks.owner(lease.name) != lease.token:
            raise LeaseLost(lease.name)
        if changes:
            # Whatever a subscriber loads for these events must not come from a stale cache.
            await self._invalidate(self.tenant, business, kind.name)
        for change in reported:
            await self._events.publish(
                self.tenant,
                SyncEvent(
                    kind=change.kind,
                    object_type=kind.object_type.value,
                    object_id=change.object_id,
                    business_id=business,
                    source=EventSource.SAGE,
                    occurred_at=float(change.version),
                ),
            )
            metrics.SYNC_EVENTS_PUBLISHED.inc()
            # Sage's timestamps have whole seconds: the lag is known to about a second.
            metrics.SYNC_POLL_LAG.observe(max(0.0, self._clock() - change.version))
        if await self._kv.compare_and_set(key, advanced.to_bytes(), record.version) is None:
            raise LeaseLost(f"{key} was advanced by another poller")
        return len(reported)

    async def _list(
        self, business: str, kind: SyncKind, params: dict[str, Any]
    ) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            body = await self._client.get(
                self.tenant,
                kind.resource.path,
                business=business,
                params={**params, "page": page, "items_per_page": MAX_ITEMS_PER_PAGE},
                cached=False,
            )
            batch = list(body.get("$items", [])) if isinstance(body, dict) else []
            items.extend(batch)
            if not batch or not body.get("$next"):
                return items
            page += 1


class SyncWorker:
    """This process's pollers: one per tenant that has live subscribers here."""

    def __init__(
        self,
        *,
        registry: SubscriberRegistry,
        make_poller: Callable[[TenantId], TenantPoller],
        enabled: bool = True,
    ) -> None:
        self._registry = registry
        self._make_poller = make_poller
        self.enabled = enabled
        self._running: dict[TenantId, tuple[TenantPoller, asyncio.Task[None]]] = {}
        self._closed = False

    def poller(self, tenant: TenantId) -> TenantPoller | None:
        running = self._running.get(tenant)
        return running[0] if running else None

    def update(self, tenant: TenantId) -> None:
        """Start or stop polling ``tenant`` to match its subscribers in this process."""
        if not self.enabled or self._closed:
            return
        wanted = tenant in self._registry.tenants()
        running = self._running.get(tenant)
        if wanted and (running is None or running[0].stopping):
            poller = self._make_poller(tenant)
            task = asyncio.create_task(poller.run(), name=f"ledgergraph-sync-poll-{tenant}")
            self._running[tenant] = (poller, task)
            task.add_done_callback(functools.partial(self._finished, tenant))
        elif not wanted and running is not None:
            running[0].stop()

    def _finished(self, tenant: TenantId, task: asyncio.Task[None]) -> None:
        running = self._running.get(tenant)
        if running is not None and running[1] is task:
            del self._running[tenant]
        if not task.cancelled() and task.exception() is not None:
            log.error("the sync poller of %s stopped", tenant, exc_info=task.exception())

    async def aclose(self, *, grace: float = 5.0) -> None:
        """Let every poll in progress finish (up to ``grace`` seconds), release the leases."""
        self._closed = True
        running = list(self._running.values())
        for poller, _ in running:
            poller.stop()
        tasks = [task for _, task in running]
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=grace)
        await stop(pending, grace=grace)
