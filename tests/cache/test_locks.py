"""The lock contract, run against every implementation."""

from __future__ import annotations

import asyncio
import time

import pytest

from ledgergraph.cache import Lease, Store


async def test_only_one_of_many_concurrent_acquirers_gets_the_lock(store: Store) -> None:
    leases = await asyncio.gather(*(store.locks.acquire("refresh", ttl=5) for _ in range(30)))
    holders = [lease for lease in leases if lease is not None]
    assert len(holders) == 1
    assert await store.locks.owner("refresh") == holders[0].token


async def test_released_lock_can_be_taken_again(store: Store) -> None:
    lease = await store.locks.acquire("l", ttl=5)
    assert lease is not None
    assert await store.locks.release(lease)
    assert await store.locks.owner("l") is None
    assert await store.locks.acquire("l", ttl=5) is not None


async def test_release_by_a_non_owner_is_refused(store: Store) -> None:
    lease = await store.locks.acquire("l", ttl=5)
    assert lease is not None
    assert not await store.locks.release(Lease("l", "someone else's token"))
    assert await store.locks.owner("l") == lease.token


async def test_release_twice_is_refused(store: Store) -> None:
    lease = await store.locks.acquire("l", ttl=5)
    assert lease is not None
    assert await store.locks.release(lease)
    assert not await store.locks.release(lease)


async def test_expired_lock_can_be_taken_by_another(store: Store) -> None:
    first = await store.locks.acquire("l", ttl=0.1)
    assert first is not None
    assert await store.locks.acquire("l", ttl=5) is None
    await asyncio.sleep(0.15)
    second = await store.locks.acquire("l", ttl=5)
    assert second is not None
    # The first holder, late, can neither free nor keep the lock it lost.
    assert not await store.locks.release(first)
    assert not await store.locks.extend(first, ttl=5)
    assert await store.locks.owner("l") == second.token


async def test_extend_keeps_the_lease_past_its_original_ttl(store: Store) -> None:
    lease = await store.locks.acquire("worker", ttl=0.2)
    assert lease is not None
    await asyncio.sleep(0.1)
    assert await store.locks.extend(lease, ttl=0.4)
    await asyncio.sleep(0.15)
    assert await store.locks.owner("worker") == lease.token
    assert await store.locks.acquire("worker", ttl=5) is None


async def test_extend_by_a_non_owner_is_refused(store: Store) -> None:
    lease = await store.locks.acquire("worker", ttl=0.1)
    assert lease is not None
    assert not await store.locks.extend(Lease("worker", "intruder"), ttl=5)
    await asyncio.sleep(0.15)
    assert await store.locks.owner("worker") is None


async def test_acquire_wait_gets_the_lock_once_it_is_released(store: Store) -> None:
    holder = await store.locks.acquire("l", ttl=5)
    assert holder is not None

    async def release_soon() -> None:
        await asyncio.sleep(0.05)
        await store.locks.release(holder)

    releaser = asyncio.create_task(release_soon())
    lease = await store.locks.acquire_wait("l", ttl=5, timeout=2, poll=0.01)
    await releaser
    assert lease is not None
    assert await store.locks.owner("l") == lease.token


async def test_acquire_wait_gives_up_after_its_timeout(store: Store) -> None:
    assert await store.locks.acquire("l", ttl=5) is not None
    started = time.monotonic()
    assert await store.locks.acquire_wait("l", ttl=5, timeout=0.15, poll=0.02) is None
    assert 0.15 <= time.monotonic() - started < 0.5


async def test_waiters_take_the_lock_one_at_a_time(store: Store) -> None:
    inside = 0
    most_inside = 0

    async def worker() -> None:
        nonlocal inside, most_inside
        lease = await store.locks.acquire_wait("l", ttl=5, timeout=5, poll=0.005)
        assert lease is not None
        inside += 1
        most_inside = max(most_inside, inside)
        await asyncio.sleep(0.005)
        inside -= 1
        assert await store.locks.release(lease)

    await asyncio.gather(*(worker() for _ in range(10)))
    assert most_inside == 1


async def test_locks_are_independent_of_key_value_keys(store: Store) -> None:
    await store.kv.set("shared-name", b"value")
    assert await store.locks.acquire("shared-name", ttl=5) is not None
    assert await store.kv.get("shared-name") == b"value"


@pytest.mark.parametrize("ttl", [0, -1.0])
async def test_lock_ttl_must_be_positive(store: Store, ttl: float) -> None:
    with pytest.raises(ValueError, match="ttl"):
        await store.locks.acquire("l", ttl=ttl)
