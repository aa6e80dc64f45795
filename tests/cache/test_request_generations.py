"""The generations a request reads: one store read per request and business, still seeing
invalidations (``cache/request_generations.py``), on every store implementation."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, cast

import pytest

from ledgergraph.cache import KeyValue, Store
from ledgergraph.cache.response_cache import ResponseCache
from ledgergraph.observability import request_context
from ledgergraph.observability.request_context import RequestInfo

KINDS = ("contacts", "sales_invoices", "tax_rates")
_ids = itertools.count()


class CountingReads:
    """A store's key-value as a process sees it, counting its reads."""

    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv
        self.reads = 0

    async def get(self, key: str) -> bytes | None:
        self.reads += 1
        return await self._kv.get(key)

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        self.reads += 1
        return await self._kv.get_many(keys)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._kv, name)


class Process:
    """One server process's cache over the shared store, answering requests."""

    def __init__(self, store: Store) -> None:
        self.kv = CountingReads(store.kv)
        self.cache = ResponseCache(cast(KeyValue, self.kv), default_ttl=60)

    async def request(self, *kinds: str, invalidate: str | None = None) -> dict[str, bytes | None]:
        """What one request gets for each kind's ``/<kind>`` (``put`` after a miss); with
        ``invalidate``, this request writes that kind after its first read."""
        token = request_context.begin(RequestInfo(request_id=f"r{next(_ids)}"))
        try:
            found = {}
            for kind in kinds:
                found[kind] = await self.cache.get("acme", "b1", kind, f"/{kind}")
                if found[kind] is None:
                    await self.cache.put("acme", "b1", kind, f"/{kind}", kind.encode())
                if invalidate is not None:
                    await self.cache.invalidate("acme", "b1", invalidate)
                    invalidate = None
            return found
        finally:
            request_context.end(token)


@pytest.fixture
def process(store: Store) -> Process:
    return Process(store)


async def test_a_warm_request_reads_every_generation_it_needs_in_one_store_read(
    process: Process,
) -> None:
    await process.request(*KINDS)

    process.kv.reads = 0
    found = await process.request(*KINDS)

    assert found == {kind: kind.encode() for kind in KINDS}
    assert process.kv.reads == 1


async def test_a_kind_first_looked_up_later_is_read_with_the_others_from_then_on(
    process: Process,
) -> None:
    await process.request(*KINDS[:2])
    await process.request(KINDS[2])

    process.kv.reads = 0
    found = await process.request(*KINDS)

    assert found == {kind: kind.encode() for kind in KINDS}
    assert process.kv.reads == 1


async def test_an_invalidation_by_another_process_is_seen_by_the_next_request(
    store: Store, process: Process
) -> None:
    await process.request(*KINDS)

    await Process(store).cache.invalidate("acme", "b1", "sales_invoices")
    found = await process.request(*KINDS)

    assert found == {"contacts": b"contacts", "sales_invoices": None, "tax_rates": b"tax_rates"}


async def test_a_request_reads_its_own_invalidation_at_once(process: Process) -> None:
    await process.request(*KINDS)

    # Reads contacts, writes (invalidates) tax rates, then reads the rest.
    found = await process.request(*KINDS, invalidate="tax_rates")

    assert found == {
        "contacts": b"contacts",
        "sales_invoices": b"sales_invoices",
        "tax_rates": None,
    }


async def test_outside_a_request_every_lookup_reads_the_store(store: Store) -> None:
    cache = Process(store).cache
    await cache.get("acme", "b1", "contacts", "/contacts")
    await cache.put("acme", "b1", "contacts", "/contacts", b"c")
    assert await cache.get("acme", "b1", "contacts", "/contacts") == b"c"

    await Process(store).cache.invalidate("acme", "b1", "contacts")

    assert await cache.get("acme", "b1", "contacts", "/contacts") is None
