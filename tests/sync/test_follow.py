"""Following a stream from a cursor: the replay and the live part join without gap or
duplicate, whatever is appended while the follower starts."""

from __future__ import annotations

import asyncio
from contextlib import aclosing

import pytest

from ledgergraph.cache import CursorExpired, MemoryStore, Store
from ledgergraph.events import EventLog
from ledgergraph.sync.follow import StreamFollower
from ledgergraph.types import ConnectionStatus, TenantId
from tests.support.fixtures import backend_store_fixture

ACME = TenantId("acme")
# The replay-then-live join on each store: memory, one Redis, a Redis Cluster (blocking reads
# go to the stream's shard).
store = backend_store_fixture()


async def _publish(log: EventLog, count: int) -> list[str]:
    return [await log.connection_changed(ACME, ConnectionStatus.CONNECTED) for _ in range(count)]


async def _take(follower: StreamFollower, after: str | None, count: int) -> list[str]:
    cursors: list[str] = []
    async with asyncio.timeout(5), aclosing(follower.follow(ACME, after)) as stream:
        async for stored in stream:
            cursors.append(stored.cursor)
            if len(cursors) == count:
                break
    return cursors


async def _replay_then_live(log: EventLog) -> None:
    follower = StreamFollower(log, block=0.5)
    try:
        before = await _publish(log, 5)
        taking = asyncio.create_task(_take(follower, before[1], 3 + 40))
        # Appends racing with the follower's start, then more while it waits.
        during = await _publish(log, 20)
        await asyncio.sleep(0.05)
        after = await _publish(log, 20)
        assert await taking == before[2:] + during + after
    finally:
        await follower.aclose()


async def test_replay_then_live_without_gap_or_duplicate(store: Store) -> None:
    await _replay_then_live(EventLog(store.streams))


async def test_without_a_cursor_only_new_events_come() -> None:
    log = EventLog(MemoryStore().streams)
    follower = StreamFollower(log, block=0.5)
    try:
        await _publish(log, 3)
        taking = asyncio.create_task(_take(follower, None, 2))
        await asyncio.sleep(0.05)
        new = await _publish(log, 2)
        assert await taking == new
    finally:
        await follower.aclose()


async def test_many_followers_of_a_tenant_share_one_wait() -> None:
    log = EventLog(MemoryStore().streams)
    follower = StreamFollower(log, block=0.5)
    try:
        start = await log.last_cursor(ACME)
        takers = [asyncio.create_task(_take(follower, start, 3)) for _ in range(10)]
        await asyncio.sleep(0.05)
        assert len(follower._watches) == 1
        published = await _publish(log, 3)
        assert [await t for t in takers] == [published] * 10
        await asyncio.sleep(0)
        assert follower._watches == {}
    finally:
        await follower.aclose()


async def test_a_cursor_whose_successors_were_trimmed_expires() -> None:
    store = MemoryStore()
    log = EventLog(store.streams, max_len=2)
    follower = StreamFollower(log, block=0.5)
    try:
        old = (await _publish(log, 4))[0]
        with pytest.raises(CursorExpired):
            await _take(follower, old, 1)
    finally:
        await follower.aclose()
