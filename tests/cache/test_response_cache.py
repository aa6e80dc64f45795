"""The response cache, on every store implementation."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from ledgergraph.cache import RedisOptions, RedisStore, Store, keys
from ledgergraph.cache.response_cache import ResponseCache, _digest
from ledgergraph.observability import request_context
from ledgergraph.observability.request_context import RequestInfo
from tests.redis_server import free_port


@pytest.fixture
def cache(store: Store) -> ResponseCache:
    return ResponseCache(store.kv, ttls={"tax_rates": 0.1}, default_ttl=10)


async def _fill(cache: ResponseCache, business: str, kind: str, request: str, body: bytes) -> None:
    assert await cache.get("acme", business, kind, request) is None
    await cache.put("acme", business, kind, request, body)


async def test_a_miss_filled_by_put_is_then_a_hit(cache: ResponseCache) -> None:
    await _fill(cache, "b1", "contacts", "/contacts?page=1", b"[1]")
    assert await cache.get("acme", "b1", "contacts", "/contacts?page=1") == b"[1]"
    assert await cache.get("acme", "b1", "contacts", "/contacts?page=2") is None


async def test_put_without_a_preceding_miss_is_ignored(cache: ResponseCache) -> None:
    await cache.put("acme", "b1", "contacts", "/contacts", b"[1]")
    assert await cache.get("acme", "b1", "contacts", "/contacts") is None


async def test_invalidate_forgets_only_the_named_kinds_of_that_business(
    cache: ResponseCache,
) -> None:
    await _fill(cache, "b1", "contacts", "/contacts", b"c1")
    await _fill(cache, "b1", "invoices", "/invoices", b"i1")
    await _fill(cache, "b2", "contacts", "/contacts", b"c2")
    await cache.invalidate("acme", "b1", "contacts")
    assert await cache.get("acme", "b1", "contacts", "/contacts") is None
    assert await cache.get("acme", "b1", "invoices", "/invoices") == b"i1"
    assert await cache.get("acme", "b2", "contacts", "/contacts") == b"c2"


async def test_a_response_fetched_across_an_invalidation_is_never_served(
    cache: ResponseCache,
) -> None:
    assert await cache.get("acme", "b1", "contacts", "/contacts") is None
    # ... Sage is read; meanwhile a write lands and invalidates ...
    await cache.invalidate("acme", "b1", "contacts")
    # Another request misses too, starting the new generation.
    other = asyncio.create_task(cache.get("acme", "b1", "contacts", "/contacts"))
    assert await other is None
    await cache.put("acme", "b1", "contacts", "/contacts", b"stale")
    assert await cache.get("acme", "b1", "contacts", "/contacts") is None


async def test_responses_expire_on_the_ttl_of_their_kind(cache: ResponseCache) -> None:
    await _fill(cache, "b1", "tax_rates", "/tax_rates", b"t")
    await _fill(cache, "b1", "contacts", "/contacts", b"c")
    await asyncio.sleep(0.15)
    assert await cache.get("acme", "b1", "tax_rates", "/tax_rates") is None
    assert await cache.get("acme", "b1", "contacts", "/contacts") == b"c"


async def test_invalidate_needs_kinds(cache: ResponseCache) -> None:
    with pytest.raises(ValueError, match="kinds"):
        await cache.invalidate("acme", "b1")


@pytest.mark.redis
async def test_an_unavailable_store_makes_every_read_a_miss() -> None:
    options = RedisOptions(timeout=0.3, connect_timeout=0.2)
    async with RedisStore(f"redis://127.0.0.1:{free_port()}/0", options=options) as down:
        cache = ResponseCache(down.kv)
        assert await cache.get("acme", "b1", "contacts", "/contacts") is None
        await cache.put("acme", "b1", "contacts", "/contacts", b"x")
        await cache.invalidate("acme", "b1", "contacts")


@pytest.fixture
def request_info() -> Iterator[RequestInfo]:
    info = RequestInfo(request_id="test")
    token = request_context.begin(info)
    yield info
    request_context.end(token)


async def test_a_hit_reports_when_its_data_was_fetched(
    cache: ResponseCache, request_info: RequestInfo
) -> None:
    before = time.time()
    await _fill(cache, "b1", "contacts", "/contacts", b"c")
    await _fill(cache, "b1", "invoices", "/invoices", b"i")
    assert request_info.cache_hits == 0
    assert await cache.get("acme", "b1", "contacts", "/contacts") == b"c"
    assert await cache.get("acme", "b1", "invoices", "/invoices") == b"i"
    assert request_info.cache_hits == 2
    assert request_info.oldest_cached_at is not None
    assert before <= request_info.oldest_cached_at <= time.time()


async def test_an_entry_older_than_the_requests_bound_is_a_miss_and_replaced(
    cache: ResponseCache, request_info: RequestInfo
) -> None:
    await _fill(cache, "b1", "contacts", "/contacts", b"old")
    await asyncio.sleep(0.05)
    request_info.max_age = 0.04
    assert await cache.get("acme", "b1", "contacts", "/contacts") is None
    await cache.put("acme", "b1", "contacts", "/contacts", b"fresh")
    assert await cache.get("acme", "b1", "contacts", "/contacts") == b"fresh"
    request_info.max_age = 60
    assert await cache.get("acme", "b1", "contacts", "/contacts") == b"fresh"
    assert request_info.cache_hits == 2


def _process(store: Store) -> ResponseCache:
    """Another server process's cache over the same store."""
    return ResponseCache(store.kv, default_ttl=10, fill_lease_ttl=5)


