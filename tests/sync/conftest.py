from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from ledgergraph.cache import RedisStore
from ledgergraph.events import EventLog
from ledgergraph.sandbox import RunningSandbox, SandboxConfig, serve_sandbox
from ledgergraph.sandbox.books import SOLO_USER_ID
from tests.support.server import LiveServer, serve_ledgergraph
from tests.sync.helpers import SYNC_SETTINGS, Tenant, connect_tenant


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
    async with serve_ledgergraph(
        sandbox, redis_url=redis_url, prefix=key_prefix, **SYNC_SETTINGS
    ) as running:
        yield running


@pytest.fixture
async def store(redis_url: str, key_prefix: str) -> AsyncIterator[RedisStore]:
    """The servers' Redis, seen from the test (same prefix)."""
    async with RedisStore(redis_url, prefix=key_prefix) as opened:
        yield opened


@pytest.fixture
def events(store: RedisStore) -> EventLog:
    """The servers' event streams, for markers and for trimming them in tests."""
    return EventLog(store.streams, store.kv)


@pytest.fixture
async def acme(server: LiveServer, http: httpx.AsyncClient) -> Tenant:
    """A tenant connected to the sandbox's one-business user."""
    return await connect_tenant(http, server, "acme", user_id=SOLO_USER_ID)
