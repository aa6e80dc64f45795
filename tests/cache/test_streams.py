"""The stream contract, run against every implementation."""

from __future__ import annotations

import asyncio
import time

import pytest

from ledgergraph.cache import CursorExpired, Entry, InvalidCursor, Store


def _id(entry_id: str) -> tuple[int, int]:
    ms, seq = entry_id.split("-")
    return int(ms), int(seq)


async def _append_many(
    store: Store, stream: str, n: int, *, max_len: int | None = None, max_age: float | None = None
) -> list[str]:
    return [
        await store.streams.append(stream, b"%d" % i, max_len=max_len, max_age=max_age)
        for i in range(n)
    ]


async def test_ids_increase_and_reads_return_entries_in_order(store: Store) -> None:
    ids = await _append_many(store, "events", 20)
    assert [_id(i) for i in ids] == sorted({_id(i) for i in ids})
    entries = await store.streams.read("events")
    assert entries == [Entry(i, b"%d" % n) for n, i in enumerate(ids)]


async def test_read_returns_only_entries_strictly_after_the_cursor(store: Store) -> None:
    ids = await _append_many(store, "events", 5)
    assert [e.id for e in await store.streams.read("events", ids[1])] == ids[2:]
    assert await store.streams.read("events", ids[-1]) == []


async def test_paging_by_count_never_repeats_or_skips(store: Store) -> None:
    ids = await _append_many(store, "events", 25)
    seen: list[str] = []
    cursor = None
    while page := await store.streams.read("events", cursor, count=7):
        assert len(page) <= 7
        seen += [e.id for e in page]
        cursor = page[-1].id
    assert seen == ids


async def test_a_reader_following_a_writer_sees_every_entry_once(store: Store) -> None:
    written: list[str] = []

    async def writer() -> None:
        for i in range(30):
            written.append(await store.streams.append("events", b"%d" % i))
            await asyncio.sleep(0.001)

    cursor = await store.streams.last_id("events")
    task = asyncio.create_task(writer())
    seen: list[str] = []
    while len(seen) < 30:
        page = await store.streams.read("events", cursor, count=4, block=2)
        assert page, "the reader was not woken"
        seen += [e.id for e in page]
        cursor = page[-1].id
    await task
    assert seen == written


async def test_missing_stream_reads_empty(store: Store) -> None:
    assert await store.streams.read("nothing") == []
    assert await store.streams.read("nothing", "0-0") == []
    assert await store.streams.last_id("nothing") == "0-0"


async def test_last_id_is_the_newest_entry_and_a_cursor_for_what_follows(store: Store) -> None:
    ids = await _append_many(store, "events", 3)
    assert await store.streams.last_id("events") == ids[-1]
    later = await store.streams.append("events", b"later")
    assert [e.id for e in await store.streams.read("events", ids[-1])] == [later]


async def test_cursor_taken_before_the_first_append_reads_everything(store: Store) -> None:
    cursor = await store.streams.last_id("events")
    ids = await _append_many(store, "events", 3)
    assert [e.id for e in await store.streams.read("events", cursor)] == ids


async def test_blocking_read_wakes_on_append(store: Store) -> None:
    cursor = await store.streams.append("events", b"old")

    async def append_soon() -> str:
        await asyncio.sleep(0.05)
        return await store.streams.append("events", b"new")

    started = time.monotonic()
    appender = asyncio.create_task(append_soon())
    entries = await store.streams.read("events", cursor, block=5)
    assert entries == [Entry(await appender, b"new")]
    assert time.monotonic() - started < 1


async def test_blocking_read_of_a_new_stream_wakes_on_its_first_append(store: Store) -> None:
    reader = asyncio.create_task(store.streams.read("fresh", block=5))
    await asyncio.sleep(0.05)
    entry_id = await store.streams.append("fresh", b"first")
    assert await reader == [Entry(entry_id, b"first")]


async def test_blocking_read_returns_nothing_after_its_timeout(store: Store) -> None:
    cursor = await store.streams.append("events", b"old")
    # The first blocking read may connect (and, on a cluster, learn the slots): not timed.
    await store.streams.read("events", cursor, block=0.01)
    started = time.monotonic()
    assert await store.streams.read("events", cursor, block=0.1) == []
    # Waited its timeout, and not much more (a unit mix-up would wait 1,000 times longer).
    assert 0.09 <= time.monotonic() - started < 1.5


