"""Two tenants on two different Sage users: ``acme`` (one British business) and ``beta`` (the
demo user's businesses, on its British one). Neither can reach the other's books in Sage."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from ledgergraph.cache import RedisStore
from ledgergraph.events import EventLog
from ledgergraph.sandbox import RunningSandbox, SandboxConfig, serve_sandbox
from ledgergraph.sandbox.books import DEMO_USER_ID, SOLO_USER_ID
from tests.security.helpers import Tenant, connect_tenant
from tests.support.server import LiveServer, serve_ledgergraph


@pytest.fixture
async def sandbox() -> AsyncIterator[RunningSandbox]:
    async with serve_sandbox(SandboxConfig(controls=True, scale=0.2)) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


@pytest.fixture
async def server(
    sandbox: RunningSandbox, redis_url: str, key_prefix: str
) -> AsyncIterator[LiveServer]:
    async with serve_ledgergraph(sandbox, redis_url=redis_url, prefix=key_prefix) as running:
        yield running


@pytest.fixture
async def acme(server: LiveServer, http: httpx.AsyncClient) -> Tenant:
    return await connect_tenant(http, server, "acme", user_id=SOLO_USER_ID)


@pytest.fixture
async def beta(server: LiveServer, http: httpx.AsyncClient, sandbox: RunningSandbox) -> Tenant:
    british = next(
        b.id
        for b in sandbox.world.businesses.values()
        if b.country_code == "GB" and b.id in sandbox.world.users[DEMO_USER_ID].business_ids
    )
    return await connect_tenant(http, server, "beta", user_id=DEMO_USER_ID, choose=british)


@pytest.fixture
async def store(redis_url: str, key_prefix: str) -> AsyncIterator[RedisStore]:
    """The server's Redis, seen from the test (same prefix)."""
    async with RedisStore(redis_url, prefix=key_prefix) as opened:
        yield opened


@pytest.fixture
def events(store: RedisStore) -> EventLog:
    return EventLog(store.streams, store.kv)
