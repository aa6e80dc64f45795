"""Redis down: requests fail fast with a clear code, no token is lost, service resumes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest
import redis

from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import SOLO_USER_ID
from ledgergraph.types import TenantId
from tests.redis_server import RedisProcess
from tests.support.browser import connect
from tests.support.server import serve_ledgergraph


@pytest.fixture
def own_redis() -> Iterator[RedisProcess]:
    with RedisProcess() as proc:
        yield proc


async def test_requests_fail_fast_while_redis_is_down_and_resume_after(
    sandbox: RunningSandbox, own_redis: RedisProcess, http: httpx.AsyncClient
) -> None:
    async with serve_ledgergraph(sandbox, redis_url=own_redis.url, prefix="lg:") as server:
        await connect(http, server.url, server.token("acme"), user_id=SOLO_USER_ID)
        assert server.runtime is not None
        before = await server.runtime.tokens.load(TenantId("acme"))

        own_redis.pause()
        try:
            started = time.monotonic()
            body = await server.graphql(http, "acme", "{ businesses { id } }")
            elapsed = time.monotonic() - started
            ready = await http.get(f"{server.url}/readyz")
        finally:
            own_redis.resume()

        assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        assert elapsed < 3
        assert ready.status_code == 503
        again = await server.graphql(http, "acme", "{ businesses { id } }")
        assert "errors" not in again, again
        after = await server.runtime.tokens.load(TenantId("acme"))
        assert after == before


async def test_a_dump_of_redis_holds_no_token_in_plain_text(
    sandbox: RunningSandbox, own_redis: RedisProcess, http: httpx.AsyncClient
) -> None:
    async with serve_ledgergraph(sandbox, redis_url=own_redis.url, prefix="lg:") as server:
        await connect(http, server.url, server.token("acme"), user_id=SOLO_USER_ID)
        await http.post(f"{sandbox.url}/__sandbox/expire-tokens")
        await server.graphql(http, "acme", "{ businesses { id } }")  # forces a rotation
        assert server.runtime is not None
        stored = await server.runtime.tokens.load(TenantId("acme"))
        assert stored is not None

    client = redis.Redis.from_url(own_redis.url)
    try:
        dumped = b"".join(client.dump(key) or b"" for key in client.scan_iter("*"))
    finally:
        client.close()
    assert dumped, "the store wrote nothing"
    for secret in (stored.tokens.access_token, stored.tokens.refresh_token):
        assert secret.encode() not in dumped
        assert secret[:24].encode() not in dumped


async def test_a_write_sage_made_while_redis_stalled_is_answered_with_its_object(
    sandbox: RunningSandbox, own_redis: RedisProcess, http: httpx.AsyncClient
) -> None:
    async with serve_ledgergraph(sandbox, redis_url=own_redis.url, prefix="lg:") as server:
        await connect(http, server.url, server.token("acme"), user_id=SOLO_USER_ID)
        variables = {
            "key": "stalled-1",
            "input": {"name": "Stalled Ltd", "kinds": ["CUSTOMER"], "reference": "STALL1"},
        }
        await http.post(f"{sandbox.url}/__sandbox/faults", json={"latency_ms": 1500})
        mutation = asyncio.create_task(
            server.graphql(
                http,
                "acme",
                "mutation($key: String, $input: ContactInput!) { createContact("
                "idempotencyKey: $key, input: $input) { id name } }",
                variables,
            )
        )
        await asyncio.sleep(0.7)  # claimed; the POST waits in Sage's latency
        own_redis.pause()
        try:
            answer = await mutation
        finally:
            own_redis.resume()
        await http.delete(f"{sandbox.url}/__sandbox/faults")

    assert "errors" not in answer, answer
    assert answer["data"]["createContact"]["name"] == "Stalled Ltd"
