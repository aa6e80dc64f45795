"""The response cache, on every store implementation."""

from __future__ import annotations

import asyncio

import pytest

from ledgergraph.cache import RedisOptions, RedisStore, Store
from ledgergraph.cache.response_cache import ResponseCache
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
