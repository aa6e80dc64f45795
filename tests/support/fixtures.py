"""The fixtures the live-server test packages share, made to measure by each conftest:

    sandbox = sandbox_fixture(scale=0.2)
    http = http_fixture(timeout=60)
    server = server_fixture(retry_max_delay=0.05)
    store, events = store_fixture(), events_fixture()

Each factory returns a pytest fixture (named for what it yields); a conftest binds it to that
name, so tests keep asking for ``sandbox``, ``http``, ``server``...
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from ledgergraph.cache import MemoryStore, RedisOptions, RedisStore, Store
from ledgergraph.events import EventLog
from ledgergraph.sandbox import RunningSandbox, SandboxConfig, serve_sandbox
from tests.support.server import LiveServer, serve_ledgergraph
from tests.support.tenants import Tenant, connect_tenant

BACKENDS = [
    "memory",
    pytest.param("redis", marks=pytest.mark.redis),
    pytest.param("cluster", marks=pytest.mark.redis),
]
URL_FIXTURES = {"redis": "redis_url", "cluster": "redis_cluster_url"}
# A test of Redis semantics (scripts, locks, streams, compare-and-set across processes) that
# runs with servers: once on one Redis and once on a 3-master Redis Cluster, as ``redis_url``.
on_each_redis = pytest.mark.parametrize(
    "redis_url",
    [
        pytest.param("redis", marks=pytest.mark.redis),
        pytest.param("cluster", marks=pytest.mark.redis),
    ],
    indirect=True,
)

# What a server fixture does once the server is up (connect a tenant, say).
Prepare = Callable[[LiveServer, httpx.AsyncClient], Awaitable[None]]


def sandbox_fixture(**config: Any) -> Any:
    """A sandbox with its control routes on, per test; ``config`` as ``SandboxConfig`` takes."""

    @pytest.fixture(name="sandbox")
    async def sandbox() -> AsyncIterator[RunningSandbox]:
        async with serve_sandbox(SandboxConfig(controls=True, **config)) as running:
            yield running

    return sandbox


def http_fixture(*, timeout: float = 30) -> Any:
    """An HTTP client for the test's own calls (to the server and the sandbox)."""

    @pytest.fixture(name="http")
    async def http() -> AsyncIterator[httpx.AsyncClient]:
        async with httpx.AsyncClient(timeout=timeout) as client:
            yield client

    return http


def server_fixture(*, name: str = "server", prepare: Prepare | None = None, **settings: Any) -> Any:
    """LedgerGraph in this process against the test's sandbox and Redis (its own key prefix);
    ``settings`` override ``Settings`` fields, ``prepare`` runs before the test. ``name``: for
    a second kind of server beside ``server`` (``admin_server``, say)."""

    @pytest.fixture(name=name)
    async def server(
        sandbox: RunningSandbox, redis_url: str, key_prefix: str, http: httpx.AsyncClient
    ) -> AsyncIterator[LiveServer]:
        async with serve_ledgergraph(
            sandbox, redis_url=redis_url, prefix=key_prefix, **settings
        ) as running:
            if prepare is not None:
                await prepare(running, http)
            yield running

    return server


def backend_store_fixture(options: RedisOptions | None = None) -> Any:
    """Each store implementation in turn (memory, one Redis, a 3-master Redis Cluster), so a
    contract test runs against all of them; ``options`` for the Redis ones."""

    @pytest.fixture(name="store", params=BACKENDS)
    async def store(request: pytest.FixtureRequest) -> AsyncIterator[Store]:
        if request.param == "memory":
            async with MemoryStore() as memory:
                yield memory
            return
        url: str = request.getfixturevalue(URL_FIXTURES[request.param])
        prefix: str = request.getfixturevalue("key_prefix")
        async with RedisStore(url, prefix=prefix, options=options) as redis:
            yield redis

    return store


def store_fixture() -> Any:
    """The servers' Redis as the test sees it (same key prefix)."""

    @pytest.fixture(name="store")
    async def store(redis_url: str, key_prefix: str) -> AsyncIterator[RedisStore]:
        async with RedisStore(redis_url, prefix=key_prefix) as opened:
            yield opened

    return store


def events_fixture() -> Any:
    """The servers' event streams, for markers and for trimming them in tests."""

    @pytest.fixture(name="events")
    def events(store: RedisStore) -> EventLog:
        return EventLog(store.streams, store.kv)

    return events


def tenant_fixture(name: str, *, user_id: str) -> Any:
    """Tenant ``name`` connected to the Sage user ``user_id`` through the connect flow."""

    @pytest.fixture(name=name)
    async def tenant(server: LiveServer, http: httpx.AsyncClient) -> Tenant:
        return await connect_tenant(http, server, name, user_id=user_id)

    return tenant
