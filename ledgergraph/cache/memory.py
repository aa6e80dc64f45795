"""The in-memory store: one process, one event loop, no persistence.

The embedded default, held to the same contract tests as the Redis store. Every operation
yields to the event loop once, as a network round trip would, so races in callers show up here
too. Expiry is measured on an injectable monotonic ``clock``; stream ids on ``wall_clock``.
"""

from __future__ import annotations

import asyncio
import heapq
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Generic, Self, TypeVar

from ledgergraph.cache.exceptions import CursorExpired, StoreError
from ledgergraph.cache.locks import new_token, wait_for_lease
from ledgergraph.cache.streamids import (
    ZERO,
    StreamId,
    StreamState,
    cursor_expired,
    format_id,
    parse_id,
)
from ledgergraph.cache.types import Durability, Entry, Lease, Versioned
from ledgergraph.cache.validation import check_count, check_positive, check_ttl

__all__ = ["MemoryKeyValue", "MemoryLocks", "MemoryStore", "MemoryStreams"]

Clock = Callable[[], float]
V = TypeVar("V")

_INT64 = range(-(2**63), 2**63)


class _ExpiringMap(Generic[V]):
    """A dict whose items vanish at their deadline, purged through a heap of deadlines."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._items: dict[str, tuple[V, float | None]] = {}
        # May hold stale deadlines of overwritten items; _purge skips them.
        self._deadlines: list[tuple[float, str]] = []

    def get(self, key: str) -> V | None:
        self._purge()
        item = self._items.get(key)
        return None if item is None else item[0]

    def put(self, key: str, value: V, ttl: float | None) -> None:
        deadline = None if ttl is None else self._clock() + ttl
        self._items[key] = (value, deadline)
        if deadline is not None:
            heapq.heappush(self._deadlines, (deadline, key))
            if len(self._deadlines) > 2 * len(self._items) + 64:
                self._compact()

    def replace(self, key: str, value: V) -> None:
        """Give the existing ``key`` a new value, keeping its deadline."""
        self._items[key] = (value, self._items[key][1])

    def pop(self, key: str) -> V | None:
        self._purge()
        item = self._items.pop(key, None)
        return None if item is None else item[0]

    def _purge(self) -> None:
        now = self._clock()
        while self._deadlines and self._deadlines[0][0] <= now:
            _, key = heapq.heappop(self._deadlines)
            item = self._items.get(key)
            if item is not None and item[1] is not None and item[1] <= now:
                del self._items[key]

    def _compact(self) -> None:
        self._deadlines = [(d, k) for k, (_, d) in self._items.items() if d is not None]
        heapq.heapify(self._deadlines)


@dataclass(frozen=True, slots=True)
class _Record:
    value: bytes
    version: int


class MemoryKeyValue:
    def __init__(self, clock: Clock) -> None:
        self._map: _ExpiringMap[bytes | _Record] = _ExpiringMap(clock)
        # One counter for all keys: a recreated record never gets back an old version.
        self._versions = 0

    async def get(self, key: str) -> bytes | None:
        await asyncio.sleep(0)
        return self._plain(key)

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        await asyncio.sleep(0)
        values = [self._map.get(key) for key in keys]
        return [value if isinstance(value, bytes) else None for value in values]

    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        check_ttl(ttl)
        await asyncio.sleep(0)
        self._map.put(key, bytes(value), ttl)

    async def set_if_absent(self, key: str, value: bytes, ttl: float | None = None) -> bool:
        check_ttl(ttl)
        await asyncio.sleep(0)
        if self._map.get(key) is not None:
            return False
        self._map.put(key, bytes(value), ttl)
        return True

    async def delete(self, key: str) -> bool:
        await asyncio.sleep(0)
        return self._map.pop(key) is not None

    async def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        check_ttl(ttl)
        await asyncio.sleep(0)
        current = self._plain(key)
        try:
            result = (0 if current is None else int(current)) + amount
        except ValueError:
            raise StoreError(f"value at {key!r} is not an integer") from None
        if result not in _INT64:
            raise StoreError(f"incrementing {key!r} would overflow")
        if current is None:
            self._map.put(key, str(result).encode(), ttl)
        else:
            self._map.replace(key, str(result).encode())
        return result

    async def get_versioned(self, key: str) -> Versioned | None:
        await asyncio.sleep(0)
        record = self._record(key)
        return None if record is None else Versioned(record.value, record.version)

    async def compare_and_set(
        self, key: str, value: bytes, expected_version: int | None, ttl: float | None = None
    ) -> int | None:
        check_ttl(ttl)
        await asyncio.sleep(0)
        record = self._record(key)
        if (None if record is None else record.version) != expected_version:
            return None
        self._versions += 1
        self._map.put(key, _Record(bytes(value), self._versions), ttl)
        return self._versions

    async def compare_and_delete(self, key: str, expected_version: int) -> bool:
        await asyncio.sleep(0)
        record = self._record(key)
        if record is None or record.version != expected_version:
            return False
        self._map.pop(key)
        return True

    def _plain(self, key: str) -> bytes | None:
        value = self._map.get(key)
        if isinstance(value, _Record):
            raise StoreError(f"{key!r} holds a versioned record, not a plain value")
        return value

    def _record(self, key: str) -> _Record | None:
        value = self._map.get(key)
        if isinstance(value, bytes):
            raise StoreError(f"{key!r} holds a plain value, not a versioned record")
        return value


class MemoryLocks:
    def __init__(self, clock: Clock) -> None:
        self._owners: _ExpiringMap[str] = _ExpiringMap(clock)

    async def acquire(self, name: str, ttl: float) -> Lease | None:
        check_positive("ttl", ttl)
        await asyncio.sleep(0)
        if self._owners.get(name) is not None:
            return None
        lease = Lease(name, new_token())
        self._owners.put(name, lease.token, ttl)
        return lease

    async def acquire_wait(
        self,
        name: str,
        ttl: float,
        timeout: float,  # noqa: ASYNC109
        poll: float = 0.05,
    ) -> Lease | None:
        check_positive("ttl", ttl)
        return await wait_for_lease(lambda: self.acquire(name, ttl), timeout, poll)

    async def release(self, lease: Lease) -> bool:
        await asyncio.sleep(0)
        if self._owners.get(lease.name) != lease.token:
            return False
        self._owners.pop(lease.name)
        return True

    async def extend(self, lease: Lease, ttl: float) -> bool:
        check_positive("ttl", ttl)
        await asyncio.sleep(0)
        if self._owners.get(lease.name) != lease.token:
            return False
        self._owners.put(lease.name, lease.token, ttl)
        return True

    async def owner(self, name: str) -> str | None:
        await asyncio.sleep(0)
        return self._owners.get(name)


@dataclass(slots=True)
class _Stream:
    ids: list[StreamId] = field(default_factory=list)
    payloads: list[bytes] = field(default_factory=list)
    last: StreamId = ZERO
    max_trimmed: StreamId = ZERO

    def state(self) -> StreamState:
        return StreamState(True, self.last, self.max_trimmed, self.ids[0] if self.ids else None)

    def trim_before(self, index: int) -> None:
        if index > 0:
            self.max_trimmed = self.ids[index - 1]
            del self.ids[:index]
            del self.payloads[:index]


class MemoryStreams:
    def __init__(self, wall_clock: Clock) -> None:
        self._wall_clock = wall_clock
        self._streams: dict[str, _Stream] = {}
        # Set (and dropped) by append, awaited by blocked readers of that stream.
        self._appended: dict[str, asyncio.Event] = {}

    async def append(
        self,
        stream: str,
        payload: bytes,
        *,
        max_len: int | None = None,
        max_age: float | None = None,
    ) -> str:
        if max_len is not None:
            check_count("max_len", max_len)
        if max_age is not None:
            check_positive("max_age", max_age)
        await asyncio.sleep(0)
        s = self._streams.setdefault(stream, _Stream())
        ms = int(self._wall_clock() * 1000)
        # Like Redis: a clock that steps back never makes ids go back.
        new = (ms, 0) if ms > s.last[0] else (s.last[0], s.last[1] + 1)
        s.ids.append(new)
        s.payloads.append(bytes(payload))
        s.last = new
        if max_len is not None:
            s.trim_before(len(s.ids) - max_len)
        if max_age is not None:
            s.trim_before(bisect_left(s.ids, (new[0] - round(max_age * 1000), 0)))
        event = self._appended.pop(stream, None)
        if event is not None:
            event.set()
        return format_id(new)

    async def read(
        self,
        stream: str,
        after: str | None = None,
        *,
        count: int = 100,
        block: float | None = None,
    ) -> list[Entry]:
        check_count("count", count)
        cursor = None if after is None else parse_id(after)
        if block is not None:
            check_positive("block", block)
        await asyncio.sleep(0)
        entries = self._read_now(stream, cursor, count)
        if entries or block is None:
            return entries
        event = self._appended.setdefault(stream, asyncio.Event())
        try:
            async with asyncio.timeout(block):
                await event.wait()
        except TimeoutError:
            return []
        return self._read_now(stream, cursor, count)

    async def last_id(self, stream: str) -> str:
        await asyncio.sleep(0)
        s = self._streams.get(stream)
        return format_id(ZERO if s is None else s.last)

    def _read_now(self, stream: str, cursor: StreamId | None, count: int) -> list[Entry]:
        s = self._streams.get(stream)
        state = StreamState(False, ZERO, ZERO, None) if s is None else s.state()
        if cursor is not None and cursor_expired(cursor, state):
            raise CursorExpired(stream, format_id(cursor))
        if s is None:
            return []
        start = 0 if cursor is None else bisect_right(s.ids, cursor)
        stop = start + count
        return [
            Entry(format_id(i), p)
            for i, p in zip(s.ids[start:stop], s.payloads[start:stop], strict=True)
        ]


class MemoryStore:
    """Key-value, locks and streams of a single process (``open_store(None)``)."""

    def __init__(self, *, clock: Clock = time.monotonic, wall_clock: Clock = time.time) -> None:
        self.kv = MemoryKeyValue(clock)
        self.locks = MemoryLocks(clock)
        self.streams = MemoryStreams(wall_clock)

    async def ping(self) -> None:
        await asyncio.sleep(0)

    async def shard_tags(self) -> tuple[str, ...]:
        return ("",)

    async def durability(self) -> Durability:
        return Durability(
            survives_restart=False,
            evicts=False,
            detail="the in-memory store: everything is lost when this process stops",
        )

    async def aclose(self) -> None:
        pass

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
