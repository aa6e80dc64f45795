"""Identical cold reads on two servers sharing one Redis cost the Sage calls of one: the first
to miss fills the cache, the other waits for its entry (single flight across processes)."""

from __future__ import annotations

import asyncio

import httpx

from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import DEMO_USER_ID
from ledgergraph.types import TenantId
from tests.queries.conftest import business_in, reset_stats, sage_calls
from tests.support.browser import connect
from tests.support.server import LiveServer, serve_ledgergraph

DASHBOARD = """{ invoices(first: 50) { nodes { number contact { name email }
  lines { taxRate { kind } ledgerAccount { code } } } } }"""
KINDS = ("sales_invoices", "contacts", "tax_rates", "ledger_accounts")


async def _cold_calls(
    servers: list[LiveServer], sandbox: RunningSandbox, http: httpx.AsyncClient, copies: int
) -> tuple[int, list[dict[str, object]]]:
    """Sage calls of ``copies`` identical queries per server, all at once on a cold cache."""
    runtime = servers[0].runtime
    assert runtime is not None
    await runtime.sage.invalidate(TenantId("acme"), business_in(sandbox, "GB"), *KINDS)
    await reset_stats(http, sandbox)
    answers = await asyncio.gather(
        *(s.graphql(http, "acme", DASHBOARD) for s in servers for _ in range(copies))
    )
    return sum((await sage_calls(http, sandbox)).values()), [a["data"] for a in answers]


async def test_identical_cold_queries_on_two_servers_cost_the_calls_of_one(
    sandbox: RunningSandbox, redis_url: str, key_prefix: str, http: httpx.AsyncClient
) -> None:
    async with (
        serve_ledgergraph(sandbox, redis_url=redis_url, prefix=key_prefix) as first,
        serve_ledgergraph(sandbox, redis_url=redis_url, prefix=key_prefix) as second,
    ):
        await connect(
            http,
            first.url,
            first.token("acme"),
            user_id=DEMO_USER_ID,
            choose=business_in(sandbox, "GB"),
        )
        # Twice alone: the second run is cold with the lists' totals known, as the burst is.
        await _cold_calls([first], sandbox, http, 1)
        one, (alone,) = await _cold_calls([first], sandbox, http, 1)
        # Each call takes a while, as Sage's do: every query of the burst arrives while the
        # first one's calls are still in flight, however loaded the machine running the test.
        await http.post(f"{sandbox.url}/__sandbox/faults", json={"latency_ms": 300})
        burst, answers = await _cold_calls([first, second], sandbox, http, 4)

    assert one > 0
    assert all(answer == alone for answer in answers)
    assert burst == one
