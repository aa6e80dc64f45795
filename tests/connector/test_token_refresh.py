"""Refresh races: one refresh for a storm across processes, crashes holding the lock, and
refused refresh tokens that end in REAUTH_REQUIRED without a loop. The tests of the token
manager's use of Redis (a lock's lease, compare-and-set of the token record, the tenants index)
run on one Redis and on a Redis Cluster; the storm on a cluster is in the cluster fleet test."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from ledgergraph.cache import keys, open_store
from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import SOLO_USER_ID
from ledgergraph.types import TenantId
from tests.support.browser import connect
from tests.support.fixtures import on_each_redis
from tests.support.server import LiveServer, server_process

BUSINESSES = "{ businesses { id } }"


async def _stats(http: httpx.AsyncClient, sandbox: RunningSandbox) -> dict[str, Any]:
    stats: dict[str, Any] = (await http.get(f"{sandbox.url}/__sandbox/stats")).json()
    return stats


async def _reset(http: httpx.AsyncClient, sandbox: RunningSandbox) -> None:
    await http.post(f"{sandbox.url}/__sandbox/stats/reset")


async def test_a_refresh_storm_across_two_processes_refreshes_exactly_once(
    sandbox: RunningSandbox, redis_url: str, key_prefix: str, http: httpx.AsyncClient
) -> None:
    async with (
        server_process(sandbox, redis_url=redis_url, prefix=key_prefix) as first,
        server_process(sandbox, redis_url=redis_url, prefix=key_prefix) as second,
    ):
        await connect(http, first.url, first.token("acme"), user_id=SOLO_USER_ID)
        await _reset(http, sandbox)
        await http.post(f"{sandbox.url}/__sandbox/expire-tokens")

        servers = [first, second]
        results = await asyncio.gather(
            *(servers[i % 2].graphql(http, "acme", BUSINESSES) for i in range(200))
        )

        stats = await _stats(http, sandbox)
        assert [r for r in results if "errors" in r] == []
        assert stats["token_grants"] == {"refresh_token": 1}
        assert stats["invalid_grant"] == 0


@on_each_redis
async def test_a_worker_that_dies_holding_the_lock_delays_others_only_for_its_ttl(
    server: LiveServer, http: httpx.AsyncClient, redis_url: str, key_prefix: str
) -> None:
    await connect(http, server.url, server.token("acme"), user_id=SOLO_USER_ID)
    async with open_store(redis_url, prefix=key_prefix) as dead_worker:
        lease = await dead_worker.locks.acquire(keys.refresh_lock("acme"), ttl=0.5)
        assert lease is not None  # and never released: the worker "crashed"
    await _reset(http, server.sandbox)
    await http.post(f"{server.sandbox.url}/__sandbox/expire-tokens")

    result = await server.graphql(http, "acme", BUSINESSES)

    assert "errors" not in result, result
    stats = await _stats(http, server.sandbox)
    assert stats["token_grants"] == {"refresh_token": 1}
    status = await server.graphql(http, "acme", "{ connection { status } }")
    assert status["data"]["connection"]["status"] == "CONNECTED"


@on_each_redis
async def test_a_rotation_lost_in_a_crash_ends_in_reauth_required_without_a_loop(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    await connect(http, server.url, server.token("acme"), user_id=SOLO_USER_ID)
    assert server.runtime is not None
    stored = await server.runtime.tokens.load(TenantId("acme"))
    assert stored is not None
    # A worker refreshed at Sage, then died before persisting the new pair.
    lost = await http.post(
        server.sandbox.token_url,
        data={
            "grant_type": "refresh_token",
            "refresh_token": stored.tokens.refresh_token,
            "client_id": "sandbox-client",
            "client_secret": "sandbox-secret",
        },
    )
    assert lost.status_code == 200
    await _reset(http, server.sandbox)
    await http.post(f"{server.sandbox.url}/__sandbox/expire-tokens")

    results = await asyncio.gather(*(server.graphql(http, "acme", BUSINESSES) for _ in range(20)))
    again = await server.graphql(http, "acme", BUSINESSES)

    codes = {r["errors"][0]["extensions"]["code"] for r in [*results, again]}
    assert codes == {"REAUTH_REQUIRED"}
    stats = await _stats(http, server.sandbox)
    assert stats["invalid_grant"] == 1
    assert stats["token_grants"].get("refresh_token", 0) == 0
    status = await server.graphql(http, "acme", "{ connection { status message } }")
    assert status["data"]["connection"]["status"] == "REAUTH_REQUIRED"
    assert "connect again" in status["data"]["connection"]["message"]


async def test_tokens_are_refreshed_before_they_expire(
    sandbox: RunningSandbox, redis_url: str, key_prefix: str, http: httpx.AsyncClient
) -> None:
    from tests.support.server import serve_ledgergraph

    # A margin longer than the token's life: every request sees a token "about to expire".
    async with serve_ledgergraph(
        sandbox, redis_url=redis_url, prefix=key_prefix, token_refresh_margin=301
    ) as server:
        await connect(http, server.url, server.token("acme"), user_id=SOLO_USER_ID)
        await _reset(http, sandbox)

        result = await server.graphql(http, "acme", BUSINESSES)

        assert "errors" not in result
        stats = await _stats(http, sandbox)
        assert stats["token_grants"] == {"refresh_token": 1}
        # Proactive: no request was sent with the old token and refused.
        assert stats["statuses"].get("401", 0) == 0


@on_each_redis
async def test_keep_alive_refreshes_connections_whose_refresh_token_would_lapse(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    await connect(http, server.url, server.token("acme"), user_id=SOLO_USER_ID)
    await connect(http, server.url, server.token("beta"), user_id=SOLO_USER_ID)
    assert server.runtime is not None
    await _reset(http, server.sandbox)

    assert await server.runtime.tokens.keep_alive(window=60) == 0
    assert await server.runtime.tokens.keep_alive(window=32 * 24 * 3600) == 2

    stats = await _stats(http, server.sandbox)
    assert stats["token_grants"] == {"refresh_token": 2}
