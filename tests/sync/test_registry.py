"""The fleet's view of live subscribers: announced per process, gone when not renewed."""

from __future__ import annotations

import asyncio

from ledgergraph.cache import MemoryStore
from ledgergraph.sync.registry import SubscriberRegistry
from ledgergraph.types import TenantId

ACME = TenantId("acme")
TTL = 10.0


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def registry(store: MemoryStore, process: str, clock: Clock) -> SubscriberRegistry:
    return SubscriberRegistry(store.kv, process_id=process, ttl=TTL, clock=clock)


async def test_every_process_sees_what_all_live_subscribers_want() -> None:
    store, clock = MemoryStore(), Clock()
    first, second = registry(store, "first", clock), registry(store, "second", clock)
    await first.register(ACME, "b1", {"contacts"})
    await second.register(ACME, "b1", {"sales_invoices"})
    await second.register(ACME, "b2", {"products"})

    expected = {"b1": {"contacts", "sales_invoices"}, "b2": {"products"}}
    assert await first.fleet_wants(ACME) == expected
    assert await second.fleet_wants(ACME) == expected
    assert await first.fleet_wants(TenantId("beta")) == {}


async def test_a_process_that_stops_renewing_drops_out_within_one_ttl() -> None:
    store, clock = MemoryStore(), Clock()
    alive, dead = registry(store, "alive", clock), registry(store, "dead", clock)
    await alive.register(ACME, "b1", {"contacts"})
    await dead.register(ACME, "b1", {"services"})

    clock.now += TTL - 1
    assert await alive.fleet_wants(ACME) == {"b1": {"contacts", "services"}}
    clock.now += 2
    assert await alive.fleet_wants(ACME) == {"b1": {"contacts"}}


async def test_the_last_subscriber_leaving_withdraws_the_process_at_once() -> None:
    store, clock = MemoryStore(), Clock()
    leaving, staying = registry(store, "leaving", clock), registry(store, "staying", clock)
    heartbeat = asyncio.create_task(leaving.run())
    try:
        first = await leaving.register(ACME, "b1", {"contacts"})
        second = await leaving.register(ACME, "b1", {"services"})
        leaving.release(first)
        assert await staying.fleet_wants(ACME) == {"b1": {"contacts", "services"}}
        leaving.release(second)
        assert leaving.tenants() == set()
        for _ in range(50):
            if await staying.fleet_wants(ACME) == {}:
                break
            await asyncio.sleep(0.01)
        assert await staying.fleet_wants(ACME) == {}
    finally:
        heartbeat.cancel()


async def test_releasing_twice_is_harmless() -> None:
    store, clock = MemoryStore(), Clock()
    process = registry(store, "p", clock)
    registration = await process.register(ACME, "b1", {"contacts"})
    other = await process.register(ACME, "b1", {"contacts"})
    process.release(registration)
    process.release(registration)
    assert process.subscriber_count(ACME) == {"b1": 1}
    process.release(other)
    assert process.tenants() == set()
