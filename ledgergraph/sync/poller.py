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

Sage's limits are respected: requests go out without the client's own retries, as
``Priority.POLLING`` calls of the fleet's Sage budget, at most ``concurrency`` at once per
tenant, and any 429 or failure pauses that tenant's polling (at least Sage's ``Retry-After``,
doubling up to ``max_backoff``) without losing its place.

Each business has its own pace (``pacing.Schedule``): a business whose polls find nothing is
polled less and less often (up to ``idle_max_interval``), one that changed -- in Sage, or by a
LedgerGraph write seen on the tenant's stream -- goes back to ``interval``, and all of it
stretches when the app's daily Sage budget runs low (``headroom``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ledgergraph.cache import CursorExpired, KeyValue, Lease, Locks, StoreError, keys
from ledgergraph.connectors.sage.client import MAX_ITEMS_PER_PAGE, SageClient
from ledgergraph.connectors.sage.connections import Connection
from ledgergraph.connectors.sage.priority import Priority, calls_for
from ledgergraph.errors import BusinessUnavailable, LedgerGraphError, RateLimited
from ledgergraph.events import EventKind, EventLog, EventSource, SyncEvent, sage_timestamp
from ledgergraph.observability import metrics, request_context
from ledgergraph.sync.kinds import SyncKind, kind_named
from ledgergraph.sync.pacing import Headroom, Pacing, Schedule
from ledgergraph.sync.registry import SubscriberRegistry
from ledgergraph.sync.state import KindState
from ledgergraph.sync.tasks import still_wanted, stop
from ledgergraph.types import ConnectionStatus, TenantId

__all__ = ["PollStats", "SyncPolicy", "SyncWorker", "TenantPoller"]

log = logging.getLogger(__name__)


class Invalidate(Protocol):
    def __call__(self, tenant: TenantId, business: str, /, *kinds: str) -> Awaitable[None]: ...


# Events read per page when looking for LedgerGraph's own writes on the tenant's stream, and
# how many pages at most per round (beyond that, the round just takes the newest cursor).
_STREAM_PAGE = 100
_STREAM_PAGES = 10


@dataclass(frozen=True, slots=True)
class SyncPolicy:
    interval: float = 15.0
    lease_ttl: float = 30.0
    overlap: float = 2.0
    max_backoff: float = 300.0
    concurrency: int = 4
    # Longest a report waits for LedgerGraph's own writes in flight to be recorded.
    max_hold: float = 30.0
    # Adaptive pacing (see pacing.py): the longest interval of a business whose polls find
    # nothing (``interval`` or less: no backoff), the jitter, and the slow-down on low headroom.
    idle_max_interval: float = 120.0
    jitter: float = 0.1
    slow_below: float = 0.3
    max_stretch: float = 8.0

    @property
    def acquire_period(self) -> float:
        return max(0.05, min(self.lease_ttl / 5, self.interval))

    @property
    def pacing(self) -> Pacing:
        return Pacing(
            interval=self.interval,
            idle_max=self.idle_max_interval,
            jitter=self.jitter,
            slow_below=self.slow_below,
            max_stretch=self.max_stretch,
        )


