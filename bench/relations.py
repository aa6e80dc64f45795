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
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from _support import (
    COLUMNS,
    batch_calls,
    cold_warm_parser,
    conditions,
    measure,
    print_table,
    row,
    served_demo,
    totals,
    watched,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ledgergraph.types import TenantId
from tests.support.server import LiveServer

TENANT = TenantId("acme")
KINDS = ("contacts", "sales_invoices", "contact_payments")
SIZES = """{ contacts(first: 1) { totalCount } invoices(first: 1) { totalCount }
  payments(first: 1) { totalCount } }"""
CONTACT_PAGE = """query($after: String) { contacts(first: 200, after: $after) {
  pageInfo { endCursor } nodes { id } } }"""


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


def _p50_p95(timings: list[float]) -> tuple[float, float]:
    if len(timings) < 2:
        return timings[0], timings[0]
    return statistics.median(timings), statistics.quantiles(timings, n=20)[18]


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
    async with served_demo("relations", smoke=args.smoke, redis_url=args.redis_url) as (
        sandbox,
        server,
        http,
    ):
        sizes = await totals(server, http, SIZES)
        ids = await _contact_ids(server, http, args.ids)
        invalidate, rounds = await watched(server, sandbox, http, TENANT, KINDS, args.latency_ms)
        rows = [[f"sizes: {sizes}; N = {len(ids)}"]]
        for case in CASES:
            query = case.query or _aliases(ids)
            measured = await measure(
                server, sandbox, http, query, case.variables(ids), args.runs, invalidate, rounds
            )
            minimum = case.minimum(sizes, len(ids), measured.data)
            ideal = case.rounds(sizes, len(ids), measured.data)
            verdict = "at minimum" if measured.cold_calls <= minimum else "ABOVE MINIMUM"
            rows.append(row(case.name, minimum, ideal, measured, _p50_p95, verdict))
        return rows


def main() -> None:
    parser = cold_warm_parser(__doc__)
    parser.add_argument("--ids", type=int, default=50, help="N: ids / contacts asked for")
    parser.add_argument("--smoke", action="store_true", help="tiny books and 2 runs (CI)")
    args = parser.parse_args()
    if args.smoke:
        args.runs, args.ids = 2, 10
    rows = asyncio.run(run(args))
    print(f"{conditions(args, 'runs per case')}; {rows[0][0]}")
    print_table(["case", *COLUMNS], rows[1:])


if __name__ == "__main__":
    main()
