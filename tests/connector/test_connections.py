"""The connection record as requests read it: once per request, never staler than that.

Two ``Connections`` on one Redis are two workers: ``other`` changes the record the way a
disconnect or a refused refresh token on another worker does.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, cast

import pytest

from ledgergraph.cache import KeyValue, RedisStore
from ledgergraph.cache.types import Versioned
from ledgergraph.connectors.sage.connections import Connection, Connections, RequestMemo
from ledgergraph.observability import request_context
from ledgergraph.observability.request_context import RequestInfo
from ledgergraph.types import BusinessId, BusinessRef, ConnectionStatus, TenantId
from tests.support.fixtures import store_fixture

store = store_fixture()
TENANT = TenantId("memo-tenant")
BUSINESS = BusinessRef(id=BusinessId("b-1"), name="Books", country_code="GB", currency="GBP")


@contextmanager
def request(name: str = "r") -> Iterator[RequestInfo]:
    info = RequestInfo(request_id=name)
    token = request_context.begin(info)
    try:
        yield info
    finally:
        request_context.end(token)


def connected(c: Connection) -> Connection:
    return replace(c, status=ConnectionStatus.CONNECTED, business=BUSINESS, available=(BUSINESS,))


def disconnected(c: Connection) -> Connection:
    return replace(c, status=ConnectionStatus.NOT_CONNECTED, business=None, available=())


@pytest.fixture
async def workers(store: RedisStore) -> AsyncIterator[tuple[Connections, Connections]]:
    this = Connections(store.kv, memo=RequestMemo(max_age=30.0))
    other = Connections(store.kv)
    await other.update(TENANT, connected)
    yield this, other
    await other.delete(TENANT)


async def test_a_request_keeps_the_record_it_read_first(
    workers: tuple[Connections, Connections],
) -> None:
    this, other = workers
    with request():
        first = await this.get(TENANT)
        await other.update(TENANT, disconnected)
        again = await this.get(TENANT)
    assert first is not None
    assert first.status is ConnectionStatus.CONNECTED
    assert again is first


@pytest.mark.parametrize("outside_any_request", [False, True])
async def test_another_workers_disconnect_is_seen_by_the_next_request(
    workers: tuple[Connections, Connections], outside_any_request: bool
) -> None:
    this, other = workers
    with request("before"):
        assert (await this.get(TENANT)) is not None
        await other.update(TENANT, disconnected)
    if outside_any_request:
        after = await this.get(TENANT)
    else:
        with request("after"):
            after = await this.get(TENANT)
    assert after is not None
    assert after.status is ConnectionStatus.NOT_CONNECTED
    assert after.business is None


async def test_a_write_through_this_worker_is_read_by_the_request_that_made_it(
    workers: tuple[Connections, Connections],
) -> None:
    this, _other = workers
    with request():
        assert (await this.get(TENANT)) is not None
        await this.update(TENANT, disconnected)
        after = await this.get(TENANT)
    assert after is not None
    assert after.status is ConnectionStatus.NOT_CONNECTED


async def test_a_long_request_reads_the_record_again_after_max_age(store: RedisStore) -> None:
    this = Connections(store.kv, memo=RequestMemo(max_age=0.05))
    other = Connections(store.kv)
    await other.update(TENANT, connected)
    try:
        with request():
            assert (await this.get(TENANT)) is not None
            await other.update(TENANT, disconnected)
            await asyncio.sleep(0.1)
            after = await this.get(TENANT)
    finally:
        await other.delete(TENANT)
    assert after is not None
    assert after.status is ConnectionStatus.NOT_CONNECTED


class CountingReads:
    """The store's key-value API, counting reads of versioned records (everything else is
    the real store's)."""

    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv
        self.reads = 0

    async def get_versioned(self, key: str) -> Versioned | None:
        self.reads += 1
        return await self._kv.get_versioned(key)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._kv, name)


async def test_a_request_reads_the_store_once_however_many_reads_it_makes(
    workers: tuple[Connections, Connections], store: RedisStore
) -> None:
    counting = CountingReads(store.kv)
    this = Connections(cast(KeyValue, counting))
    with request():
        together = await asyncio.gather(*(this.get(TENANT) for _ in range(8)))
        one_by_one = [await this.get(TENANT) for _ in range(4)]
    with request("next"):
        await this.get(TENANT)
    assert counting.reads == 2
    assert together[0] is not None
    assert all(r is together[0] for r in [*together, *one_by_one])


async def test_an_unchanged_record_is_decoded_once(
    workers: tuple[Connections, Connections],
) -> None:
    this, _other = workers
    with request("one"):
        one = await this.get(TENANT)
    with request("two"):
        two = await this.get(TENANT)
    assert one is not None
    assert two is one


async def test_the_record_round_trips_through_its_bytes() -> None:
    record = connected(Connection(tenant=TENANT)).with_status(ConnectionStatus.CONNECTED)
    record = replace(record, overrides={"tax_rates": {"GB_ZERO": {"kind": "ZERO"}}})
    assert Connection.from_bytes(record.to_bytes()) == record
