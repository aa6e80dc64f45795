"""The Sage app's budget, which every Sage call of the fleet spends: slots in flight, calls
per day (and per minute, if set), shared out by priority and fairly between tenants.

Sage limits each client application, not each business: 1,296,000 requests a day and 150 in
flight, for every tenant of the deployment together. ``SageClient.exchange`` takes a slot
here before each attempt and gives it back when Sage has answered; the books are kept in the
store (``budget_ledger.py``), so every worker counts the same calls.

Who goes first, when a slot is not free at once:

* **by priority** (``priority.current_priority()``): a call waits on this worker in the queue
  of its class; interactive calls are served before polling, polling before background. A
  worker whose interactive calls wait marks it in the store, and less urgent calls of every
  worker then wait too, so a freed slot goes to the most urgent class fleet-wide;
* **fairly within a class**: the queue of a class takes its tenants in turn (round robin),
  one call each, so a tenant with a hundred calls waiting does not delay a tenant with one;
  and a tenant may hold at most ``tenant_in_flight`` slots fleet-wide, so a noisy tenant is
  held to its share before anyone else is slowed;
* **per business, inside the tenant's share**: the tenant is the unit of fairness, not the
  business, so a tenant with fifty businesses gets no more than a tenant with one (its turn
  in the round robin and its ``tenant_in_flight`` cap are the tenant's). Its businesses share
  its turns: each turn of the tenant goes to the next of its businesses with calls waiting
  (round robin again), so one busy business of a tenant does not starve its others;
* **by headroom**: when less than ``background_floor`` of the day is left, background calls
  stop; below ``polling_floor``, polling stops too; interactive calls go on until the day is
  spent, and only then fail with ``SAGE_QUOTA_EXHAUSTED``, saying when the budget resets.

A call never waits longer than ``max_wait``: then ``RATE_LIMITED`` (retryable), and Sage was
not called. A refused write is refused to its caller, never queued for later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from ledgergraph.cache import RedisStore, Store, StoreError
from ledgergraph.connectors.sage.budget_ledger import (
    DAY,
    AppLimits,
    Claim,
    Ledger,
    MemoryLedger,
    RedisLedger,
    Usage,
    Verdict,
    Window,
    lease_name,
)
from ledgergraph.connectors.sage.priority import Priority, current_priority
from ledgergraph.errors import LedgerGraphError, RateLimited, SageQuotaExhausted, ServiceUnavailable
from ledgergraph.observability import metrics, request_context
from ledgergraph.settings import Settings

__all__ = ["BUDGETED", "AppBudget", "AppUsage", "Slot", "app_budget", "counting_hook"]

log = logging.getLogger(__name__)

# How often a worker whose calls wait asks the store again for a slot another worker freed
# (slots freed on this worker wake it at once).
POLL = 0.02
# A day's usage read for ``day_fraction_left`` is reused this long.
USAGE_FRESH = 1.0
RELEASE_ATTEMPTS = 2
# The httpx request extension of a Sage call that holds a slot (``SageClient.exchange``).
BUDGETED = "ledgergraph_sage_budgeted"


@dataclass(frozen=True, slots=True)
class Slot:
    """One Sage call's place in the app's budget: give it back with ``AppBudget.release``."""

    lease: str
    tenant: str
    priority: Priority


@dataclass(slots=True)
class _Waiter:
    tenant: str
    business: str
    priority: Priority
    future: asyncio.Future[Slot]
    enqueued: float = field(default_factory=time.monotonic)


@dataclass(frozen=True, slots=True)
class AppUsage:
    """Today's usage of the app's budget, fleet-wide (for the admin route and the doctor)."""

    limits: AppLimits
    usage: Usage
    resets_at: str

    @property
    def remaining(self) -> int:
        return max(0, self.limits.per_day - self.usage.used)

    def as_json(self) -> dict[str, object]:
        return {
            "day": datetime.fromtimestamp(self.usage.day * DAY, UTC).date().isoformat(),
            "used": self.usage.used,
            "limit": self.limits.per_day,
            "remaining": self.remaining,
            "resetsAt": self.resets_at,
            "inFlight": self.usage.in_flight,
            "inFlightLimit": self.limits.in_flight,
            "tenantInFlightLimit": self.limits.tenant_in_flight,
            "heaviestTenants": [
                {"tenant": tenant, "calls": calls, "inFlight": self.usage.holding.get(tenant, 0)}
                for tenant, calls in self.usage.heaviest
            ],
        }


def resets_at(day: int) -> str:
    """When the budget of UTC day number ``day`` is whole again: the next midnight UTC."""
    return datetime.fromtimestamp((day + 1) * DAY, UTC).isoformat().replace("+00:00", "Z")


class AppBudget:
    def __init__(
        self,
        ledger: Ledger,
        *,
        max_wait: float = 10.0,
        clock: Callable[[], float] = time.time,
        poll: float = POLL,
    ) -> None:
        self.ledger = ledger
        self.limits = ledger.limits
        self.max_wait = max_wait
        self._clock = clock
        self._poll = poll
        self._worker = secrets.token_hex(8)
        # Per class, the tenants with calls waiting, in the order they are served next; per
        # tenant, its businesses with calls waiting, in the order they are served next.
        self._queues: dict[Priority, OrderedDict[str, _Businesses]] = {
            p: OrderedDict() for p in Priority
        }
        self._held: dict[str, Slot] = {}
        self._wake = asyncio.Event()
        self._dispatcher: asyncio.Task[None] | None = None
        self._renewer: asyncio.Task[None] | None = None
        self._used: tuple[int, int, float] | None = None  # (day, used, monotonic when seen)
        self._returns: set[asyncio.Task[None]] = set()  # slots going back in the background

    # -- taking and giving back slots -------------------------------------------------------

    @asynccontextmanager
    async def call(self, tenant: str, business: str | None = None) -> AsyncIterator[Slot]:
        """A slot for one Sage call of ``tenant`` (for ``business``), given back when the
        block ends."""
        slot = await self.acquire(tenant, business)
        try:
            yield slot
        finally:
            await self.release(slot)

    async def acquire(self, tenant: str, business: str | None = None) -> Slot:
        """A slot, as soon as the priority and fairness rules give one (see the module)."""
        priority = current_priority()
        started = time.monotonic()
        if not self._waiting():
            answer = await self._claim(tenant, priority, keep_mark=False)
            if isinstance(answer, Slot):
                metrics.SAGE_BUDGET_WAIT.labels(_label(priority)).observe(0.0)
                return answer
            if (refusal := self._refusal(answer, priority)) is not None:
                raise refusal
        waiter = _Waiter(
            tenant, business or "", priority, asyncio.get_running_loop().create_future()
        )
        businesses = self._queues[priority].setdefault(tenant, OrderedDict())
        businesses.setdefault(waiter.business, deque()).append(waiter)
        self._start_dispatcher()
        self._wake.set()
        try:
            async with asyncio.timeout(self.max_wait):
                slot = await waiter.future
        except TimeoutError:
            self._forget(waiter)
            metrics.SAGE_BUDGET_REFUSED.labels(_label(priority), "timeout").inc()
            raise RateLimited(
                f"Sage calls are at LedgerGraph's limit for this application "
                f"({self.limits.in_flight} in flight, {self.limits.tenant_in_flight or 'no'} "
                f"per tenant) and no slot came free within {self.max_wait:g} s, so Sage was "
                "not called; retry shortly.",
                retry_after=1.0,
                budget="sage_app",
            ) from None
        except BaseException:
            self._forget(waiter)
            raise
        metrics.SAGE_BUDGET_WAIT.labels(_label(priority)).observe(time.monotonic() - started)
        return slot

    async def release(self, slot: Slot) -> None:
        if self._held.pop(slot.lease, None) is None:
            return
        metrics.SAGE_IN_FLIGHT.labels(_label(slot.priority)).dec()
        self._wake.set()
        # Shielded: a caller cancelled right now still frees the slot for the others.
        await asyncio.shield(self._give_back(slot))

    async def _give_back(self, slot: Slot) -> None:
        # Giving a slot back twice frees it once, so a release whose answer was lost is
        # simply sent again; if that fails too, the lease runs out by itself.
        for attempt in range(RELEASE_ATTEMPTS):
            try:
                await self.ledger.release(slot.lease, slot.tenant)
                return
            except StoreError as exc:
                if attempt + 1 == RELEASE_ATTEMPTS:
                    log.warning(
                        "could not give back a Sage budget slot (its lease runs out): %s", exc
                    )

    async def charge(self, tenant: str | None) -> None:
        """Count a call that must never wait for the budget (a token refresh: without it,
        no other call of the tenant can be made)."""
        metrics.SAGE_BUDGET_CALLS.labels("refresh").inc()
        window = Window.at(self._clock())
        try:
            self._note_used(window.day, await self.ledger.charge(tenant, window))
        except StoreError as exc:
            log.warning("could not count a token refresh against the Sage budget: %s", exc)

    # -- what is left ----------------------------------------------------------------------

    async def day_fraction_left(self) -> float:
        """The fraction (0-1) of today's budget still unspent, fleet-wide; read from the
        store at most once a second (the adaptive poller asks before each poll)."""
        day = Window.at(self._clock()).day
        seen = self._used
        if seen is None or seen[0] != day or time.monotonic() - seen[2] > USAGE_FRESH:
            try:
                self._note_used(day, await self.ledger.day_used(day))
            except StoreError:
                if seen is None or seen[0] != day:
                    return 1.0
            seen = self._used
        assert seen is not None
        return max(0.0, 1.0 - seen[1] / self.limits.per_day)

    def waiting_calls(self) -> dict[str, int]:
        """Calls of this worker waiting for a slot now, by priority."""
        return {_label(p): _count(q) for p, q in self._queues.items()}

    async def usage(self, top: int = 10) -> AppUsage:
        day = Window.at(self._clock()).day
        return AppUsage(self.limits, await self.ledger.usage(day, top), resets_at(day))

    # -- shutting down ---------------------------------------------------------------------

    async def aclose(self) -> None:
        for task in (self._dispatcher, self._renewer):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._dispatcher = self._renewer = None
        for slot in list(self._held.values()):
            await self.release(slot)

    # -- inside ----------------------------------------------------------------------------

    async def _claim(self, tenant: str, priority: Priority, *, keep_mark: bool) -> Slot | Verdict:
        window = Window.at(self._clock())
        lease = lease_name(secrets.token_hex(8), tenant)
        claim = Claim(lease, tenant, int(priority), self._worker, keep_mark, window)
        try:
            answer = await self.ledger.acquire(claim)
        except StoreError as exc:
            raise ServiceUnavailable(
                "LedgerGraph's store is unavailable, so the Sage budget cannot be checked; "
                "retry shortly."
            ) from exc
        self._note_used(window.day, answer.used)
        if answer.verdict is not Verdict.GRANTED:
            return answer.verdict
        slot = Slot(lease, tenant, priority)
        self._held[lease] = slot
        metrics.SAGE_IN_FLIGHT.labels(_label(priority)).inc()
        metrics.SAGE_BUDGET_CALLS.labels(_label(priority)).inc()
        self._start_renewer()
        return slot

    def _refusal(self, verdict: Verdict, priority: Priority) -> LedgerGraphError | None:
        """The error for a verdict no wait can change; ``None`` for one worth waiting out."""
        if verdict not in (Verdict.EXHAUSTED, Verdict.RESERVED):
            return None
        day = Window.at(self._clock()).day
        reset = resets_at(day)
        retry_after = float(max(1, round((day + 1) * DAY - self._clock())))
        if verdict is Verdict.EXHAUSTED:
            metrics.SAGE_BUDGET_REFUSED.labels(_label(priority), "exhausted").inc()
            return SageQuotaExhausted(
                f"Today's Sage budget of this application ({self.limits.per_day:,} calls, "
                f"shared by every tenant) is spent, so LedgerGraph did not call Sage. It "
                f"resets at {reset}.",
                resets_at=reset,
                retry_after=retry_after,
            )
        metrics.SAGE_BUDGET_REFUSED.labels(_label(priority), "reserved").inc()
        return SageQuotaExhausted(
            f"Today's Sage budget of this application is nearly spent and its last "
            f"{self.limits.floor(int(priority)):,} calls are kept for interactive requests, "
            f"so this {_label(priority)} call was not made. It resets at {reset}.",
            resets_at=reset,
            retry_after=retry_after,
            priority=priority.name,
        )

    def _note_used(self, day: int, used: int) -> None:
        self._used = (day, used, time.monotonic())
        metrics.SAGE_BUDGET_USED.set(used)
        metrics.SAGE_BUDGET_REMAINING.set(max(0, self.limits.per_day - used))

    def _waiting(self) -> bool:
        return any(self._queues.values())

    def _forget(self, waiter: _Waiter) -> None:
        """A waiter that gave up (timed out, cancelled): out of the queue, and a slot granted
        to it at the last moment goes back."""
        self._unqueue(waiter)
        future = waiter.future
        if future.done() and not future.cancelled() and future.exception() is None:
            slot = future.result()
            task = asyncio.get_running_loop().create_task(self.release(slot))
            self._returns.add(task)
            task.add_done_callback(self._returns.discard)
            task.add_done_callback(_log_failure)
        future.cancel()

    def _start_dispatcher(self) -> None:
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.get_running_loop().create_task(self._dispatch())
            self._dispatcher.add_done_callback(_log_failure)

    def _start_renewer(self) -> None:
        if self._renewer is None or self._renewer.done():
            self._renewer = asyncio.get_running_loop().create_task(self._renew())
            self._renewer.add_done_callback(_log_failure)

    async def _dispatch(self) -> None:
        while True:
            self._wake.clear()
            delay = await self._serve()
            if delay is None:
                await self._wake.wait()
                continue
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._wake.wait()

    async def _serve(self) -> float | None:
        """Grant slots to waiters, most urgent class first and tenants in turn, until the
        budget says no; the seconds to wait before asking again (``None``: nobody waits)."""
        at_share: set[str] = set()  # tenants holding their whole share fleet-wide
        for priority in Priority:
            queue = self._queues[priority]
            while True:
                tenant = next((t for t in queue if t not in at_share), None)
                if tenant is None:
                    break
                waiter = _head(queue, tenant)
                if waiter is None:
                    continue
                more = _count(queue) > 1
                try:
                    answer = await self._claim(tenant, priority, keep_mark=more)
                except LedgerGraphError as exc:
                    # The store is down: every waiter would wait for its own timeout in turn.
                    for queued in [
                        w
                        for q in self._queues.values()
                        for bs in q.values()
                        for ws in bs.values()
                        for w in ws
                    ]:
                        self._settle(queued, error=exc)
                    return None
                if isinstance(answer, Slot):
                    if waiter.future.done():  # gave up meanwhile
                        await self.release(answer)
                    else:
                        waiter.future.set_result(answer)
                    self._settle(waiter)
                    if tenant in queue:
                        queue.move_to_end(tenant)  # the next call of this class: another tenant
                        if waiter.business in queue[tenant]:
                            # The tenant's next turn: another of its businesses.
                            queue[tenant].move_to_end(waiter.business)
                    continue
                if answer is Verdict.TENANT_BUSY:
                    at_share.add(tenant)
                    continue
                if answer in (Verdict.BUSY, Verdict.MINUTE_FULL):
                    # Nothing less urgent may go either: ask again when a slot may be free.
                    return self._poll if answer is Verdict.BUSY else max(self._poll, 0.25)
                self._settle(waiter, error=self._refusal(answer, priority))
        return self._poll if self._waiting() else None

    def _settle(self, waiter: _Waiter, *, error: LedgerGraphError | None = None) -> None:
        if error is not None and not waiter.future.done():
            waiter.future.set_exception(error)
        self._unqueue(waiter)

    def _unqueue(self, waiter: _Waiter) -> None:
        queue = self._queues[waiter.priority]
        businesses = queue.get(waiter.tenant)
        if businesses is None:
            return
        waiters = businesses.get(waiter.business)
        if waiters is not None:
            with contextlib.suppress(ValueError):
                waiters.remove(waiter)
            if not waiters:
                del businesses[waiter.business]
        if not businesses:
            del queue[waiter.tenant]

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(self.limits.lease / 3)
            leases = list(self._held)
            if not leases:
                continue
            try:
                await self.ledger.renew(leases)
            except StoreError as exc:
                log.warning("could not renew Sage budget slots: %s", exc)


def app_budget(settings: Settings, store: Store) -> AppBudget | None:
    """The budget the settings ask for, kept in ``store``: fleet-wide in Redis, for this
    process alone in the memory store."""
    if not settings.sage_app_budget:
        return None
    limits = AppLimits(
        in_flight=settings.sage_app_in_flight,
        per_day=settings.sage_app_per_day,
        per_minute=settings.sage_app_per_minute or None,
        tenant_in_flight=settings.sage_app_tenant_in_flight or None,
        lease=settings.sage_app_lease,
        polling_floor=settings.sage_app_polling_floor,
        background_floor=settings.sage_app_background_floor,
    )
    ledger: Ledger = (
        RedisLedger(store, limits) if isinstance(store, RedisStore) else MemoryLedger(limits)
    )
    return AppBudget(ledger, max_wait=settings.sage_app_max_wait)


def counting_hook(
    budget: AppBudget, *, api_url: str, token_url: str
) -> Callable[[httpx.Request], Awaitable[None]]:
    """An httpx request hook counting the Sage requests that take no slot: token grants and
    refreshes (never made to wait: every other call of the tenant needs the token) and the
    connect flow's first look at the user's businesses. Calls of ``exchange`` carry the
    ``BUDGETED`` extension and were counted when they took their slot."""
    api = api_url.rstrip("/") + "/"
    token = str(httpx.URL(token_url).copy_with(query=None)) if token_url else None

    async def hook(request: httpx.Request) -> None:
        if request.extensions.get(BUDGETED):
            return
        url = str(request.url.copy_with(query=None))
        if url.startswith(api) or url == token:
            info = request_context.current()
            await budget.charge(info.tenant if info is not None else None)

    return hook


# A tenant's businesses with calls waiting, each with its calls in the order they came.
_Businesses = OrderedDict[str, deque[_Waiter]]


def _head(queue: OrderedDict[str, _Businesses], tenant: str) -> _Waiter | None:
    """The call of ``tenant`` served next (its next business's first), dropping calls that
    gave up; ``None``, and the tenant out of the queue, when none is left."""
    businesses = queue[tenant]
    for business in list(businesses):
        waiters = businesses[business]
        while waiters and waiters[0].future.done():
            waiters.popleft()
        if waiters:
            return waiters[0]
        del businesses[business]
    del queue[tenant]
    return None


def _count(queue: OrderedDict[str, _Businesses]) -> int:
    return sum(len(w) for bs in queue.values() for w in bs.values())


def _label(priority: Priority) -> str:
    return priority.name.lower()


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and (exc := task.exception()) is not None:
        log.error("Sage budget task failed", exc_info=exc)
