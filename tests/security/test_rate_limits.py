"""Per-tenant request limits and the per-business Sage budget: over either, a clear
RATE_LIMITED error with the seconds to wait, and nothing sent to Sage."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from ledgergraph.cache import MemoryStore
from ledgergraph.errors import RateLimited
from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import DEMO_USER_ID, SOLO_USER_ID
from ledgergraph.security.ratelimit import RequestLimiter, SlidingWindow
from ledgergraph.types import TenantId
from tests.security.helpers import connect_tenant, post, sage_api_calls
from tests.support.server import LiveServer, serve_ledgergraph
from tests.support.ws import ConnectionRefused, GraphQLWebSocket

pytestmark = pytest.mark.redis

START = 60.0 * 1000  # the start of a window


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def memory() -> AsyncIterator[MemoryStore]:
    async with MemoryStore() as store:
        yield store


async def test_a_window_admits_its_limit_then_refuses_with_the_wait(memory: MemoryStore) -> None:
    clock = Clock()
    window = SlidingWindow(memory.kv, limit=3, seconds=60, clock=clock)
    clock.now = START + 15

    waits = [await window.hit(lambda n: f"k:{n}") for _ in range(5)]

    assert waits[:3] == [None, None, None]
    assert waits[3] == waits[4] == 45.0  # until this window ends
    assert await memory.kv.get("k:1000") == b"3"  # refused hits are not counted


@pytest.mark.parametrize(
    ("into_next_window", "admitted"),
    [(0.0, 0), (30.0, 1), (45.0, 2), (60.0, 3)],
    ids=["at-start", "half-way", "three-quarters", "a-window-later"],
)
async def test_the_previous_window_weighs_what_it_still_overlaps(
    memory: MemoryStore, into_next_window: float, admitted: int
) -> None:
    clock = Clock()
    window = SlidingWindow(memory.kv, limit=3, seconds=60, clock=clock)
    for _ in range(3):
        assert await window.hit(lambda n: f"k:{n}") is None
    clock.now = START + 60 + into_next_window

    results = [await window.hit(lambda n: f"k:{n}") for _ in range(4)]

    assert results.count(None) == admitted
    assert all(wait is not None and wait >= 1 for wait in results[admitted:])


async def test_tenants_are_counted_apart(memory: MemoryStore) -> None:
    limiter = RequestLimiter(SlidingWindow(memory.kv, limit=1, seconds=60))
    await limiter.admit(TenantId("acme"))
    await limiter.admit(TenantId("beta"))
    with pytest.raises(RateLimited) as refused:
        await limiter.admit(TenantId("acme"))
    assert refused.value.extensions["code"] == "RATE_LIMITED"
    assert refused.value.extensions["retryAfter"] >= 1


@pytest.fixture
async def limited(
    sandbox: RunningSandbox, redis_url: str, key_prefix: str
) -> AsyncIterator[LiveServer]:
    async with serve_ledgergraph(
        sandbox,
        redis_url=redis_url,
        prefix=key_prefix,
        rate_limit_requests=3,
        sage_budget_per_minute=3,
        response_cache=False,
    ) as running:
        yield running


async def test_a_tenant_over_its_request_limit_gets_429_and_others_do_not(
    limited: LiveServer, http: httpx.AsyncClient
) -> None:
    acme, beta = limited.token("acme"), limited.token("beta")
    answers = [await post(http, limited, "{ __typename }", token=acme) for _ in range(4)]

    assert [a.status for a in answers] == [200, 200, 200, 429]
    refused = answers[3]
    assert refused.codes == ["RATE_LIMITED"]
    retry_after = refused.error["extensions"]["retryAfter"]
    assert 1 <= retry_after <= 60
    assert refused.headers["Retry-After"] == str(int(retry_after))
    assert (await post(http, limited, "{ __typename }", token=beta)).status == 200


async def test_websocket_connections_count_against_the_limit(
    limited: LiveServer, http: httpx.AsyncClient
) -> None:
    acme = limited.token("acme")
    for _ in range(3):
        await post(http, limited, "{ __typename }", token=acme)
    with pytest.raises(ConnectionRefused) as refused:
        async with GraphQLWebSocket.open(limited.url, token=acme):
            pass
    assert refused.value.code == 4403


async def test_over_the_sage_budget_a_business_is_refused_without_calling_sage(
    sandbox: RunningSandbox, redis_url: str, key_prefix: str, http: httpx.AsyncClient
) -> None:
    async with serve_ledgergraph(
        sandbox,
        redis_url=redis_url,
        prefix=key_prefix,
        sage_budget_per_minute=3,
        response_cache=False,
    ) as server:
        acme = await connect_tenant(http, server, "acme", user_id=SOLO_USER_ID)
        beta = await connect_tenant(http, server, "beta", user_id=DEMO_USER_ID)
        query = "{ contacts(first: 1) { totalCount } }"
        for _ in range(3):
            assert "errors" not in (await post(http, server, query, token=acme.token)).body
        calls = await sage_api_calls(http, sandbox)

        refused = await post(http, server, query, token=acme.token)

        assert refused.status == 200
        assert refused.codes == ["RATE_LIMITED"]
        assert refused.error["extensions"]["retryAfter"] >= 1
        assert refused.error["extensions"]["budget"] == "upstream"
        assert await sage_api_calls(http, sandbox) == calls
        # Another business has a budget of its own.
        assert "errors" not in (await post(http, server, query, token=beta.token)).body
