from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import DEMO_USER_ID
from tests.support.browser import connect
from tests.support.fixtures import http_fixture, sandbox_fixture, server_fixture
from tests.support.server import LiveServer, serve_ledgergraph


async def _connect_acme(server: LiveServer, http: httpx.AsyncClient) -> None:
    british = business_in(server.sandbox, "GB")
    await connect(http, server.url, server.token("acme"), user_id=DEMO_USER_ID, choose=british)


sandbox = sandbox_fixture()
http = http_fixture(timeout=60)
# Tenant ``acme`` connected to the demo user, on its British business.
server = server_fixture(prepare=_connect_acme)


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def each_store_server(
    request: pytest.FixtureRequest,
    sandbox: RunningSandbox,
    redis_url: str,
    key_prefix: str,
    http: httpx.AsyncClient,
) -> AsyncIterator[LiveServer]:
    """Like ``server``, once on the in-memory store and once on Redis (whose reads are real
    round trips: what could split a batch there cannot in memory)."""
    url = redis_url if request.param == "redis" else None
    async with serve_ledgergraph(sandbox, redis_url=url, prefix=key_prefix) as live:
        await _connect_acme(live, http)
        yield live


def business_in(sandbox: RunningSandbox, country: str) -> str:
    world = sandbox.world
    return next(
        b.id
        for b in world.businesses.values()
        if b.country_code == country and b.id in world.users[DEMO_USER_ID].business_ids
    )


async def data(server: LiveServer, http: httpx.AsyncClient, query: str, **variables: Any) -> Any:
    body = await server.graphql(http, "acme", query, variables)
    assert "errors" not in body, body["errors"]
    return body["data"]


async def sage_calls(http: httpx.AsyncClient, sandbox: RunningSandbox) -> dict[str, int]:
    stats = (await http.get(f"{sandbox.url}/__sandbox/stats")).json()
    return {k: v for k, v in stats["requests"].items() if " /v3.1/" in k}


async def reset_stats(http: httpx.AsyncClient, sandbox: RunningSandbox) -> None:
    await http.post(f"{sandbox.url}/__sandbox/stats/reset")
