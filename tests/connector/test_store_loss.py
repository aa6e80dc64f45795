"""A state store that lost its data (a Redis restarted without persistence) is reported
honestly: connections it held turn REAUTH_REQUIRED with the reason, a connect link and an
event — never "no connection yet"."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from ledgergraph.events import EventKind
from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import SOLO_USER_ID
from ledgergraph.types import TenantId
from tests.redis_server import RedisProcess
from tests.support.browser import connect
from tests.support.server import serve_ledgergraph

pytestmark = pytest.mark.redis

CONNECTION = "{ connection { status message connectUrl } }"


@pytest.fixture
def volatile_redis() -> Iterator[RedisProcess]:
    with RedisProcess(appendonly=False) as redis:
        yield redis


async def test_connections_lost_with_the_store_ask_to_connect_again(
    sandbox: RunningSandbox, volatile_redis: RedisProcess, http: httpx.AsyncClient
) -> None:
    async with serve_ledgergraph(sandbox, redis_url=volatile_redis.url) as server:
        await connect(http, server.url, server.token("acme"), user_id=SOLO_USER_ID)
        volatile_redis.stop()
        volatile_redis.start()  # empty: no AOF

        failed = await server.graphql(http, "acme", "{ invoices(first: 1) { totalCount } }")
        status = await server.graphql(http, "acme", CONNECTION)
        assert server.runtime is not None
        events = await server.runtime.events.read(TenantId("acme"), after=None)

        await connect(http, server.url, server.token("acme"), user_id=SOLO_USER_ID)
        again = await server.graphql(http, "acme", CONNECTION)

    error = failed["errors"][0]
    assert error["extensions"]["code"] == "REAUTH_REQUIRED"
    assert "lost its stored state" in error["message"]
    connection = status["data"]["connection"]
    assert connection["status"] == "REAUTH_REQUIRED"
    assert "connect again" in connection["message"]
    assert "link=" in connection["connectUrl"]
    reported = [e.event for e in events if e.event.kind is EventKind.CONNECTION]
    assert [e.status for e in reported] == ["REAUTH_REQUIRED"]
    assert again["data"]["connection"]["status"] == "CONNECTED"


async def test_a_tenant_that_never_connected_is_not_told_it_was_lost(
    sandbox: RunningSandbox, volatile_redis: RedisProcess, http: httpx.AsyncClient
) -> None:
    async with serve_ledgergraph(sandbox, redis_url=volatile_redis.url) as server:
        status = await server.graphql(http, "newcomer", CONNECTION)

    assert status["data"]["connection"]["status"] == "NOT_CONNECTED"
