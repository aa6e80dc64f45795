"""How often each business of a tenant is polled: adaptive, jittered, and slower when the
Sage app's day runs short.

Sage budgets requests per *application* (1,296,000 a day for the whole fleet), and a poll of
one business costs two requests per resource kind subscribed (see docs/scaling.md). Most
businesses change rarely, so polling them all at the base interval spends most of the app's
day on empty answers. Per business:

- a poll that finds a change (or a write LedgerGraph made to the business) snaps its interval
  back to the base interval ``interval``: someone is working there, more is likely to follow;
- a poll that finds nothing doubles it, up to ``idle_max``: an idle business costs
  ``interval / idle_max`` of a busy one;
- every interval is jittered (±``jitter``), so businesses whose pollers started together (a
  worker restart hands many tenants over at once) drift apart instead of polling in lockstep;
- when less than ``slow_below`` of the app's daily budget is left, every interval is stretched
  by ``slow_below / fraction_left`` (at most ``max_stretch``): polling, which nobody waits on
  this very second, gives way first, long before an interactive request would be refused.

Pure bookkeeping over an injected clock and random source: no I/O here.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

__all__ = ["CachedHeadroom", "Headroom", "Pacing", "Schedule"]

log = logging.getLogger(__name__)


class Headroom(Protocol):
    """What is left of the Sage application's budget for the day (fleet-wide)."""

    async def day_fraction_left(self) -> float:
        """0.0 (nothing left) to 1.0 (nothing spent yet) of the app's daily Sage budget."""
        ...


@dataclass(frozen=True, slots=True)
class Pacing:
    interval: float = 15.0
    idle_max: float = 120.0
    jitter: float = 0.1
    slow_below: float = 0.3
    max_stretch: float = 8.0

    def stretch(self, fraction_left: float) -> float:
        """How much longer every interval gets with ``fraction_left`` of the day's budget."""
        if fraction_left >= self.slow_below:
            return 1.0
        if fraction_left <= 0.0:
            return self.max_stretch
        return max(1.0, min(self.max_stretch, self.slow_below / fraction_left))


@dataclass(slots=True)
class _Pace:
    interval: float  # the business's current (unstretched) interval
    due: float  # when it is polled next (the schedule's clock)
    idle: int = 0  # polls in a row that found nothing


class Schedule:
    """When each business of one tenant is polled next."""

    def __init__(self, pacing: Pacing, *, rng: random.Random | None = None) -> None:
        self.pacing = pacing
        self._rng = rng or random.Random()
        self._paces: dict[str, _Pace] = {}
        # How often each business came back from a slowed pace to the base one.
        self.resets: Counter[str] = Counter()

    def keep(self, businesses: Iterable[str], now: float) -> None:
        """Track exactly ``businesses``: a new one is due almost at once (within the jitter),
        one nobody wants any more is forgotten (it starts afresh if wanted again)."""
        wanted = set(businesses)
        for business in list(self._paces):
            if business not in wanted:
                del self._paces[business]
        for business in wanted - set(self._paces):
            spread = self.pacing.interval * self.pacing.jitter
            self._paces[business] = _Pace(
                self.pacing.interval, now + self._rng.uniform(0.0, spread)
            )

    def due(self, now: float) -> list[str]:
        return sorted(b for b, pace in self._paces.items() if pace.due <= now)

    def next_due(self) -> float | None:
        return min((pace.due for pace in self._paces.values()), default=None)

    def polled(self, business: str, now: float, *, changed: bool, stretch: float = 1.0) -> None:
        """Record a poll of ``business`` and schedule its next one."""
        pace = self._paces.get(business)
        if pace is None:
            return
        if changed:
            self._reset(business, pace)
        else:
            pace.idle += 1
            if pace.idle > 1:
                # The first empty poll after a change keeps the pace: edits come in bursts.
                pace.interval = min(self._idle_max, pace.interval * 2.0)
        pace.due = now + self._jittered(pace.interval * stretch)

    def snap_back(self, business: str, now: float, *, stretch: float = 1.0) -> None:
        """Someone is working in ``business`` (LedgerGraph wrote to it): back to the base pace."""
        pace = self._paces.get(business)
        if pace is None or pace.interval <= self.pacing.interval:
            return
        self._reset(business, pace)
        pace.due = min(pace.due, now + self._jittered(pace.interval * stretch))

    def due_at(self, business: str) -> float | None:
        pace = self._paces.get(business)
        return None if pace is None else pace.due

    def interval(self, business: str) -> float | None:
        """The business's current unstretched interval (``None``: not tracked)."""
        pace = self._paces.get(business)
        return None if pace is None else pace.interval

    def _reset(self, business: str, pace: _Pace) -> None:
        if pace.interval > self.pacing.interval:
            self.resets[business] += 1
        pace.interval, pace.idle = self.pacing.interval, 0

    @property
    def _idle_max(self) -> float:
        return max(self.pacing.interval, self.pacing.idle_max)

    def _jittered(self, seconds: float) -> float:
        spread = self.pacing.jitter
        return seconds * self._rng.uniform(1.0 - spread, 1.0 + spread)


class CachedHeadroom:
    """One process's view of the headroom, re-read at most every ``ttl`` seconds.

    Every tenant's poller asks before each round; they share one answer instead of each
    reading the fleet's budget. A failing read keeps the last known answer (1.0 before any):
    not knowing is no reason to slow down, and the budget itself still refuses what is over.
    """

    def __init__(
        self, headroom: Headroom, *, ttl: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._headroom = headroom
        self._ttl = ttl
        self._clock = clock
        self._value = 1.0
        self._read_at: float | None = None
        self._lock = asyncio.Lock()

    async def day_fraction_left(self) -> float:
        if self._fresh():
            return self._value
        async with self._lock:
            if self._fresh():
                return self._value
            try:
                value = await self._headroom.day_fraction_left()
            except Exception as exc:  # a store error, or anything the implementation raises
                log.warning("could not read the Sage budget's headroom: %s", exc)
            else:
                self._value = min(1.0, max(0.0, float(value)))
            self._read_at = self._clock()
            return self._value

    def _fresh(self) -> bool:
        return self._read_at is not None and self._clock() - self._read_at < self._ttl
