"""How many GraphQL operations of one tenant a worker executes at once.

The Sage budget holds a noisy tenant to its share of Sage, but not of the worker: a tenant
sending fifty queries at once (a backfill, a runaway script) would still have fifty
operations resolving, serializing and parsing on the worker's one event loop, and every
other tenant's query would wait its turn behind them for the CPU. So each worker executes at
most ``per_tenant`` operations of a tenant at once; the tenant's further operations queue, in
the order they came, and start as its running ones finish. Tenants never share a queue: a
flood of one tenant delays another tenant's query only by the CPU of ``per_tenant``
operations, however many it sends.

The queue is short and brief: an operation that has not started within ``max_wait``, or that
finds ``max_queued`` already waiting, is refused with ``RATE_LIMITED`` (retryable) and never
runs. The defaults let a dashboard open its panels at once; only a flood waits.

Per worker, in memory: the question is this process's CPU, which no other worker shares.
Applied to queries and mutations over HTTP and graphql-transport-ws (``http/graphql.py``);
subscriptions, open as long as they last, are bounded per socket instead.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from ledgergraph.errors import RateLimited
from ledgergraph.settings import Settings

__all__ = ["OperationAdmission", "OperationRefused", "operation_admission"]


class OperationRefused(RateLimited):
    """An operation its tenant's queue on this worker had no room or time for: never run."""


@dataclass(slots=True)
class _Lane:
    """One tenant's operations on this worker: how many run, and who waits to."""

    running: int = 0
    waiting: deque[asyncio.Future[None]] = field(default_factory=deque)


class OperationAdmission:
    def __init__(self, *, per_tenant: int, max_queued: int, max_wait: float) -> None:
        if per_tenant < 1 or max_queued < 0 or max_wait < 0:
            raise ValueError("per_tenant must be 1 or more; max_queued and max_wait 0 or more")
        self.per_tenant = per_tenant
        self.max_queued = max_queued
        self.max_wait = max_wait
        self._lanes: dict[str, _Lane] = {}

    def running(self, tenant: str) -> int:
        """Operations of ``tenant`` executing on this worker now."""
        lane = self._lanes.get(tenant)
        return 0 if lane is None else lane.running

    def queued(self, tenant: str) -> int:
        """Operations of ``tenant`` waiting to start on this worker now."""
        lane = self._lanes.get(tenant)
        return 0 if lane is None else len(lane.waiting)

    @asynccontextmanager
    async def admit(self, tenant: str) -> AsyncIterator[None]:
        """Run the block as one of ``tenant``'s operations, once its turn comes."""
        await self._enter(tenant)
        try:
            yield
        finally:
            self._leave(tenant)

    async def _enter(self, tenant: str) -> None:
        lane = self._lanes.setdefault(tenant, _Lane())
        if lane.running < self.per_tenant and not lane.waiting:
            lane.running += 1
            return
        if len(lane.waiting) >= self.max_queued:
            self._tidy(tenant, lane)
            raise self._refusal("and as many are queued already")
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        lane.waiting.append(turn)
        try:
            async with asyncio.timeout(self.max_wait):
                # Shielded: a timeout must not cancel a turn already handed over (its slot is
                # then given back below, not lost).
                await asyncio.shield(turn)
        except BaseException as exc:
            if turn.done() and not turn.cancelled():
                self._leave(tenant)  # handed over just as it gave up: pass it on
            else:
                turn.cancel()
                lane.waiting.remove(turn)
                self._tidy(tenant, lane)
            if isinstance(exc, TimeoutError):
                raise self._refusal(f"and it did not start within {self.max_wait:g} s") from None
            raise
        # The slot came with the turn: ``running`` was not lowered when it was handed over.

    def _leave(self, tenant: str) -> None:
        lane = self._lanes[tenant]
        while lane.waiting:
            turn = lane.waiting.popleft()
            if not turn.done():
                turn.set_result(None)  # its slot is this one: ``running`` stays
                return
        lane.running -= 1
        self._tidy(tenant, lane)

    def _tidy(self, tenant: str, lane: _Lane) -> None:
        if lane.running == 0 and not lane.waiting:
            self._lanes.pop(tenant, None)

    def _refusal(self, why: str) -> OperationRefused:
        return OperationRefused(
            f"This tenant already has {self.per_tenant} GraphQL operations executing on this "
            f"server {why}, so this one was not run; send fewer at once, or retry shortly.",
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
    )
