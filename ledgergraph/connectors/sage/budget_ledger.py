"""The books of the Sage app's budget: slots in flight and calls counted today, fleet-wide.

Sage limits requests per client application, so every worker of a deployment spends from one
allowance. The ledger is where they all count it:

* **slots**: a sorted set of leases, one per Sage call in flight, scored by when the lease
  expires. A worker renews its leases while its calls run; a worker that dies stops renewing,
  and its slots are taken back by the next claim after the lease ran out. A hash counts each
  tenant's live leases, so one tenant's share of the slots is capped fleet-wide;
* **counters**: calls of the (UTC) day and of the minute, and each tenant's calls of the day
  (a sorted set, read for the heaviest tenants). Counters expire a day after their window;
* **waiting marks**: a worker whose interactive (or polling) call found no free slot says so,
  for a second; while it does, less urgent calls of every worker wait, so the next free slot
  goes to the most urgent class fleet-wide, not to whoever asks first.

``RedisLedger`` keeps all of this under one hash tag (``{sage-app}``): one Redis Cluster slot,
so each check-and-take is a single atomic script. ``MemoryLedger`` is the same for a
deployment of one process on the memory store.
"""

from __future__ import annotations

import enum
import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ledgergraph.cache import keys
from ledgergraph.cache.redis import RedisStore

__all__ = [
    "AppLimits",
    "Claim",
    "Ledger",
    "MemoryLedger",
    "RedisLedger",
    "Usage",
    "Verdict",
    "Window",
    "key_names",
]

DAY = 86_400.0
MINUTE = 60.0


@dataclass(frozen=True, slots=True)
class AppLimits:
    """The app's allowance (Sage's own figures by default) and how LedgerGraph shares it."""

    in_flight: int = 140
    per_day: int = 1_296_000
    per_minute: int | None = None
    #: Slots one tenant may hold at once, fleet-wide (None: no cap of its own).
    tenant_in_flight: int | None = 35
    #: Seconds a slot stays taken without renewal (a dead worker's slots return after this).
    lease: float = 10.0
    #: Fractions of the day's budget below which polling, then background calls, stop.
    polling_floor: float = 0.10
    background_floor: float = 0.20

    def __post_init__(self) -> None:
        if self.in_flight < 1 or self.per_day < 1 or self.lease <= 0:
            raise ValueError("the Sage app budget needs positive limits and lease")
        if not 0 <= self.polling_floor <= self.background_floor < 1:
            raise ValueError("floors must satisfy 0 <= polling <= background < 1")

    def floor(self, priority: int) -> int:
        """Calls of the day kept back from calls of ``priority`` (0: interactive)."""
        fraction = (0.0, self.polling_floor, self.background_floor)[priority]
        return math.ceil(self.per_day * fraction)


class Verdict(enum.IntEnum):
    GRANTED = 0
    BUSY = 1  # every slot taken, or a more urgent class waits for one
    TENANT_BUSY = 2  # this tenant holds its whole share of the slots
    MINUTE_FULL = 3
    RESERVED = 4  # what is left of the day is kept for more urgent calls
    EXHAUSTED = 5  # the day's budget is spent


