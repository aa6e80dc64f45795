"""Fill leases, on every store implementation: one filler, bounded waiters."""

from __future__ import annotations

import asyncio

from ledgergraph.cache import Store
from ledgergraph.cache.singleflight import FillLeases


async def test_only_one_process_takes_a_fill_lease(store: Store) -> None:
    first, second = FillLeases[bytes](store.kv), FillLeases[bytes](store.kv)
    assert await first.take("tenant:{acme}:fill")
    assert not await second.take("tenant:{acme}:fill")
    assert first.held_here("tenant:{acme}:fill")
    assert not second.held_here("tenant:{acme}:fill")
    await first.release("tenant:{acme}:fill")
    assert await second.take("tenant:{acme}:fill")


async def test_a_waiter_gets_what_the_filler_stored(store: Store) -> None:
    filler, waiter = FillLeases[bytes](store.kv), FillLeases[bytes](store.kv)
    assert await filler.take("tenant:{acme}:fill")

    async def poll() -> tuple[bool, bytes | None]:
        return False, await store.kv.get("tenant:{acme}:entry")

    waiting = asyncio.ensure_future(waiter.wait_for("tenant:{acme}:fill", poll))
    await asyncio.sleep(0.02)
    assert not waiting.done()
    await store.kv.set("tenant:{acme}:entry", b"filled")
    await filler.release("tenant:{acme}:fill")
    assert await waiting == b"filled"


async def test_a_lease_released_without_an_entry_ends_the_wait(store: Store) -> None:
    filler, waiter = FillLeases[bytes](store.kv), FillLeases[bytes](store.kv, wait=30)
    assert await filler.take("tenant:{acme}:fill")

    async def nothing() -> tuple[bool, bytes | None]:
        return False, None

    waiting = asyncio.ensure_future(waiter.wait_for("tenant:{acme}:fill", nothing))
    await asyncio.sleep(0.02)
    await filler.release("tenant:{acme}:fill")
    assert await asyncio.wait_for(waiting, timeout=5) is None


async def test_the_wait_is_bounded_when_the_filler_never_answers(store: Store) -> None:
    waiter = FillLeases[bytes](store.kv, ttl=30, wait=0.1)
    assert await FillLeases[bytes](store.kv, ttl=30).take("tenant:{acme}:fill")

    async def nothing() -> tuple[bool, bytes | None]:
        return False, None

    assert await asyncio.wait_for(waiter.wait_for("tenant:{acme}:fill", nothing), 5) is None


async def test_waiters_of_one_process_share_one_poller(store: Store) -> None:
    waiter = FillLeases[bytes](store.kv)
    assert await FillLeases[bytes](store.kv).take("tenant:{acme}:fill")
    polls = 0

    async def poll() -> tuple[bool, bytes | None]:
        nonlocal polls
        polls += 1
        return polls >= 3, b"done" if polls >= 3 else None

    found = await asyncio.gather(*(waiter.wait_for("tenant:{acme}:fill", poll) for _ in range(8)))
    assert found == [b"done"] * 8
    assert polls == 3
