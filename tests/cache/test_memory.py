"""What only the memory store can show: expiry and trimming on an injected clock, no sleeping."""

from __future__ import annotations

import pytest

from ledgergraph.cache import CursorExpired, MemoryStore, open_store


class FakeClock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(clock: FakeClock) -> MemoryStore:
    return MemoryStore(clock=clock, wall_clock=clock)


async def test_value_lives_exactly_its_ttl(store: MemoryStore, clock: FakeClock) -> None:
    await store.kv.set("k", b"v", ttl=30)
    clock.advance(29.999)
    assert await store.kv.get("k") == b"v"
    clock.advance(0.001)
    assert await store.kv.get("k") is None


async def test_counter_window_is_not_extended_by_increments(
    store: MemoryStore, clock: FakeClock
) -> None:
    for _ in range(5):
        await store.kv.incr("rate", ttl=60)
        clock.advance(10)
    assert await store.kv.get("rate") == b"5"
    clock.advance(10)
    assert await store.kv.get("rate") is None
    assert await store.kv.incr("rate", ttl=60) == 1


async def test_lock_is_free_once_its_lease_runs_out(store: MemoryStore, clock: FakeClock) -> None:
    lease = await store.locks.acquire("worker", ttl=30)
    assert lease is not None
    clock.advance(20)
    assert await store.locks.extend(lease, ttl=30)
    clock.advance(29)
    assert await store.locks.acquire("worker", ttl=30) is None
    clock.advance(1)
    assert await store.locks.owner("worker") is None
    assert await store.locks.acquire("worker", ttl=30) is not None
    assert not await store.locks.extend(lease, ttl=30)


async def test_age_trimming_keeps_entries_exactly_max_age_old(
    store: MemoryStore, clock: FakeClock
) -> None:
    first = await store.streams.append("events", b"first")
    clock.advance(60)
    await store.streams.append("events", b"second", max_age=60)
    assert [e.payload for e in await store.streams.read("events")] == [b"first", b"second"]
    clock.advance(0.001)
    await store.streams.append("events", b"third", max_age=60)
    assert [e.payload for e in await store.streams.read("events")] == [b"second", b"third"]
    with pytest.raises(CursorExpired):
        await store.streams.read("events", "0-0")
    assert len(await store.streams.read("events", first)) == 2


async def test_ids_keep_increasing_when_the_wall_clock_steps_back(
    store: MemoryStore, clock: FakeClock
) -> None:
    a = await store.streams.append("events", b"a")
    clock.advance(-5)
    b = await store.streams.append("events", b"b")
    clock.advance(10)
    c = await store.streams.append("events", b"c")
    assert a == "1700000000000-0"
    assert b == "1700000000000-1"
    assert c == "1700000005000-0"


async def test_many_expired_keys_do_not_outlive_their_ttl(
    store: MemoryStore, clock: FakeClock
) -> None:
    for i in range(1000):
        await store.kv.set(f"k{i}", b"v", ttl=1)
        await store.kv.set("rewritten", b"v", ttl=1)
    clock.advance(1)
    await store.kv.set("survivor", b"v")
    assert await store.kv.get("k0") is None
    assert await store.kv.get("rewritten") is None
    assert await store.kv.get("survivor") == b"v"


def test_open_store_without_a_url_is_a_memory_store() -> None:
    assert isinstance(open_store(None), MemoryStore)
