"""Benchmark: batching where a client looks for it — objects by ID and reverse relations.

Issue 12, target 4: ``node(id:)`` for 50 ids (as aliases, as Relay refetches do) and
``nodes(ids:)`` cost the minimum Sage calls, and so do reverse relations such as "50 contacts,
each with their last 5 invoices" — without them a client pays one request for the contacts and
one aliased ``invoices(contact:)`` per contact (51 calls). Against the embedded sandbox with
injected latency (50 ms per Sage call by default), it prints for each case the minimum calls,
the calls made cold and warm, the dependent rounds of the cold run, cold and warm p50/p95 and
whether the calls were at the minimum. A script, not a test:

    .venv/bin/python bench/relations.py [--latency-ms 50] [--runs 15] [--redis-url URL]
    .venv/bin/python bench/relations.py --smoke    # tiny books, a few runs: proves it works

The minimum for N ids of one kind (or N contacts' documents) is what ``SageReads.many``
chooses: one call per id (contact) up to three, beyond that the cheaper of one call each or
the pages of the whole list. "Ideal rounds" are the dependent rounds at that minimum once a
list's length is known (LedgerGraph remembers it from any earlier page: here, the sizes query):
every page of a list in one round, so one round per level of the query.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
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
from ledgergraph.types import TenantId
from tests.support.browser import connect
from tests.support.rounds import Rounds
from tests.support.server import LiveServer, serve_ledgergraph

PAGE = 200
SMALL_BATCH = 3
TENANT = TenantId("acme")
KINDS = ("contacts", "sales_invoices", "contact_payments")
SIZES = """{ contacts(first: 1) { totalCount } invoices(first: 1) { totalCount }
  payments(first: 1) { totalCount } }"""
CONTACT_PAGE = """query($after: String) { contacts(first: 200, after: $after) {
  pageInfo { endCursor } nodes { id } } }"""


def pages(count: int) -> int:
    return max(1, math.ceil(count / PAGE))


def batch_calls(wanted: int, listed: int) -> int:
    """The fewest calls for ``wanted`` objects (or parents) out of a list of ``listed``."""
    return wanted if wanted <= SMALL_BATCH else min(wanted, pages(listed))


@dataclass(frozen=True)
class Case:
    name: str
    query: str
    variables: Callable[[list[str]], dict[str, Any]]
    # The fewest calls and dependent rounds (all of a batch's calls in one round), given the
    # sizes, N and the answer.
    minimum: Callable[[dict[str, int], int, Any], int]
    rounds: Callable[[dict[str, int], int, Any], int]


def _paying(data: Any) -> int:
    invoices = data["invoices"]["nodes"]
    return len({i["contactName"] for i in invoices if float(i["amountPaid"]["amount"])})


def _aliases(ids: list[str]) -> str:
    fields = " ".join(
        f'n{i}: node(id: "{v}") {{ id ... on Contact {{ name }} }}' for i, v in enumerate(ids)
    )
    return "{ " + fields + " }"


CASES = [
    Case(
        "node(id:) x N as aliases",
        "",  # written per run: the ids are in the document
        lambda ids: {},
        lambda sizes, n, _: batch_calls(n, sizes["contacts"]),
        lambda sizes, n, _: 1,
    ),
    Case(
        "nodes(ids:) with N ids",
        "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Contact { name } } }",
        lambda ids: {"ids": ids},
        lambda sizes, n, _: batch_calls(n, sizes["contacts"]),
        lambda sizes, n, _: 1,
    ),
    Case(
        "N contacts, each with its last 5 invoices",
        """query($n: Int!) { contacts(kind: CUSTOMER, first: $n) { nodes { name
             invoices(first: 5) { totalCount nodes { number date totalAmount { amount } } }
           } } }""",
        lambda ids: {"n": len(ids)},
        lambda sizes, n, _: 1 + batch_calls(n, sizes["invoices"]),
        lambda sizes, n, _: 2,
    ),
    Case(
        "2N invoices, each with its payments",
        """query($n: Int!) { invoices(first: $n) { nodes { number contactName
             amountPaid { amount } payments { date totalAmount { amount } } } } }""",
        lambda ids: {"n": 2 * len(ids)},
        # The payments of the contacts of the invoices paid at all (nothing paid: no call).
        lambda sizes, n, data: 1 + batch_calls(_paying(data), sizes["payments"]),
        lambda sizes, n, data: 2,
    ),
]


@dataclass
class Measured:
    data: Any
    cold_calls: int
    warm_calls: float
    cold_rounds: int
    cold_ms: tuple[float, float]
    warm_ms: tuple[float, float]


def _p50_p95(timings: list[float]) -> tuple[float, float]:
    if len(timings) < 2:
        return timings[0], timings[0]
    return statistics.median(timings), statistics.quantiles(timings, n=20)[18]


async def _sage_calls(http: httpx.AsyncClient, sandbox: RunningSandbox) -> int:
    stats = (await http.get(f"{sandbox.url}/__sandbox/stats")).json()
    return sum(n for route, n in stats["requests"].items() if " /v3.1/" in route)


async def _timed(
    server: LiveServer, http: httpx.AsyncClient, query: str, variables: dict[str, Any]
) -> tuple[float, Any]:
    started = time.perf_counter()
    body = await server.graphql(http, "acme", query, variables)
    elapsed = (time.perf_counter() - started) * 1000
    if "errors" in body:
        raise RuntimeError(f"the query failed: {body['errors']}")
    return elapsed, body["data"]


async def _measure(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any],
    runs: int,
    invalidate: Callable[[], Awaitable[None]],
    rounds: Rounds,
) -> Measured:
    await invalidate()
    await http.post(f"{sandbox.url}/__sandbox/stats/reset")
    rounds.reset()
    _, data = await _timed(server, http, query, variables)
    cold_calls, cold_rounds = await _sage_calls(http, sandbox), rounds.count()
    cold = []
    for _ in range(runs):
        await invalidate()
        cold.append((await _timed(server, http, query, variables))[0])
    await http.post(f"{sandbox.url}/__sandbox/stats/reset")
    warm = [(await _timed(server, http, query, variables))[0] for _ in range(runs)]
    warm_calls = await _sage_calls(http, sandbox) / runs
    return Measured(data, cold_calls, warm_calls, cold_rounds, _p50_p95(cold), _p50_p95(warm))


async def _contact_ids(server: LiveServer, http: httpx.AsyncClient, wanted: int) -> list[str]:
    """``wanted`` contact ids, half from the end of the list's first page and half from the
    start of its second (when it has one): no one page holds them all."""
    first = (await server.graphql(http, "acme", CONTACT_PAGE, {"after": None}))["data"]
    ids = [n["id"] for n in first["contacts"]["nodes"]]
    end = first["contacts"]["pageInfo"]["endCursor"]
    second = (await server.graphql(http, "acme", CONTACT_PAGE, {"after": end}))["data"]
    more = [n["id"] for n in second["contacts"]["nodes"]]
    if not more:
        return ids[:wanted]
    half = wanted // 2
    return ids[-(wanted - min(half, len(more))) :] + more[: min(half, len(more))]


async def run(args: argparse.Namespace) -> list[list[str]]:
    config = SandboxConfig(controls=True, scale=0.1) if args.smoke else SandboxConfig(controls=True)
    # A benchmark counts Sage calls: LedgerGraph's own rate limits must refuse none.
    overrides = {"sage_budget_per_minute": 0, "rate_limit_requests": 0}
    async with (
        serve_sandbox(config) as sandbox,
        serve_ledgergraph(
            sandbox, redis_url=args.redis_url, prefix=f"bench-relations-{os.getpid()}:", **overrides
        ) as server,
        httpx.AsyncClient(timeout=120) as http,
    ):
        await connect(http, server.url, server.token("acme"), user_id=DEMO_USER_ID)
        sizes_body = (await server.graphql(http, "acme", SIZES))["data"]
        sizes = {k: v["totalCount"] for k, v in sizes_body.items()}
        ids = await _contact_ids(server, http, args.ids)
        assert server.runtime is not None
        runtime = server.runtime
        connection = await runtime.connections.get(TENANT)
        assert connection is not None
        assert connection.business is not None
        business = connection.business.id
        rounds = Rounds(sandbox.api_url).watch(runtime.http)

        async def invalidate() -> None:
            await runtime.sage.invalidate(TENANT, business, *KINDS)

        await http.post(f"{sandbox.url}/__sandbox/faults", json={"latency_ms": args.latency_ms})
        rows = [[f"sizes: {sizes}; N = {len(ids)}"]]
        for case in CASES:
            query = case.query or _aliases(ids)
            measured = await _measure(
                server, sandbox, http, query, case.variables(ids), args.runs, invalidate, rounds
            )
            minimum = case.minimum(sizes, len(ids), measured.data)
            rows.append(
                [
                    case.name,
                    str(minimum),
                    f"{measured.cold_calls} / {measured.warm_calls:g}",
                    f"{measured.cold_rounds} ({case.rounds(sizes, len(ids), measured.data)})",
                    "{:.0f} / {:.0f}".format(*measured.cold_ms),
                    "{:.0f} / {:.0f}".format(*measured.warm_ms),
                    "at minimum" if measured.cold_calls <= minimum else "ABOVE MINIMUM",
                ]
            )
        return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--ids", type=int, default=50, help="N: ids / contacts asked for")
    parser.add_argument("--redis-url", help="a throwaway Redis for the store (default: memory)")
    parser.add_argument("--smoke", action="store_true", help="tiny books and 2 runs (CI)")
    args = parser.parse_args()
    if args.smoke:
        args.runs, args.ids = 2, 10
    rows = asyncio.run(run(args))
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    store = "Redis store" if args.redis_url else "memory store"
    print(
        f"Sage latency {args.latency_ms} ms per call, {args.runs} runs per case, {store}, "
        f"load average {load}; {rows[0][0]}"
    )
    titles = [
        "case",
        "min calls",
        "calls cold / warm",
        "rounds (ideal)",
        "cold p50 / p95 ms",
        "warm p50 / p95 ms",
        "",
    ]
    body = rows[1:]
    widths = [max(len(t), *(len(r[i]) for r in body)) for i, t in enumerate(titles)]
    print("  ".join(t.ljust(w) for t, w in zip(titles, widths, strict=True)))
    for row in body:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
