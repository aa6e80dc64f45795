"""Which GraphQL operations a worker starts, and when: a fair share of its event loop per
tenant.

The Sage budget holds a noisy tenant to its share of Sage, but not of the worker: every page
Sage returns still has to be decoded, mapped, resolved and serialized on the worker's one
event loop, so a tenant running a backfill or a runaway script delays every other tenant's
query by the CPU its own operations take. So each worker schedules operations by the loop
time their tenant used lately (``loop_time.py``: measured per callback, decayed with a
``half_life`` of a couple of seconds):

* **per tenant**: at most ``per_tenant`` operations of a tenant execute at once; its further
  operations queue in the order they came;
* **heavy tenants run narrower**: a tenant that used more than ``heavy_factor`` times the
  average loop time of the other tenants active on the worker (running, queued, or seen in
  the last ``2 * half_life``) executes at most ``heavy_concurrency`` operations at once, for
  as long as that lasts. A tenant alone on the worker is never narrowed: the loop is not
  taken from anyone; nor is one using under ``HEAVY_MIN_SHARE`` of the loop, however little
  the others use (a dashboard's burst of panels is not a backfill). Not only when the loop
  is busy: a loop a third used still delays a quiet query by the heavy tenant's callbacks
  queued before it (bench/capacity.py: p95 x1.83 with narrowing held back below half the
  loop, x1.12 without). This is what keeps a
  quiet tenant's query fast beside a backfill: its operations are admitted at once, and the
  noisy tenant's share of the loop shrinks from ``per_tenant`` operations' worth to
  ``heavy_concurrency``'s; and while its use is over ``heavy_share`` of the loop it starts
  nothing until that decays (bench/capacity.py, quiet: the others' p95 x0.98-1.05 in three
  runs with a cap of 10 %, x1.02-1.20 in four without; the noisy tenant's pages 600 -> 390);
* **fair order under load**: at most ``worker_limit`` operations execute on the worker at
  once (0: no bound); when it is full, a freed place goes to the waiting tenant that used
  the least loop time lately (start-time fair queueing, with each tenant's decayed loop time
  as its virtual time), so a quiet tenant goes before a busy one whatever the arrival order.

The queue is short and brief: an operation that has not started within ``max_wait``, or that
finds ``max_queued`` of its tenant already waiting, is refused with ``RATE_LIMITED``
(retryable) and never runs. The defaults let a dashboard open its panels at once.

Per worker, in memory: the question is this process's CPU, which no other worker shares.
Applied to queries and mutations over HTTP and graphql-transport-ws (``http/graphql.py``);
subscriptions, open as long as they last, are bounded per socket instead.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from ledgergraph.errors import RateLimited
from ledgergraph.security import loop_time
from ledgergraph.security.loop_time import Account
from ledgergraph.settings import Settings

__all__ = ["OperationAdmission", "OperationRefused", "operation_admission"]

# The share of the worker's loop (over the last few half-lives) below which no tenant counts
# as heavy.
HEAVY_MIN_SHARE = 0.05


class OperationRefused(RateLimited):
    """An operation its tenant's queue on this worker had no room or time for: never run."""


@dataclass(slots=True)
class _Turn:
    future: asyncio.Future[None]
    seq: int  # arrival order, to break ties between tenants of equal use


@dataclass(slots=True)
class _Lane:
    """One tenant on this worker: its loop time lately, how many of its operations run, who
    waits to, and when it last had an operation."""

    account: Account
    last_active: float
    running: int = 0
    waiting: deque[_Turn] = field(default_factory=deque)


@dataclass(frozen=True, slots=True)
class _Load:
    """The tenants active on the worker now: how many, and their loop time together."""

    active: int
    usage: float


