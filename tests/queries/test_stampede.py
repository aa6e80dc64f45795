"""Identical reads in flight at once share one Sage call: a burst of the same cold query
costs what one query costs, never once per client."""

from __future__ import annotations

import asyncio

import httpx

from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import DEMO_USER_ID
from tests.queries.conftest import business_in, reset_stats, sage_calls
from tests.support.answers import without_cost
from tests.support.browser import connect
from tests.support.server import serve_ledgergraph

DASHBOARD = """{ invoices(first: 50) { nodes { number contact { name email }
  lines { taxRate { kind } ledgerAccount { code } } } } }"""


async def test_sixteen_identical_cold_queries_cost_the_calls_of_one(
    sandbox: RunningSandbox, redis_url: str, key_prefix: str, http: httpx.AsyncClient
) -> None:
    # No response cache: every query is cold, so only sharing calls in flight can save any;
    # and all sixteen in flight at once (per-tenant admission would queue half of them).
    async with serve_ledgergraph(
        sandbox,
        redis_url=redis_url,
        prefix=key_prefix,
        response_cache=False,
        graphql_tenant_concurrency=16,
    ) as server:
        await connect(
            http,
            server.url,
            server.token("acme"),
            user_id=DEMO_USER_ID,
            choose=business_in(sandbox, "GB"),
        )
        await reset_stats(http, sandbox)
        alone = await server.graphql(http, "acme", DASHBOARD)
        one = sum((await sage_calls(http, sandbox)).values())

        await reset_stats(http, sandbox)
        # Each call takes a while, as Sage's do: the burst's queries all arrive while the
        # first one's calls are still in flight, however loaded the machine running the test.
        await http.post(f"{sandbox.url}/__sandbox/faults", json={"latency_ms": 300})
        burst = await asyncio.gather(*(server.graphql(http, "acme", DASHBOARD) for _ in range(16)))
        sixteen = sum((await sage_calls(http, sandbox)).values())

    assert "errors" not in alone, alone
    # Equal data; their costs differ (the burst's queries shared calls they did not make).
    assert all(without_cost(answer) == without_cost(alone) for answer in burst)
    assert one > 0
    assert sixteen == one
