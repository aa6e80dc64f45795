"""What only the Redis store can show: several processes, Redis failures, the key layout."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest
from redis.asyncio import Redis
from redis.crc import key_slot

from ledgergraph.cache import (
    CursorExpired,
    RedisOptions,
    RedisStore,
    StoreUnavailable,
    open_store,
)
from tests.redis_server import RedisProcess

pytestmark = pytest.mark.redis

FAST = RedisOptions(timeout=0.3, connect_timeout=0.2)


@pytest.fixture
async def two_processes(redis_url: str, key_prefix: str) -> AsyncIterator[tuple[RedisStore, ...]]:
    async with (
        RedisStore(redis_url, prefix=key_prefix) as a,
        RedisStore(redis_url, prefix=key_prefix) as b,
    ):
        yield a, b


@pytest.fixture
def own_redis() -> Iterator[RedisProcess]:
    """A Redis of this test's own, free to be stopped and restarted."""
    with RedisProcess() as process:
        yield process


async def _fails_fast(operation: Awaitable[object], limit: float = 1.0) -> None:
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match=r"Redis at 127\.0\.0\.1"):
        await operation
    assert time.monotonic() - started < limit


async def test_processes_see_each_others_locks(two_processes: tuple[RedisStore, ...]) -> None:
    a, b = two_processes
    lease = await a.locks.acquire("tenant:{acme}:refresh", ttl=5)
    assert lease is not None
    assert await b.locks.acquire("tenant:{acme}:refresh", ttl=5) is None
    assert await b.locks.owner("tenant:{acme}:refresh") == lease.token
    assert await a.locks.release(lease)
    assert await b.locks.acquire("tenant:{acme}:refresh", ttl=5) is not None


async def test_processes_see_each_others_records(two_processes: tuple[RedisStore, ...]) -> None:
    a, b = two_processes
    version = await a.kv.compare_and_set("tenant:{acme}:token", b"pair 1", None)
    record = await b.kv.get_versioned("tenant:{acme}:token")
    assert record is not None
    assert record.version == version
    assert await b.kv.compare_and_set("tenant:{acme}:token", b"pair 2", version) is not None
    assert await a.kv.compare_and_set("tenant:{acme}:token", b"stale", version) is None


async def test_processes_race_for_one_record_and_one_wins(
    two_processes: tuple[RedisStore, ...],
) -> None:
    a, b = two_processes
    base = await a.kv.compare_and_set("rec", b"base", None)
    results = await asyncio.gather(
        *(s.kv.compare_and_set("rec", b"%d" % i, base) for i in range(20) for s in (a, b))
    )
    assert sum(r is not None for r in results) == 1


async def test_blocked_reader_wakes_on_another_processes_append(
    two_processes: tuple[RedisStore, ...],
) -> None:
    a, b = two_processes
    cursor = await a.streams.last_id("tenant:{acme}:events")
    reader = asyncio.create_task(a.streams.read("tenant:{acme}:events", cursor, block=5))
    await asyncio.sleep(0.05)
    entry_id = await b.streams.append("tenant:{acme}:events", b"changed")
    assert [e.id for e in await reader] == [entry_id]


async def test_keys_live_under_the_prefix_in_the_callers_slot(
    redis_url: str, key_prefix: str
) -> None:
    async with RedisStore(redis_url, prefix=key_prefix) as store:
        await store.kv.set("tenant:{acme}:plain", b"v")
        await store.kv.compare_and_set("tenant:{acme}:token", b"v", None)
        await store.locks.acquire("tenant:{acme}:refresh", ttl=5)
        await store.streams.append("tenant:{acme}:events", b"v", max_len=1)
    raw = Redis.from_url(redis_url)
    try:
        keys = {key.decode() async for key in raw.scan_iter(match=f"{key_prefix}*")}
    finally:
        await raw.aclose()
    assert keys == {
        f"{key_prefix}kv:tenant:{{acme}}:plain",
        f"{key_prefix}kv:tenant:{{acme}}:token",
        f"{key_prefix}lock:tenant:{{acme}}:refresh",
        f"{key_prefix}stream:tenant:{{acme}}:events",
    }
    assert {key_slot(key.encode()) for key in keys} == {key_slot(b"acme")}


def test_a_prefix_with_a_hash_tag_is_refused(redis_url: str) -> None:
    with pytest.raises(ValueError, match="braces"):
        RedisStore(redis_url, prefix="lg:{all}:")


async def test_redis_down_fails_fast_and_recovers_without_a_new_store(
    own_redis: RedisProcess,
) -> None:
    async with RedisStore(own_redis.url, prefix="lg:", options=FAST) as store:
        version = await store.kv.compare_and_set("rec", b"v", None)
        cursor = await store.streams.append("events", b"before")
        own_redis.stop()

        operations: list[Callable[[], Awaitable[object]]] = [
            store.ping,
            lambda: store.kv.get("k"),
            lambda: store.kv.set("k", b"v"),
            lambda: store.kv.compare_and_set("rec", b"w", version),
            lambda: store.kv.incr("n"),
            lambda: store.locks.acquire("l", ttl=5),
            lambda: store.locks.acquire_wait("l", ttl=5, timeout=5),
            lambda: store.streams.append("events", b"x"),
            lambda: store.streams.read("events", cursor, block=5),
        ]
        for operation in operations:
            await _fails_fast(operation())

        own_redis.start()  # same port, empty: no data, no script cache
        await store.ping()
        assert await store.kv.compare_and_set("rec", b"again", None) is not None
        assert await store.locks.acquire("l", ttl=5) is not None
        with pytest.raises(CursorExpired):
            await store.streams.read("events", cursor)
        await store.streams.append("events", b"after")


async def test_blocked_reader_learns_at_once_that_redis_went_down(
    own_redis: RedisProcess,
) -> None:
    async with RedisStore(own_redis.url, options=FAST) as store:
        cursor = await store.streams.last_id("events")
        reader = asyncio.create_task(store.streams.read("events", cursor, block=10))
        await asyncio.sleep(0.05)
        own_redis.stop()
        await _fails_fast(reader)


async def test_unresponsive_redis_times_out() -> None:
    done = asyncio.Event()

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # Accepts connections and commands, never answers: a stalled Redis.
        await done.wait()
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with RedisStore(f"redis://127.0.0.1:{port}/0", options=FAST) as store:
            await _fails_fast(store.ping(), limit=FAST.timeout + 0.3)
            await _fails_fast(store.kv.get("k"), limit=FAST.timeout + 0.3)
    finally:
        done.set()
        server.close()
        await server.wait_closed()


async def test_open_store_picks_redis_for_a_url(redis_url: str, key_prefix: str) -> None:
    async with open_store(redis_url, prefix=key_prefix) as store:
        assert isinstance(store, RedisStore)
        await store.ping()