class OperationAdmission:
    def __init__(
        self,
        *,
        per_tenant: int,
        max_queued: int,
        max_wait: float,
        worker_limit: int = 0,
        heavy_concurrency: int = 1,
        heavy_factor: float = 2.0,
        heavy_share: float = 1.0,
        half_life: float = 2.0,
        meter: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_tenant < 1 or max_queued < 0 or max_wait < 0 or worker_limit < 0:
            raise ValueError(
                "per_tenant must be 1 or more; max_queued, max_wait and worker_limit 0 or more"
            )
        if heavy_concurrency < 1 or heavy_factor < 1 or half_life <= 0:
            raise ValueError("heavy_concurrency and heavy_factor 1 or more, half_life positive")
        if not HEAVY_MIN_SHARE <= heavy_share <= 1:
            raise ValueError(f"heavy_share must be between {HEAVY_MIN_SHARE} and 1")
        self.per_tenant = per_tenant
        self.max_queued = max_queued
        self.max_wait = max_wait
        self.worker_limit = worker_limit
        self.heavy_concurrency = min(heavy_concurrency, per_tenant)
        self.heavy_factor = heavy_factor
        self.half_life = half_life
        self.recent = 2 * half_life
        # The decayed level a steady use of HEAVY_MIN_SHARE of the loop settles at.
        self._heavy_floor = HEAVY_MIN_SHARE * half_life / math.log(2)
        # ... and the level a heavy tenant is held below while others are active.
        self._heavy_cap = heavy_share * half_life / math.log(2) if heavy_share < 1 else math.inf
        self._clock = clock
        self._lanes: dict[str, _Lane] = {}
        self._waiting: set[str] = set()  # tenants with operations queued
        self._total = 0
        self._seq = itertools.count()
        self._swept = clock()
        self._recheck: asyncio.TimerHandle | None = None
        if meter:
            loop_time.install()

    # -- what it knows ---------------------------------------------------------------------

    def running(self, tenant: str) -> int:
        """Operations of ``tenant`` executing on this worker now."""
        lane = self._lanes.get(tenant)
        return 0 if lane is None else lane.running

    def queued(self, tenant: str) -> int:
        """Operations of ``tenant`` waiting to start on this worker now."""
        lane = self._lanes.get(tenant)
        return 0 if lane is None else len(lane.waiting)

    def usage(self, tenant: str) -> float:
        """Seconds of this worker's loop ``tenant`` used lately (decayed)."""
        lane = self._lanes.get(tenant)
        return 0.0 if lane is None else lane.account.level()

    def limit(self, tenant: str) -> int:
        """Operations of ``tenant`` that may execute at once on this worker now."""
        lane = self._lanes.get(tenant)
        return self.per_tenant if lane is None else self._limit(lane, self._load())

    def charge(self, tenant: str, seconds: float) -> None:
        """Count ``seconds`` of loop time against ``tenant`` (the meter does this for the
        operations it admits; for work done on a tenant's behalf outside them)."""
        self._lane(tenant).account.spend(seconds)

    # -- admitting ---------------------------------------------------------------------------

    @asynccontextmanager
    async def admit(self, tenant: str) -> AsyncIterator[None]:
        """Run the block as one of ``tenant``'s operations, once its turn comes; its loop
        time is charged to the tenant."""
        await self._enter(tenant)
        try:
            with loop_time.metering(self._lanes[tenant].account):
                yield
        finally:
            self._leave(tenant)

    async def _enter(self, tenant: str) -> None:
        self._sweep()
        lane = self._lane(tenant)
        lane.last_active = self._clock()
        if not lane.waiting and self._room() and lane.running < self._limit(lane, self._load()):
            self._start(lane)
            return
        if len(lane.waiting) >= self.max_queued:
            raise self._refusal(lane, "its queue is full")
        turn = _Turn(asyncio.get_running_loop().create_future(), next(self._seq))
        lane.waiting.append(turn)
        self._waiting.add(tenant)
        self._dispatch()  # a waiter held back by its limit alone is looked at again later
        try:
            async with asyncio.timeout(self.max_wait):
                # Shielded: a timeout must not cancel a turn already handed over (its place is
                # then given back below, not lost).
                await asyncio.shield(turn.future)
        except BaseException as exc:
            if turn.future.done() and not turn.future.cancelled():
                self._leave(tenant)  # handed over just as it gave up: pass it on
            else:
                turn.future.cancel()
                lane.waiting.remove(turn)
                if not lane.waiting:
                    self._waiting.discard(tenant)
            if isinstance(exc, TimeoutError):
                raise self._refusal(lane, f"it did not start within {self.max_wait:g} s") from None
            raise
        # The place came with the turn: ``_start`` counted it when it was handed over.

    def _leave(self, tenant: str) -> None:
        lane = self._lanes[tenant]
        lane.running -= 1
        self._total -= 1
        lane.last_active = self._clock()
        self._dispatch()

    def _start(self, lane: _Lane) -> None:
        lane.running += 1
        self._total += 1

    def _room(self) -> bool:
        return self.worker_limit == 0 or self._total < self.worker_limit

    def _dispatch(self) -> None:
        """Start waiting operations while the worker has room: of the tenants under their
        limit, the one that used the least loop time lately first."""
        held_back = False
        while self._waiting and self._room():
            load = self._load()
            best: tuple[float, int, str] | None = None
            for tenant in self._waiting:
                lane = self._lanes[tenant]
                if lane.running >= self._limit(lane, load):
                    held_back = True
                    continue
                key = (lane.account.level(), lane.waiting[0].seq, tenant)
                if best is None or key < best:
                    best = key
            if best is None:
                break
            lane = self._lanes[best[2]]
            turn = lane.waiting.popleft()
            if not lane.waiting:
                self._waiting.discard(best[2])
            self._start(lane)
            turn.future.set_result(None)
        if held_back and self._waiting and self._recheck is None:
            # A heavy tenant's limit widens as its use decays, with no event to say so: looked
            # at again when the first held back would be under the cap, or a while later.
            self._recheck = asyncio.get_running_loop().call_later(
                self._until_under_cap(), self._rechecked
            )

    def _until_under_cap(self) -> float:
        later = min(self.half_life / 4, 0.5)
        for tenant in self._waiting:
            level = self._lanes[tenant].account.level()
            if level > self._heavy_cap:
                later = min(later, self.half_life * math.log2(level / self._heavy_cap))
        return max(later, 0.001)

    def _rechecked(self) -> None:
        self._recheck = None
        self._dispatch()

    # -- shares ------------------------------------------------------------------------------

    def _lane(self, tenant: str) -> _Lane:
        lane = self._lanes.get(tenant)
        if lane is None:
            lane = self._lanes[tenant] = _Lane(
                Account(self.half_life, self._clock), last_active=self._clock()
            )
        return lane

    def _active(self, lane: _Lane, now: float) -> bool:
        return bool(lane.running or lane.waiting or now - lane.last_active < self.recent)

    def _load(self) -> _Load:
        now = self._clock()
        active = [lane for lane in self._lanes.values() if self._active(lane, now)]
        return _Load(len(active), sum(lane.account.level() for lane in active))

    def _limit(self, lane: _Lane, load: _Load) -> int:
        mine = lane.account.level()
        others = load.active - 1
        if others < 1 or mine <= self._heavy_floor:
            return self.per_tenant
        average = max(0.0, load.usage - mine) / others
        if mine <= self.heavy_factor * average:
            return self.per_tenant
        # Over its share of the loop, a heavy tenant starts nothing until its use decays.
        return 0 if mine > self._heavy_cap else self.heavy_concurrency

    def _sweep(self) -> None:
        """Forget tenants idle long enough that their use has decayed away."""
        now = self._clock()
        if now - self._swept < self.recent:
            return
        self._swept = now
        for tenant, lane in list(self._lanes.items()):
            if not self._active(lane, now) and lane.account.level() < 1e-4:
                del self._lanes[tenant]

    def _refusal(self, lane: _Lane, why: str) -> OperationRefused:
        return OperationRefused(
            f"This server is at its limit of GraphQL operations for this tenant ({lane.running} "
            f"executing, {len(lane.waiting)} queued) and {why}, so this one was not run; send "
            "fewer at once, or retry shortly.",
            retry_after=1.0,
            limit="concurrent_operations",
        )


def operation_admission(settings: Settings) -> OperationAdmission | None:
    """The admission the settings ask for (``None``: operations are not limited)."""
    if settings.graphql_tenant_concurrency == 0:
        return None
    return OperationAdmission(
        per_tenant=settings.graphql_tenant_concurrency,
        max_queued=settings.graphql_tenant_queue,
        max_wait=settings.graphql_tenant_queue_wait,
        worker_limit=settings.graphql_worker_concurrency,
        heavy_concurrency=settings.graphql_tenant_heavy_concurrency,
        heavy_share=settings.graphql_tenant_heavy_share,
        half_life=settings.graphql_fair_half_life,
    )
