"""A deep query costs no more Sage calls than the design allows, and nothing when warm."""

from __future__ import annotations

import math

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from ledgergraph.types import TenantId
from tests.queries.conftest import business_in, data, reset_stats, sage_calls
from tests.support.server import LiveServer

DEEP = """query($first: Int!) { invoices(first: $first) { edges { node {
  number contact { name email }
  lines { taxRate { name kind } ledgerAccount { code name } } } } } }"""
TOTALS = """{ contacts(first: 1) { totalCount } taxRates(first: 1) { totalCount }
  ledgerAccounts(first: 1) { totalCount } }"""


@pytest.mark.parametrize("first", [100, 200])
async def test_a_deep_invoice_query_costs_the_minimum_cold_and_nothing_warm(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, first: int
) -> None:
    totals = await data(server, http, TOTALS)
    contacts = totals["contacts"]["totalCount"]
    assert contacts >= 250, "the seeded business should have hundreds of contacts"
    # Counting the lists warmed the cache; start cold.
    assert server.runtime is not None
    await server.runtime.sage.invalidate(
        TenantId("acme"), business_in(sandbox, "GB"), "contacts", "tax_rates", "ledger_accounts"
    )
    await reset_stats(http, sandbox)

    result = await data(server, http, DEEP, first=first)

    invoices = [edge["node"] for edge in result["invoices"]["edges"]]
    assert len(invoices) == first
    assert all(i["contact"]["email"] for i in invoices)
    distinct_contacts = len({i["contact"]["name"] for i in invoices})
    minimum = (
        pages(first)
        + pages(totals["taxRates"]["totalCount"])
        + pages(totals["ledgerAccounts"]["totalCount"])
        + min(distinct_contacts, pages(contacts))
    )
    calls = await sage_calls(http, sandbox)
    assert sum(calls.values()) <= minimum, calls

    await reset_stats(http, sandbox)
    await data(server, http, DEEP, first=first)
    assert await sage_calls(http, sandbox) == {}


def pages(count: int) -> int:
    return math.ceil(count / 200)