async def test_blocking_read_returns_at_once_when_entries_are_there(store: Store) -> None:
    ids = await _append_many(store, "events", 2)
    started = time.monotonic()
    assert [e.id for e in await store.streams.read("events", block=5)] == ids
    assert time.monotonic() - started < 0.5


async def test_trimming_by_length_keeps_the_newest_entries(store: Store) -> None:
    ids = await _append_many(store, "events", 12, max_len=5)
    assert [e.id for e in await store.streams.read("events")] == ids[-5:]
    assert await store.streams.last_id("events") == ids[-1]


async def test_trimming_by_age_drops_entries_older_than_max_age(store: Store) -> None:
    old = await _append_many(store, "events", 3)
    await asyncio.sleep(0.15)
    new = await store.streams.append("events", b"new", max_age=0.1)
    assert [e.id for e in await store.streams.read("events")] == [new]
    with pytest.raises(CursorExpired):
        await store.streams.read("events", old[0])


async def test_trimming_by_age_keeps_recent_entries(store: Store) -> None:
    ids = await _append_many(store, "events", 5, max_age=60)
    assert [e.id for e in await store.streams.read("events")] == ids


async def test_cursor_before_trimmed_entries_expires(store: Store) -> None:
    ids = await _append_many(store, "events", 10, max_len=3)
    for cursor in ["0-0", ids[0], ids[5]]:
        with pytest.raises(CursorExpired) as caught:
            await store.streams.read("events", cursor)
        assert caught.value.stream == "events"
        assert caught.value.cursor == cursor


async def test_cursor_on_the_last_trimmed_entry_is_still_valid(store: Store) -> None:
    ids = await _append_many(store, "events", 10, max_len=3)
    # Nothing after ids[6] was trimmed, so its reader has missed nothing.
    assert [e.id for e in await store.streams.read("events", ids[6])] == ids[7:]


async def test_cursor_expires_even_when_everything_was_trimmed(store: Store) -> None:
    ids = await _append_many(store, "events", 3, max_len=1)
    await asyncio.sleep(0.05)
    newest = await store.streams.append("events", b"x", max_age=0.01)
    with pytest.raises(CursorExpired):
        await store.streams.read("events", ids[1])
    assert [e.id for e in await store.streams.read("events", ids[2])] == [newest]


async def test_blocking_read_with_an_expired_cursor_raises_at_once(store: Store) -> None:
    ids = await _append_many(store, "events", 5, max_len=2)
    started = time.monotonic()
    with pytest.raises(CursorExpired):
        await store.streams.read("events", ids[0], block=5)
    assert time.monotonic() - started < 0.5


async def test_cursor_foreign_to_the_stream_expires(store: Store) -> None:
    await _append_many(store, "events", 3)
    # A stream that no longer exists (e.g. Redis lost it), and ids the stream never made.
    with pytest.raises(CursorExpired):
        await store.streams.read("vanished", "1700000000000-0")
    with pytest.raises(CursorExpired):
        await store.streams.read("events", "1-0")
    with pytest.raises(CursorExpired):
        await store.streams.read("events", "99999999999999-0")


@pytest.mark.parametrize(
    "cursor", ["", "abc", "1", "1-", "-1-0", "1-0-0", " 1-0", "18446744073709551616-0"]
)
async def test_malformed_cursor_is_rejected(store: Store, cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        await store.streams.read("events", cursor)
    with pytest.raises(ValueError, match="cursor"):
        await store.streams.read("events", cursor)


async def test_streams_are_independent(store: Store) -> None:
    a = await store.streams.append("a", b"1")
    await store.streams.append("b", b"2")
    assert await store.streams.read("a") == [Entry(a, b"1")]


@pytest.mark.parametrize(("count", "block"), [(0, None), (1, 0.0), (1, -1.0)])
async def test_read_arguments_are_checked(store: Store, count: int, block: float | None) -> None:
    with pytest.raises(ValueError, match=r"count|block"):
        await store.streams.read("events", count=count, block=block)


async def test_append_trim_arguments_are_checked(store: Store) -> None:
    with pytest.raises(ValueError, match="max_len"):
        await store.streams.append("events", b"x", max_len=0)
    with pytest.raises(ValueError, match="max_age"):
        await store.streams.append("events", b"x", max_age=0)
