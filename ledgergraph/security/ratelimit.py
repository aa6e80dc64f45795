"""Rate limits kept in the store, so every process of the fleet counts the same hits.

* ``RequestLimiter``: requests (and WebSocket connections) per tenant.
* ``UpstreamBudget``: Sage calls per business per minute, checked before each call, so one
  tenant's burst is refused here — ``RATE_LIMITED``, Sage untouched — instead of spending the
  app's Sage allowance that every tenant shares. The allowance itself (calls in flight and per
  day for the whole app, shared out by priority and tenant) is ``connectors/sage/budget.py``.

Both count in a sliding window estimated from two fixed windows (the current one plus the
previous one weighted by how much of it the sliding window still covers): one increment and
one read per hit, and no burst of twice the limit at a window boundary.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable

from ledgergraph.cache import KeyValue, StoreError, keys
from ledgergraph.errors import RateLimited, ServiceUnavailable
from ledgergraph.observability import metrics
from ledgergraph.types import TenantId

__all__ = ["RequestLimiter", "SlidingWindow", "UpstreamBudget"]


class SlidingWindow:
    def __init__(
        self,
        kv: KeyValue,
        *,
        limit: int,
        seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if limit < 1 or seconds <= 0:
            raise ValueError("a rate limit needs a positive limit and window")
        self._kv = kv
        self.limit = limit
        self.seconds = seconds
        self._clock = clock

    async def hit(self, name: Callable[[int], str]) -> float | None:
        """Count one hit under the key ``name(window number)``: ``None`` if it is within the
        limit, else the seconds to wait (a refused hit is not counted)."""
        index, offset = divmod(self._clock(), self.seconds)
        window = int(index)
        elapsed = offset / self.seconds
        # Each counter outlives its own window by one more: it is the next one's "previous".
        current, previous_raw = await asyncio.gather(
            self._kv.incr(name(window), 1, ttl=2 * self.seconds),
            self._kv.get(name(window - 1)),
        )
        previous = int(previous_raw or 0)
        if previous * (1 - elapsed) + current <= self.limit:
            return None
        await self._kv.incr(name(window), -1, ttl=2 * self.seconds)
        return self._wait(previous, current - 1, elapsed)

    def _wait(self, previous: int, current: int, elapsed: float) -> float:
        room = self.limit - current - 1
        # With the current window alone full, wait for it to end.
        needed = 1.0 if room < 0 or previous == 0 else 1 - room / previous
        return float(max(1, math.ceil((needed - elapsed) * self.seconds)))


class RequestLimiter:
    """At most ``limit`` requests per tenant per ``seconds``."""

    def __init__(self, window: SlidingWindow) -> None:
        self._window = window

    async def admit(self, tenant: TenantId) -> None:
        try:
            wait = await self._window.hit(lambda n: keys.rate_limit(tenant, n))
        except StoreError as exc:
            # Fail closed: everything this request would do needs the store too.
            raise ServiceUnavailable(
                "LedgerGraph's store is unavailable; retry shortly (nothing was lost)."
            ) from exc
        if wait is not None:
            metrics.RATE_LIMITED.labels("requests").inc()
            raise RateLimited(
                f"Too many requests for this tenant (at most {self._window.limit} per "
                f"{self._window.seconds:g} s); retry after {wait:g} s.",
                retry_after=wait,
            )


class UpstreamBudget:
    """At most ``limit`` Sage calls per business per window; calls about the Sage user
    rather than a business (``/businesses``) count against the tenant."""

    def __init__(self, window: SlidingWindow) -> None:
        self._window = window

    async def spend(self, tenant: TenantId, business: str | None) -> None:
        def name(n: int) -> str:
            if business is None:
                return keys.sage_user_budget(tenant, n)
            return keys.sage_budget(business, n)

        wait = await self._window.hit(name)
        if wait is not None:
            metrics.RATE_LIMITED.labels("sage_budget").inc()
            raise RateLimited(
                f"This business's budget of {self._window.limit} Sage calls per "
                f"{self._window.seconds:g} s is used up, so LedgerGraph did not call Sage; "
                f"retry after {wait:g} s.",
                retry_after=wait,
                budget="upstream",
            )