@dataclass(frozen=True, slots=True)
class Window:
    """The day and minute a claim falls in, from the worker's clock."""

    day: int
    minute: int
    #: How far into the minute (0-1), for the sliding estimate of the minute's calls.
    elapsed: float

    @classmethod
    def at(cls, now: float) -> Window:
        minute, offset = divmod(now, MINUTE)
        return cls(day=int(now // DAY), minute=int(minute), elapsed=offset / MINUTE)


@dataclass(frozen=True, slots=True)
class Claim:
    lease: str  # the slot's member: "<random>:<tenant>"
    tenant: str
    priority: int
    worker: str
    #: More calls of this class wait on this worker: keep its waiting mark after a grant.
    keep_mark: bool
    window: Window


@dataclass(frozen=True, slots=True)
class Answer:
    verdict: Verdict
    used: int  # calls of the day, after this one if granted


@dataclass(frozen=True, slots=True)
class Usage:
    day: int
    used: int
    in_flight: int
    #: Tenants with the most calls today, heaviest first.
    heaviest: list[tuple[str, int]] = field(default_factory=list)
    #: Slots each tenant holds now.
    holding: dict[str, int] = field(default_factory=dict)


def lease_name(token: str, tenant: str) -> str:
    return f"{token}:{tenant}"


class Ledger(Protocol):
    limits: AppLimits

    async def acquire(self, claim: Claim) -> Answer: ...

    async def release(self, lease: str, tenant: str) -> None: ...

    async def renew(self, leases: Sequence[str]) -> None: ...

    async def charge(self, tenant: str | None, window: Window) -> int:
        """Count a call that takes no slot and never waits (a token refresh)."""
        ...

    async def day_used(self, day: int) -> int: ...

    async def usage(self, day: int, top: int) -> Usage: ...


# -- Redis --------------------------------------------------------------------------------

# Slots whose lease ran out (their worker stopped renewing) are free again.
# KEYS[1] slots, KEYS[2] slots per tenant. Defines `now` (ms, Redis's clock).
_PURGE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
for _, member in ipairs(expired) do
  local owner = string.match(member, '^[^:]*:(.*)$')
  if owner and redis.call('HINCRBY', KEYS[2], owner, -1) <= 0 then
    redis.call('HDEL', KEYS[2], owner)
  end
end
if #expired > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
end
"""

# KEYS: slots, slots per tenant, day, day per tenant, minute, previous minute, waiting
# interactive, waiting polling. ARGV: lease member, tenant, lease ms, cap, tenant cap (0: none),
# day limit, floor, minute limit (0: none), minute elapsed (0-1), priority, worker, mark ms,
# keep mark (0/1), counter ttl ms. Returns {verdict, calls of the day}.
ACQUIRE = (
    _PURGE
    + """
local used = tonumber(redis.call('GET', KEYS[3]) or '0')
local limit = tonumber(ARGV[6])
if used >= limit then return {5, used} end
if limit - used <= tonumber(ARGV[7]) then return {4, used} end
local priority = tonumber(ARGV[10])
for class = 0, priority - 1 do
  local marks = KEYS[7 + class]
  redis.call('ZREMRANGEBYSCORE', marks, '-inf', now)
  if redis.call('ZCARD', marks) > 0 then return {1, used} end
end
local per_minute = tonumber(ARGV[8])
if per_minute > 0 then
  local current = tonumber(redis.call('GET', KEYS[5]) or '0')
  local previous = tonumber(redis.call('GET', KEYS[6]) or '0')
  if previous * (1 - tonumber(ARGV[9])) + current + 1 > per_minute then return {3, used} end
end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then
  if priority < 2 then
    redis.call('ZADD', KEYS[7 + priority], now + tonumber(ARGV[12]), ARGV[11])
  end
  return {1, used}
end
local tenant_cap = tonumber(ARGV[5])
if tenant_cap > 0 and tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '0') >= tenant_cap then
  return {2, used}
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
used = redis.call('INCR', KEYS[3])
redis.call('PEXPIRE', KEYS[3], ARGV[14], 'NX')
redis.call('ZINCRBY', KEYS[4], 1, ARGV[2])
redis.call('PEXPIRE', KEYS[4], ARGV[14], 'NX')
if per_minute > 0 then
  redis.call('INCR', KEYS[5])
  redis.call('PEXPIRE', KEYS[5], ARGV[14], 'NX')
end
if priority < 2 and ARGV[13] == '0' then
  redis.call('ZREM', KEYS[7 + priority], ARGV[11])
end
return {0, used}
"""
)

# KEYS: slots, slots per tenant. ARGV: lease member, tenant.
RELEASE = """
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then
  if redis.call('HINCRBY', KEYS[2], ARGV[2], -1) <= 0 then
    redis.call('HDEL', KEYS[2], ARGV[2])
  end
  return 1
end
return 0
"""

# KEYS: slots. ARGV: lease ms, lease members... (a lease already taken back stays gone).
RENEW = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local renewed = 0
for i = 2, #ARGV do
  renewed = renewed + redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[1]), ARGV[i])
end
return renewed
"""

# KEYS: day, day per tenant, minute. ARGV: tenant ('' for none), counter ttl ms, minute (0/1).
CHARGE = """
local used = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2], 'NX')
if ARGV[1] ~= '' then
  redis.call('ZINCRBY', KEYS[2], 1, ARGV[1])
  redis.call('PEXPIRE', KEYS[2], ARGV[2], 'NX')
end
if ARGV[3] == '1' then
  redis.call('INCR', KEYS[3])
  redis.call('PEXPIRE', KEYS[3], ARGV[2], 'NX')
end
return used
"""

# KEYS: slots, slots per tenant, day, day per tenant. ARGV: how many heaviest tenants.
USAGE = (
    _PURGE
    + """
local top = {}
if tonumber(ARGV[1]) > 0 then
  top = redis.call('ZRANGE', KEYS[4], 0, tonumber(ARGV[1]) - 1, 'REV', 'WITHSCORES')
end
return {
  tonumber(redis.call('GET', KEYS[3]) or '0'),
  redis.call('ZCARD', KEYS[1]),
  top,
  redis.call('HGETALL', KEYS[2]),
}
"""
)


def key_names(day: int, minute: int = 0) -> dict[str, str]:
    """The store names the scripts take, for UTC day ``day`` and minute ``minute``."""
    return {
        "slots": keys.sage_app("slots"),
        "holding": keys.sage_app("slots-by-tenant"),
        "day": keys.sage_app(f"day:{day}"),
        "day_tenants": keys.sage_app(f"day-by-tenant:{day}"),
        "minute": keys.sage_app(f"minute:{minute}"),
        "previous": keys.sage_app(f"minute:{minute - 1}"),
        "waiting0": keys.sage_app("waiting:0"),
        "waiting1": keys.sage_app("waiting:1"),
    }


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _pairs(flat: Sequence[Any]) -> list[tuple[str, int]]:
    return [(_text(flat[i]), int(float(_text(flat[i + 1])))) for i in range(0, len(flat), 2)]


# A counter outlives its window by a day: the admin route still shows yesterday's figures.
COUNTER_TTL_MS = int(2 * DAY * 1000)


class RedisLedger:
    def __init__(self, store: RedisStore, limits: AppLimits, *, mark_ttl: float = 1.0) -> None:
        self.limits = limits
        self._store = store
        self._mark_ms = max(1, round(mark_ttl * 1000))
        self._acquire = store.script(ACQUIRE)
        self._release = store.script(RELEASE)
        self._renew = store.script(RENEW)
        self._charge = store.script(CHARGE)
        self._usage = store.script(USAGE)

    async def acquire(self, claim: Claim) -> Answer:
        n = key_names(claim.window.day, claim.window.minute)
        limits = self.limits
        verdict, used = await self._acquire(
            [n[k] for k in ("slots", "holding", "day", "day_tenants", "minute", "previous")]
            + [n["waiting0"], n["waiting1"]],
            [
                claim.lease,
                claim.tenant,
                max(1, round(limits.lease * 1000)),
                limits.in_flight,
                limits.tenant_in_flight or 0,
                limits.per_day,
                limits.floor(claim.priority),
                limits.per_minute or 0,
                repr(claim.window.elapsed),
                claim.priority,
                claim.worker,
                self._mark_ms,
                1 if claim.keep_mark else 0,
                COUNTER_TTL_MS,
            ],
        )
        return Answer(Verdict(int(verdict)), int(used))

    async def release(self, lease: str, tenant: str) -> None:
        n = key_names(0)
        await self._release([n["slots"], n["holding"]], [lease, tenant])

    async def renew(self, leases: Sequence[str]) -> None:
        if leases:
            lease_ms = max(1, round(self.limits.lease * 1000))
            await self._renew([key_names(0)["slots"]], [lease_ms, *leases])

    async def charge(self, tenant: str | None, window: Window) -> int:
        n = key_names(window.day, window.minute)
        used = await self._charge(
            [n["day"], n["day_tenants"], n["minute"]],
            [tenant or "", COUNTER_TTL_MS, 1 if self.limits.per_minute else 0],
        )
        return int(used)

    async def day_used(self, day: int) -> int:
        raw = await self._store.kv.get(key_names(day)["day"])
        return int(raw or 0)

    async def usage(self, day: int, top: int) -> Usage:
        n = key_names(day)
        used, in_flight, heaviest, holding = await self._usage(
            [n["slots"], n["holding"], n["day"], n["day_tenants"]], [top]
        )
        return Usage(
            day=day,
            used=int(used),
            in_flight=int(in_flight),
            heaviest=_pairs(heaviest),
            holding={tenant: count for tenant, count in _pairs(holding) if count > 0},
        )


# -- one process --------------------------------------------------------------------------


class MemoryLedger:
    """The same books for a single process (the memory store): nothing to share, no crash to
    survive, but the same limits, floors, shares and counters."""

    def __init__(self, limits: AppLimits, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._slots: dict[str, tuple[str, float]] = {}  # lease → (tenant, expiry)
        self._days: Counter[int] = Counter()
        self._tenants: dict[int, Counter[str]] = {}
        self._minutes: Counter[int] = Counter()
        self._marks: dict[int, float] = {}  # priority → until

    def _purge(self, now: float) -> None:
        for lease, (_tenant, expiry) in list(self._slots.items()):
            if expiry <= now:
                del self._slots[lease]

    def _holding(self, tenant: str) -> int:
        return sum(1 for owner, _ in self._slots.values() if owner == tenant)

    async def acquire(self, claim: Claim) -> Answer:
        limits, window = self.limits, claim.window
        now = self._clock()
        self._purge(now)
        used = self._days[window.day]
        if used >= limits.per_day:
            return Answer(Verdict.EXHAUSTED, used)
        if limits.per_day - used <= limits.floor(claim.priority):
            return Answer(Verdict.RESERVED, used)
        if any(self._marks.get(c, -math.inf) > now for c in range(claim.priority)):
            return Answer(Verdict.BUSY, used)
        if limits.per_minute:
            estimate = self._minutes[window.minute - 1] * (1 - window.elapsed)
            if estimate + self._minutes[window.minute] + 1 > limits.per_minute:
                return Answer(Verdict.MINUTE_FULL, used)
        if len(self._slots) >= limits.in_flight:
            if claim.priority < 2:
                self._marks[claim.priority] = now + 1.0
            return Answer(Verdict.BUSY, used)
        if limits.tenant_in_flight and self._holding(claim.tenant) >= limits.tenant_in_flight:
            return Answer(Verdict.TENANT_BUSY, used)
        self._slots[claim.lease] = (claim.tenant, now + limits.lease)
        self._count(claim.tenant, window)
        if claim.priority < 2 and not claim.keep_mark:
            self._marks.pop(claim.priority, None)
        return Answer(Verdict.GRANTED, self._days[window.day])

    def _count(self, tenant: str | None, window: Window) -> None:
        self._days[window.day] += 1
        if tenant:
            self._tenants.setdefault(window.day, Counter())[tenant] += 1
        self._minutes[window.minute] += 1
        for old in [m for m in self._minutes if m < window.minute - 1]:
            del self._minutes[old]
        for old in [d for d in self._days if d < window.day - 1]:
            del self._days[old]
            self._tenants.pop(old, None)

    async def release(self, lease: str, tenant: str) -> None:
        self._slots.pop(lease, None)

    async def renew(self, leases: Sequence[str]) -> None:
        until = self._clock() + self.limits.lease
        for lease in leases:
            if lease in self._slots:
                self._slots[lease] = (self._slots[lease][0], until)

    async def charge(self, tenant: str | None, window: Window) -> int:
        self._count(tenant, window)
        return self._days[window.day]

    async def day_used(self, day: int) -> int:
        return self._days[day]

    async def usage(self, day: int, top: int) -> Usage:
        self._purge(self._clock())
        holding = Counter(owner for owner, _ in self._slots.values())
        return Usage(
            day=day,
            used=self._days[day],
            in_flight=len(self._slots),
            heaviest=self._tenants.get(day, Counter()).most_common(top),
            holding=dict(holding),
        )
