"""Benchmark: Sage calls and latency of realistic queries, optimised vs naive.

Runs a fixed set of queries against the embedded sandbox with injected upstream latency and
prints, for each query: the Sage calls and latency (p50/p95) of LedgerGraph as shipped
(dataloaders + response cache), of the same server with loaders and cache disabled, and the
minimum number of calls the query needs. A script, not a test:

    .venv/bin/python bench/queries.py [--latency-ms 30] [--runs 15] [--markdown]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ledgergraph.sandbox import RunningSandbox, SandboxConfig, serve_sandbox
from ledgergraph.sandbox.books import DEMO_USER_ID
from tests.support.browser import connect
from tests.support.server import LiveServer, serve_ledgergraph

PAGE = 200


def pages(count: int) -> int:
    return max(1, math.ceil(count / PAGE))


@dataclass(frozen=True)
class Query:
    name: str
    text: str
    # The fewest Sage calls this query can cost on a cold cache, given the business's sizes.
    minimum: Callable[[dict[str, int], dict[str, Any]], int]


def _distinct_contacts(result: dict[str, Any], field: str) -> int:
    nodes = result[field]["nodes"]
    return len({n["contact"]["name"] for n in nodes if n.get("contact")})


QUERIES = [
    Query(
        "100 invoices + contact + line tax rate & account",
        """{ invoices(first: 100) { nodes { number contact { name email }
             lines { taxRate { name kind } ledgerAccount { code roles } } } } }""",
        lambda sizes, r: (
            1
            + pages(sizes["taxRates"])
            + pages(sizes["ledgerAccounts"])
            + min(_distinct_contacts(r, "invoices"), pages(sizes["contacts"]))
        ),
    ),
    Query(
        "50 payments + contact + bank account + allocations",
        """{ payments(first: 50) { nodes { totalAmount { amount } contact { name }
             bankAccount { name } allocations { amount { amount } documentType } } } }""",
        lambda sizes, r: (
            1
            + pages(sizes["bankAccounts"])
            + min(_distinct_contacts(r, "payments"), pages(sizes["contacts"]))
        ),
    ),
    Query(
        "50 contacts (flat)",
        "{ contacts(first: 50) { totalCount nodes { name email balance { amount } } } }",
        lambda sizes, r: 1,
    ),
    Query(
        "chart of accounts + tax rates",
        """{ ledgerAccounts(first: 200) { nodes { code name classification roles } }
             taxRates(first: 200) { nodes { name rate kind taxSystem } } }""",
        lambda sizes, r: pages(sizes["ledgerAccounts"]) + pages(sizes["taxRates"]),
    ),
    Query(
        "dashboard: unpaid invoices + bills with contacts",
        """{ invoices(status: UNPAID, first: 20) { nodes { number contact { name email } } }
             bills(status: UNPAID, first: 20) { nodes { reference contact { name email } } } }""",
        lambda sizes, r: (
            2
            + min(
                _distinct_contacts(r, "invoices") + _distinct_contacts(r, "bills"),
                pages(sizes["contacts"]),
            )
        ),
    ),
]

SIZES = """{ contacts(first: 1) { totalCount } taxRates(first: 1) { totalCount }
  ledgerAccounts(first: 1) { totalCount } bankAccounts(first: 1) { totalCount } }"""


@dataclass
class Measured:
    cold_calls: int
    warm_calls: float
    cold_ms: tuple[float, float]
    warm_ms: tuple[float, float]


def _p50_p95(timings: list[float]) -> tuple[float, float]:
    return statistics.median(timings), statistics.quantiles(timings, n=20)[18]


async def _timed(server: LiveServer, http: httpx.AsyncClient, text: str) -> float:
    started = time.perf_counter()
    body = await server.graphql(http, "acme", text)
    assert "errors" not in body, body["errors"]
    return (time.perf_counter() - started) * 1000


async def _sage_calls(http: httpx.AsyncClient, sandbox: RunningSandbox) -> int:
    stats = (await http.get(f"{sandbox.url}/__sandbox/stats")).json()
    return sum(n for route, n in stats["requests"].items() if " /v3.1/" in route)


async def _run(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    query: Query,
    runs: int,
    invalidate: Callable[[], Awaitable[None]],
) -> tuple[Measured, dict[str, Any]]:
    await invalidate()
    await http.post(f"{sandbox.url}/__sandbox/stats/reset")
    body = await server.graphql(http, "acme", query.text)
    assert "errors" not in body, body["errors"]
    cold = await _sage_calls(http, sandbox)
    cold_timings = []
    for _ in range(runs):
        await invalidate()
        cold_timings.append(await _timed(server, http, query.text))
    await http.post(f"{sandbox.url}/__sandbox/stats/reset")
    warm_timings = [await _timed(server, http, query.text) for _ in range(runs)]
    warm = await _sage_calls(http, sandbox) / runs
    measured = Measured(cold, warm, _p50_p95(cold_timings), _p50_p95(warm_timings))
    return measured, body["data"]


async def _server_results(
    sandbox: RunningSandbox, *, optimised: bool, runs: int
) -> tuple[list[tuple[Measured, dict[str, Any]]], dict[str, int]]:
    overrides: dict[str, Any] = {} if optimised else {"dataloaders": False, "response_cache": False}
    # A benchmark measures Sage calls: LedgerGraph's own rate limits must not refuse any.
    overrides |= {"sage_budget_per_minute": 0, "rate_limit_requests": 0}
    async with (
        serve_ledgergraph(sandbox, **overrides) as server,
        httpx.AsyncClient(timeout=120) as http,
    ):
        await connect(http, server.url, server.token("acme"), user_id=DEMO_USER_ID)
        sizes_body = await server.graphql(http, "acme", SIZES)
        sizes = {k: v["totalCount"] for k, v in sizes_body["data"].items()}
        assert server.runtime is not None
        runtime = server.runtime
        business = (await runtime.connections.get("acme")).business.id  # type: ignore[arg-type, union-attr]

        async def invalidate() -> None:
            kinds = (
                "contacts",
                "sales_invoices",
                "purchase_invoices",
                "contact_payments",
                "tax_rates",
                "ledger_accounts",
                "bank_accounts",
            )
            await runtime.sage.invalidate("acme", business, *kinds)  # type: ignore[arg-type]

        results = [await _run(server, sandbox, http, q, runs, invalidate) for q in QUERIES]
        return results, sizes


async def main(latency_ms: int, runs: int, markdown: bool) -> None:
    async with serve_sandbox(SandboxConfig(controls=True)) as sandbox, httpx.AsyncClient() as http:
        await http.post(f"{sandbox.url}/__sandbox/faults", json={"latency_ms": latency_ms})
        fast, sizes = await _server_results(sandbox, optimised=True, runs=runs)
        naive, _ = await _server_results(sandbox, optimised=False, runs=runs)
    header = (
        f"Sage latency {latency_ms} ms per call, {runs} warm runs per query; "
        f"business sizes: {sizes}"
    )
    rows = []
    for query, (opt, data), (base, _) in zip(QUERIES, fast, naive, strict=True):
        rows.append(
            (
                query.name,
                str(query.minimum(sizes, data)),
                f"{opt.cold_calls} / {opt.warm_calls:g}",
                "{:.0f} / {:.0f}".format(*opt.cold_ms),
                "{:.0f} / {:.0f}".format(*opt.warm_ms),
                f"{base.cold_calls}",
                "{:.0f} / {:.0f}".format(*base.warm_ms),
            )
        )
    titles = (
        "query",
        "min calls",
        "LedgerGraph calls cold / warm",
        "LedgerGraph cold p50 / p95 ms",
        "LedgerGraph warm p50 / p95 ms",
        "naive calls",
        "naive p50 / p95 ms",
    )
    if markdown:
        print(header + "\n")
        print("| " + " | ".join(titles) + " |")
        print("|" + "---|" * len(titles))
        for row in rows:
            print("| " + " | ".join(row) + " |")
    else:
        print(header)
        widths = [max(len(t), *(len(r[i]) for r in rows)) for i, t in enumerate(titles)]
        print("  ".join(t.ljust(w) for t, w in zip(titles, widths, strict=True)))
        for row in rows:
            print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency-ms", type=int, default=30)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    asyncio.run(main(args.latency_ms, args.runs, args.markdown))
