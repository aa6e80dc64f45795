"""Faults of Sage's token endpoint: a failed proactive refresh never fails a request whose
token still lives, a 429 is retryable, and a lost refresh answer is retried before the
connection is declared lost."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox, SandboxConfig, serve_sandbox
from ledgergraph.sandbox.books import SOLO_USER_ID
from tests.support.browser import connect
from tests.support.server import LiveServer, serve_ledgergraph

BUSINESSES = "{ businesses { id } }"


async def _stats(http: httpx.AsyncClient, sandbox: RunningSandbox) -> dict[str, Any]:
    stats: dict[str, Any] = (await http.get(f"{sandbox.url}/__sandbox/stats")).json()
    return stats


async def _failures_left(http: httpx.AsyncClient, sandbox: RunningSandbox) -> int:
    faults = (await http.get(f"{sandbox.url}/__sandbox/faults")).json()
    return sum(rule["count"] for rule in faults["fail"])


async def _fault(http: httpx.AsyncClient, sandbox: RunningSandbox, **fault: Any) -> None:
    response = await http.post(f"{sandbox.url}/__sandbox/faults", json=fault)
    assert response.status_code < 300, response.text


@pytest.fixture
async def eager(
    sandbox: RunningSandbox, redis_url: str, key_prefix: str, http: httpx.AsyncClient
) -> AsyncIterator[LiveServer]:
    """A server whose refresh margin exceeds the token's life: every request refreshes
    proactively while the current access token is still valid."""
    async with serve_ledgergraph(
        sandbox, redis_url=redis_url, prefix=key_prefix, token_refresh_margin=301
    ) as server:
        await connect(http, server.url, server.token("acme"), user_id=SOLO_USER_ID)
        await http.post(f"{sandbox.url}/__sandbox/stats/reset")
        yield server


@pytest.mark.parametrize("status", [429, 503, 400])
async def test_a_failed_proactive_refresh_keeps_the_still_valid_token_in_use(
    eager: LiveServer, http: httpx.AsyncClient, status: int
) -> None:
    sandbox = eager.sandbox
    await _fault(
        http, sandbox, fail={"method": "POST", "path": "/token*", "status": status, "count": 2}
    )

    first = await eager.graphql(http, "acme", BUSINESSES)
    second = await eager.graphql(http, "acme", BUSINESSES)

    assert "errors" not in first, first
    assert "errors" not in second, second
    # One refused attempt; the second request waits out the pause instead of trying again.
    assert await _failures_left(http, sandbox) == 1
    stats = await _stats(http, sandbox)
    assert stats["token_grants"].get("refresh_token", 0) == 0
    assert stats["statuses"].get("401", 0) == 0


async def test_a_rate_limited_refresh_of_an_expired_token_is_a_retryable_rate_limit(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    sandbox = server.sandbox
    await connect(http, server.url, server.token("acme"), user_id=SOLO_USER_ID)
    await http.post(f"{sandbox.url}/__sandbox/expire-tokens")
    await _fault(http, sandbox, fail={"method": "POST", "path": "/token*", "status": 429})

    refused = await server.graphql(http, "acme", BUSINESSES)
    later = await server.graphql(http, "acme", BUSINESSES)

    extensions = refused["errors"][0]["extensions"]
    assert extensions["code"] == "RATE_LIMITED"
    assert extensions["retryable"] is True
    assert "errors" not in later, later


@pytest.fixture
async def forgiving_sandbox() -> AsyncIterator[RunningSandbox]:
    """A Sage that honours a just-spent refresh token for a few seconds."""
    async with serve_sandbox(
        SandboxConfig(controls=True, scale=0.2, refresh_token_grace=5.0)
    ) as running:
        yield running


async def test_a_lost_refresh_answer_is_retried_with_the_same_refresh_token(
    forgiving_sandbox: RunningSandbox, redis_url: str, key_prefix: str, http: httpx.AsyncClient
) -> None:
    sandbox = forgiving_sandbox
    async with serve_ledgergraph(sandbox, redis_url=redis_url, prefix=key_prefix) as server:
        await connect(http, server.url, server.token("acme"), user_id=SOLO_USER_ID)
        await http.post(f"{sandbox.url}/__sandbox/stats/reset")
        await http.post(f"{sandbox.url}/__sandbox/expire-tokens")
        await _fault(http, sandbox, commit_then_drop={"method": "POST", "path": "/token*"})

        result = await server.graphql(http, "acme", BUSINESSES)
        status = await server.graphql(http, "acme", "{ connection { status } }")

    assert "errors" not in result, result
    assert status["data"]["connection"]["status"] == "CONNECTED"
    stats = await _stats(http, sandbox)
    assert stats["dropped"] == 1
    assert stats["token_grants"] == {"refresh_token": 2}


async def test_a_lost_refresh_answer_sage_does_not_forgive_is_reported_at_once(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    sandbox = server.sandbox
    await connect(http, server.url, server.token("acme"), user_id=SOLO_USER_ID)
    await http.post(f"{sandbox.url}/__sandbox/expire-tokens")
    await _fault(http, sandbox, commit_then_drop={"method": "POST", "path": "/token*"})

    result = await server.graphql(http, "acme", BUSINESSES)
    status = await server.graphql(http, "acme", "{ connection { status message } }")

    assert result["errors"][0]["extensions"]["code"] == "REAUTH_REQUIRED"
    assert status["data"]["connection"]["status"] == "REAUTH_REQUIRED"
    assert status["data"]["connection"]["message"]