async def _in_task(cache: ResponseCache, business: str, request: str) -> bytes | None:
    # Each request of a server runs in its own task, with its own record of misses.
    return await asyncio.create_task(cache.get("acme", business, "contacts", request))


async def test_a_second_process_waits_for_the_first_ones_fill(store: Store) -> None:
    filler, other = _process(store), _process(store)
    assert await filler.get("acme", "b1", "contacts", "/contacts") is None
    waiting = asyncio.ensure_future(_in_task(other, "b1", "/contacts"))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    await filler.put("acme", "b1", "contacts", "/contacts", b"filled")
    assert await waiting == b"filled"


async def test_a_failed_fill_lets_the_waiters_fetch_at_once(store: Store) -> None:
    filler, other = _process(store), _process(store)
    assert await filler.get("acme", "b1", "contacts", "/contacts") is None
    waiting = asyncio.ensure_future(_in_task(other, "b1", "/contacts"))
    await asyncio.sleep(0.02)
    await filler.abandon("acme", "b1", "contacts", "/contacts")
    # Well within the lease's 5 s: the waiter read through instead.
    assert await asyncio.wait_for(waiting, timeout=2) is None


async def test_a_fill_that_straddled_an_invalidation_is_not_served_to_its_waiters(
    store: Store,
) -> None:
    filler, other = _process(store), _process(store)
    assert await filler.get("acme", "b1", "contacts", "/contacts") is None
    waiting = asyncio.ensure_future(_in_task(other, "b1", "/contacts"))
    await asyncio.sleep(0.02)
    await filler.invalidate("acme", "b1", "contacts")
    await filler.put("acme", "b1", "contacts", "/contacts", b"stale")
    assert await asyncio.wait_for(waiting, timeout=2) is None
    assert await _in_task(other, "b1", "/contacts") is None


@pytest.mark.parametrize(("tenant", "business"), [("acme", "b2"), ("other", "b1")])
async def test_a_fill_is_waited_for_only_by_its_own_tenant_and_business(
    store: Store, tenant: str, business: str
) -> None:
    filler, other = _process(store), _process(store)
    assert await filler.get("acme", "b1", "contacts", "/contacts") is None
    # Not waiting: a miss at once, although the same request is being filled for acme/b1.
    found = await asyncio.wait_for(
        asyncio.create_task(other.get(tenant, business, "contacts", "/contacts")), timeout=1
    )
    assert found is None
    await filler.put("acme", "b1", "contacts", "/contacts", b"acme's")
    assert await _in_task(other, "b1", "/contacts") == b"acme's"
    assert await other.get(tenant, business, "contacts", "/contacts") is None


