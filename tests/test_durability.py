"""The state store must survive its own restart: production refuses a volatile one (unless
told to accept it), and a Redis with AOF restarted under a running server loses no
connection."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from ledgergraph.errors import StartupError
from ledgergraph.sandbox import RunningSandbox, SandboxConfig, serve_sandbox
from ledgergraph.sandbox.books import SOLO_USER_ID
from tests.redis_server import RedisProcess
from tests.support.browser import connect
from tests.support.server import serve_ledgergraph

pytestmark = pytest.mark.redis

PRODUCTION = {"mode": "production"}


@pytest.fixture
async def sandbox() -> AsyncIterator[RunningSandbox]:
    async with serve_sandbox(SandboxConfig(controls=True, scale=0.1)) as running:
        yield running


@pytest.fixture
def durable_redis() -> Iterator[RedisProcess]:
    with RedisProcess(appendonly=True) as redis:
        yield redis


@pytest.mark.parametrize(
    ("store", "problem"),
    [
        ("volatile", "does not survive its own restart"),
        ("memory", "does not survive its own restart"),
        ("evicting", "may evict keys"),
    ],
)
async def test_production_refuses_a_state_store_that_would_lose_connections(
    sandbox: RunningSandbox, store: str, problem: str
) -> None:
    if store == "memory":
        with pytest.raises(StartupError) as refused:
            async with serve_ledgergraph(sandbox, redis_url=None, **PRODUCTION):
                pass
    else:
        redis = RedisProcess(
            appendonly=store == "evicting",
            maxmemory_policy="allkeys-lru" if store == "evicting" else "noeviction",
        )
        with redis, pytest.raises(StartupError) as refused:
            async with serve_ledgergraph(sandbox, redis_url=redis.url, **PRODUCTION):
                pass

    assert problem in str(refused.value)
    assert "LEDGERGRAPH_ALLOW_VOLATILE_STORE" in str(refused.value)
    assert refused.value.setting == "LEDGERGRAPH_REDIS_URL"


async def test_production_starts_on_a_volatile_store_when_told_to_and_says_so(
    sandbox: RunningSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    with RedisProcess() as volatile, caplog.at_level(logging.WARNING, "ledgergraph.durability"):
        async with (
            serve_ledgergraph(
                sandbox, redis_url=volatile.url, allow_volatile_store=True, **PRODUCTION
            ) as server,
            httpx.AsyncClient() as http,
        ):
            assert (await http.get(f"{server.url}/readyz")).status_code == 200

    assert "appendonly no" in caplog.text


async def test_production_starts_on_redis_with_aof(
    sandbox: RunningSandbox, durable_redis: RedisProcess, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="ledgergraph.durability"):
        async with (
            serve_ledgergraph(sandbox, redis_url=durable_redis.url, **PRODUCTION) as server,
            httpx.AsyncClient() as http,
        ):
            assert (await http.get(f"{server.url}/readyz")).status_code == 200

    assert caplog.text == ""


async def test_a_redis_with_aof_restarted_under_the_server_loses_no_connection(
    sandbox: RunningSandbox, durable_redis: RedisProcess
) -> None:
    async with (
        serve_ledgergraph(sandbox, redis_url=durable_redis.url) as server,
        httpx.AsyncClient(timeout=30) as http,
    ):
        await connect(http, server.url, server.token("acme"), user_id=SOLO_USER_ID)
        before = await server.graphql(http, "acme", "{ connection { status } }")

        durable_redis.stop()
        durable_redis.start()
        after = await server.graphql(http, "acme", "{ connection { status } }")
        await http.post(f"{sandbox.url}/__sandbox/expire-tokens")
        refreshed = await server.graphql(http, "acme", "{ businesses { name } }")

    assert before["data"]["connection"]["status"] == "CONNECTED"
    assert after["data"]["connection"]["status"] == "CONNECTED"
    assert "errors" not in refreshed, refreshed
