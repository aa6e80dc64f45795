"""Benchmark: the one query a month-end dashboard sends, cold and warm.

The month's profit and loss, the unpaid invoices and the unpaid bills (with their contacts'
names), the bank accounts with their balances and the month's other payments (with their
contact and bank account), as one GraphQL query. Against the embedded sandbox with injected
latency (50 ms per Sage call by default) it prints the minimum Sage calls the query needs on a
cold cache, the calls it made cold and warm, the dependent rounds of the cold run, cold and
warm p50/p95, and PASS when the cold calls are at the minimum (FAIL above it). A script, not a
test:

    .venv/bin/python bench/dashboard.py [--latency-ms 50] [--runs 15] [--redis-url URL]
    .venv/bin/python bench/dashboard.py --smoke    # tiny books, a few runs: proves it works

The minimum is one call per distinct Sage list the answer needs, each of its pages counted:
the chart with its balances for the month (the profit and loss), one page each of unpaid
invoices, unpaid bills and the month's other payments (Sage filters and sorts them), the bank
accounts (balances included; the other payments' bank accounts are among them) and the
contacts the documents and other payments name — as ``SageReads.many`` reads them: one GET
each up to three, beyond that the cheaper of one each or the pages of the whole list. Ideal
rounds: 2 (the contacts wait for the lists that name them; everything else goes out at once).
"Cold" drops the cached lists (``KINDS``) before each run; the business and its settings stay
known, as they are for any connected tenant.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from pathlib import Path
from typing import Any

import httpx
from _support import (
    COLUMNS,
    Measured,
    batch_calls,
    cold_warm_parser,
    conditions,
    measure,
    pages,
    percentile,
    print_table,
    row,
    served_demo,
    totals,
    watched,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ledgergraph.types import TenantId
from tests.support.server import LiveServer

IDEAL_ROUNDS = 2
TENANT = TenantId("acme")
KINDS = (
    "ledger_accounts",
    "sales_invoices",
    "purchase_invoices",
    "contacts",
    "bank_accounts",
    "other_payments",
)
SIZES = """{ contacts(first: 1) { totalCount } ledgerAccounts(first: 1) { totalCount }
  bankAccounts(first: 1) { totalCount } }"""
# The month to show: the latest one with other payments (the seeded books end in the past).
LATEST = "{ otherPayments(first: 200) { totalCount nodes { date } } }"
DASHBOARD = """query Dashboard($from: Date!, $to: Date!) {
  profitAndLoss(fromDate: $from, toDate: $to) {
    currency income { total { amount } } directExpenses { total { amount } }
    grossProfit { amount } overheads { total { amount } } netProfit { amount } }
  unpaidInvoices: invoices(status: UNPAID, orderBy: DUE_DATE_ASC, first: 10) {
    totalCount nodes { id number dueDate outstandingAmount { amount currency }
      contact { id name } } }
  unpaidBills: bills(status: UNPAID, orderBy: DUE_DATE_ASC, first: 10) {
    totalCount nodes { id reference dueDate outstandingAmount { amount currency }
      contact { id name } } }
  bankAccounts(first: 50) { nodes { id name kind balance { amount currency } } }
  otherPayments(fromDate: $from, toDate: $to, first: 10) {
    totalCount nodes { id date direction reference totalAmount { amount currency }
      contact { id name } bankAccount { name } } } }"""


def contacts_named(data: dict[str, Any]) -> int:
    """The distinct contacts the answer's documents and other payments name."""
    return len(
        {
            node["contact"]["id"]
            for field in ("unpaidInvoices", "unpaidBills", "otherPayments")
            for node in data[field]["nodes"]
            if node["contact"] is not None
        }
    )


def minimum_calls(sizes: dict[str, int], data: dict[str, Any]) -> dict[str, int]:
    """The fewest Sage calls per list for the answer ``data``."""
    return {
        "ledger_accounts (balances for the month)": pages(sizes["ledgerAccounts"]),
        "sales_invoices (unpaid, first page)": 1,
        "purchase_invoices (unpaid, first page)": 1,
        "bank_accounts": pages(sizes["bankAccounts"]),
        "other_payments (the month, first page)": 1,
        "contacts (named)": batch_calls(contacts_named(data), sizes["contacts"]),
    }


def _p50_p95(timings: list[float]) -> tuple[float, float]:
    return percentile(timings, 0.5), percentile(timings, 0.95)


async def _month(server: LiveServer, http: httpx.AsyncClient) -> tuple[dt.date, dt.date]:
    """The first and last day of the latest month with other payments."""
    listed = (await server.graphql(http, "acme", LATEST))["data"]["otherPayments"]
    dates = [dt.date.fromisoformat(n["date"]) for n in listed["nodes"] if n["date"]]
    latest = max(dates, default=dt.date.today())
    first = latest.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


async def run(args: argparse.Namespace) -> tuple[str, Measured, dict[str, int]]:
    async with served_demo("dashboard", smoke=args.smoke, redis_url=args.redis_url) as (
        sandbox,
        server,
        http,
    ):
        sizes = await totals(server, http, SIZES)
        first, last = await _month(server, http)
        invalidate, rounds = await watched(server, sandbox, http, TENANT, KINDS, args.latency_ms)
        variables = {"from": first.isoformat(), "to": last.isoformat()}
        measured = await measure(
            server, sandbox, http, DASHBOARD, variables, args.runs, invalidate, rounds
        )
        return f"month {first:%Y-%m}; sizes: {sizes}", measured, minimum_calls(sizes, measured.data)


def main() -> None:
    parser = cold_warm_parser(__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny books and 2 runs (CI)")
    args = parser.parse_args()
    if args.smoke:
        args.runs = 2
    about, measured, minimum = asyncio.run(run(args))
    print(f"{conditions(args, 'runs')}; {about}")
    least = sum(minimum.values())
    verdict = "PASS" if measured.cold_calls <= least else "FAIL"
    name = "month-end dashboard"
    print_table(["query", *COLUMNS], [row(name, least, IDEAL_ROUNDS, measured, _p50_p95, verdict)])
    print("minimum by list: " + ", ".join(f"{name} {n}" for name, n in minimum.items()))
    print(
        "cold calls by route: "
        + ", ".join(f"{route} {n}" for route, n in sorted(measured.cold_by_route.items()))
    )
    print(f"Sage calls cold: {measured.cold_calls}, minimum {least}: {verdict}")


if __name__ == "__main__":
    main()