async def test_a_warm_hit_is_served_from_this_process_without_reading_the_response(
    store: Store,
) -> None:
    cache = _process(store)
    await _fill(cache, "b1", "contacts", "/contacts", b"c")
    generation = await store.kv.get(keys.cache_generation("acme", "b1", "contacts"))
    assert generation is not None
    entry = keys.cache_entry("acme", "b1", "contacts", generation.decode(), _digest("/contacts"))
    # The store's copy is gone (evicted, say): this process still holds one.
    assert await store.kv.delete(entry)
    assert await cache.get("acme", "b1", "contacts", "/contacts") == b"c"
    assert await _process(store).get("acme", "b1", "contacts", "/contacts") is None


async def test_an_invalidation_by_another_process_retires_this_ones_copy(store: Store) -> None:
    cache = _process(store)
    await _fill(cache, "b1", "contacts", "/contacts", b"c")
    assert await cache.get("acme", "b1", "contacts", "/contacts") == b"c"
    await _process(store).invalidate("acme", "b1", "contacts")
    assert await cache.get("acme", "b1", "contacts", "/contacts") is None


async def test_an_invalidated_family_leaves_this_process_copy_at_its_next_read(
    store: Store,
) -> None:
    cache = _process(store)
    for page in ("/contacts?page=1", "/contacts?page=2"):
        await _fill(cache, "b1", "contacts", page, b"c" * 100)
    await _fill(cache, "b1", "invoices", "/invoices", b"i" * 100)
    assert cache.local_size[0] == 3
    await _process(store).invalidate("acme", "b1", "contacts")
    # Neither page can be hit again: both leave at once, not when the LRU reaches them.
    assert await _in_task(cache, "b1", "/contacts?page=1") is None
    assert cache.local_size[0] == 1
    assert await cache.get("acme", "b1", "invoices", "/invoices") == b"i" * 100


async def test_an_entry_is_decoded_once_per_process(cache: ResponseCache) -> None:
    await _fill(cache, "b1", "contacts", "/contacts", b'{"$items": [{"id": "c1"}]}')
    first = await cache.lookup("acme", "b1", "contacts", "/contacts")
    again = await cache.lookup("acme", "b1", "contacts", "/contacts")
    assert first is not None
    assert again is not None
    assert first.json() == {"$items": [{"id": "c1"}]}
    assert again.json() is first.json()


# -- stale answers, for reads the Sage budget refused -----------------------------------------


def _lenient(store: Store, stale_window: float = 0.3) -> ResponseCache:
    return ResponseCache(
        store.kv, ttls={"tax_rates": 0.1}, default_ttl=10, stale_window=stale_window
    )


async def test_an_entry_past_its_ttl_is_a_miss_but_served_stale_within_the_window(
    store: Store, request_info: RequestInfo
) -> None:
    cache = _lenient(store)
    await _fill(cache, "b1", "tax_rates", "/tax_rates", b"t")
    await asyncio.sleep(0.15)

    miss = await _in_task_of(cache, "tax_rates", "/tax_rates")
    stale = await cache.stale("acme", "b1", "tax_rates", "/tax_rates")
    await asyncio.sleep(0.3)  # past the TTL and the stale window: gone from the store
    gone = await cache.stale("acme", "b1", "tax_rates", "/tax_rates")

    assert miss is None
    assert stale is not None
    assert stale.body == b"t"
    assert gone is None
    assert (request_info.cache_hits, request_info.stale_hits) == (1, 1)
    assert request_info.oldest_cached_at == stale.fetched_at


@pytest.mark.parametrize("retire", ["invalidate", "max_age", "no_window", "never_cached"])
async def test_no_stale_answer_past_an_invalidation_a_bound_or_without_a_window(
    store: Store, request_info: RequestInfo, retire: str
) -> None:
    cache = _lenient(store, stale_window=0.0 if retire == "no_window" else 10.0)
    if retire != "never_cached":
        await _fill(cache, "b1", "tax_rates", "/tax_rates", b"t")
    await asyncio.sleep(0.15)
    if retire == "invalidate":
        await cache.invalidate("acme", "b1", "tax_rates")
    if retire == "max_age":
        request_info.max_age = 0.1

    assert await cache.stale("acme", "b1", "tax_rates", "/tax_rates") is None
    assert request_info.stale_hits == 0


async def _in_task_of(cache: ResponseCache, kind: str, request: str) -> bytes | None:
    return await asyncio.create_task(cache.get("acme", "b1", kind, request))