@dataclass(slots=True)
class PollStats:
    """What this process's poller of one tenant has done (for logs, metrics and tests)."""

    polls: int = 0
    published: int = 0
    failures: int = 0
    leases: int = 0
    last_poll_at: float | None = None
    # Sage requests sent, and polls per business (a poll of a business reads all its kinds).
    calls: int = 0
    business_polls: Counter[str] = field(default_factory=Counter)
    # The stretch applied to the intervals by the last round (1.0: plenty of headroom).
    stretch: float = 1.0


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
        headroom: Headroom | None = None,
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
        self._headroom = headroom
        self.stats = PollStats()
        self.schedule = Schedule(policy.pacing)
        # Where this poller last looked on the tenant's stream for LedgerGraph's own writes.
        self._stream_cursor: str | None = None
        # Per business of the poll in progress: whether it changed (read even if the poll fails).
        self._outcomes: dict[str, bool] = {}
        # The kinds each business was polled for last round: a kind added brings it back.
        self._kinds: dict[str, frozenset[str]] = {}
        # The country of each business the connection does not know it of (it never changes).
        self._countries: dict[str, str | None] = {}
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
        # Started by a subscriber's request, it serves every subscriber: its Sage calls are
        # no request's (extensions.cost, the access log).
        request_context.detach()
        # Every Sage call of this task (and of the tasks it spawns) is a polling call.
        with calls_for(Priority.POLLING):
            await self._run()

    async def _run(self) -> None:
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
                polled = True
                try:
                    delay, polled = await self._round(lease)
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
                if polled:
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

    # -- one round: the businesses that are due ----------------------------------------------

    async def _round(self, lease: Lease) -> tuple[float, bool]:
        """Poll the businesses that are due; returns how long to wait for the next round and
        whether any business was polled.

        A round comes at least every base ``interval``, even when every business is idle: it
        looks at who is subscribed and at LedgerGraph's own writes (two store reads, no Sage
        call), so a write, or a subscriber of a kind not polled yet, brings a business back to
        the base pace.
        """
        loop = asyncio.get_running_loop()
        wants = await self._registry.fleet_wants(self.tenant)
        schedule = self.schedule
        schedule.keep(wants, loop.time())
        back = await self._written_to(set(wants))
        # A subscriber of a kind not polled before: its changes should not wait on an idle pace.
        back |= {b for b, kinds in wants.items() if kinds - self._kinds.get(b, kinds)}
        self._kinds = {b: frozenset(kinds) for b, kinds in wants.items()}
        # Only a round that schedules something asks how much of the day is left.
        stretch = self.stats.stretch
        if back or schedule.due(loop.time()):
            stretch = await self._stretch()
        for business in sorted(back):
            schedule.snap_back(business, loop.time(), stretch=stretch)
        due = schedule.due(loop.time())
        polled = False
        if due:
            polled = True
            try:
                outcomes = await self._poll(lease, {b: wants[b] for b in due})
            finally:
                # Whatever a failure left unpolled stays due (after the tenant's pause).
                now = loop.time()
                for business, changed in self._outcomes.items():
                    schedule.polled(business, now, changed=changed, stretch=stretch)
                self._outcomes = {}
            if outcomes is None:
                # The connection cannot be read: try again at the base pace.
                return self._policy.interval, polled
        next_due = schedule.next_due()
        wait = self._policy.interval if next_due is None else next_due - loop.time()
        return min(self._policy.interval, max(0.0, wait)), polled

    async def _stretch(self) -> float:
        if self._headroom is None:
            return 1.0
        try:
            left = await self._headroom.day_fraction_left()
        except (LedgerGraphError, StoreError) as exc:
            log.warning("could not read the Sage budget's headroom: %s", exc)
            return self.stats.stretch
        self.stats.stretch = self._policy.pacing.stretch(left)
        return self.stats.stretch

    async def _written_to(self, businesses: set[str]) -> set[str]:
        """Which of ``businesses`` LedgerGraph wrote to since the last round (its own events on
        the tenant's stream); all of them if that cannot be told (the stream was trimmed)."""
        if not businesses:
            self._stream_cursor = None
            return set()
        try:
            if self._stream_cursor is None:
                self._stream_cursor = await self._events.last_cursor(self.tenant)
                return set()
            written: set[str] = set()
            for _ in range(_STREAM_PAGES):
                batch = await self._events.read(
                    self.tenant, after=self._stream_cursor, count=_STREAM_PAGE
                )
                for stored in batch:
                    event = stored.event
                    if event.source is EventSource.LEDGERGRAPH and event.business_id is not None:
                        written.add(event.business_id)
                if batch:
                    self._stream_cursor = batch[-1].cursor
                if len(batch) < _STREAM_PAGE:
                    return written & businesses
            self._stream_cursor = await self._events.last_cursor(self.tenant)
            return written & businesses
        except CursorExpired:
            self._stream_cursor = None
            return businesses

    # -- one poll ----------------------------------------------------------------------------

    async def _poll(self, lease: Lease, wants: dict[str, set[str]]) -> dict[str, bool] | None:
        """Poll ``wants`` (business -> kinds); returns, per business polled, whether it
        changed, or ``None`` if the tenant's connection cannot be read. Before raising, the
        businesses that were polled are left in ``self._outcomes`` for the schedule."""
        self._outcomes = {}
        connection = await self._client.connections.get(self.tenant)
        if connection is None or connection.status is not ConnectionStatus.CONNECTED:
            return None  # nothing can be read; the connection's own events tell subscribers why
        reachable = {b.id for b in connection.available}
        selected = connection.business
        wanted = {
            business: [kind for name in sorted(names) if (kind := kind_named(name)) is not None]
            for business, names in sorted(wants.items())
            if business in reachable
        }
        # A business is not asked for a list Sage does not have in its country (tax returns).
        countries = {
            business: await self._country(business, connection)
            for business, polled in wanted.items()
            if any(kind.resource.countries is not None for kind in polled)
        }
        jobs = [
            (business, kind)
            for business, polled in wanted.items()
            for kind in polled
            if kind.resource.listed_in(countries.get(business))
        ]
        gate = asyncio.Semaphore(self._policy.concurrency)
        marked = False

        async def poll(business: str, kind: SyncKind) -> tuple[int, bool]:
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
        # A business counts as polled once all its kinds were; an unreachable one (no jobs)
        # found nothing -- and slows down like an idle one.
        failed = {
            b for (b, _), r in zip(jobs, results, strict=True) if isinstance(r, BaseException)
        }
        outcomes = {b: False for b in wants if b not in failed}
        for (business, _), result in zip(jobs, results, strict=True):
            if not isinstance(result, BaseException):
                self.stats.published += result[0]
                if business in outcomes:
                    outcomes[business] = outcomes[business] or result[1]
        self.stats.business_polls.update(outcomes.keys())
        self._outcomes = outcomes
        errors = [r for r in results if isinstance(r, BaseException)]
        for preferred in (LeaseLost, RateLimited):
            for error in errors:
                if isinstance(error, preferred):
                    raise error
        if errors:
            raise errors[0]
        return outcomes

    async def _country(self, business: str, connection: Connection) -> str | None:
        """The business's country: the connection's, else Sage's (read once per poller)."""
        selected = connection.business
        if selected is not None and selected.id == business and selected.country_code:
            return selected.country_code
        if business not in self._countries:
            details = await self._client.get(
                self.tenant, f"/businesses/{business}", business=business
            )
            country = (
                (details.get("country") or {}).get("id") if isinstance(details, dict) else None
            )
            self._countries[business] = str(country) if country else None
        return self._countries[business]

    async def _poll_kind(self, lease: Lease, business: str, kind: SyncKind) -> tuple[int, bool]:
        """Poll one kind of one business: (events published, whether anything changed)."""
        key = keys.sync_state(self.tenant, business, kind.name)
        record = await self._kv.get_versioned(key)
        if record is None:
            # Nobody registered this kind yet (subscriptions create the state): start now.
            start = KindState.starting_at(self._clock())
            await self._kv.compare_and_set(key, start.to_bytes(), None)
            return 0, False
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
        deleted: list[dict[str, Any]] = []
        # Without ``deleted_since`` Sage's list cannot tell what went: no DELETED events.
        if kind.resource.deleted_since:
            deleted = await self._list(
                business,
                kind,
                {"deleted_since": sage_timestamp(deleted_since), "attributes": "deleted_at"},
            )
        changes, advanced = state.advance(
            changed, deleted, overlap=self._policy.overlap, now=self._clock()
        )
        if advanced == state:
            return 0, False
        # Read after the lists: a write committed before them either is remembered as
        # LedgerGraph's own by now, or is still under way — then this report waits for the
        # next poll (the state does not advance), lest it report that write as Sage's.
        if changes and await self._events.writes_in_flight(self.tenant, business):
            held_since = self._held.setdefault((business, kind.name), self._clock())
            # Bounded: a business written to without pause is still reported (a duplicate
            # at worst) rather than never.
            if self._clock() - held_since < self._policy.max_hold:
                return 0, True
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
            await self._invalidate(self.tenant, business, *kind.stale)
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
        return len(reported), bool(changes)

    async def _list(
        self, business: str, kind: SyncKind, params: dict[str, Any]
    ) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            self.stats.calls += 1
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
