"""``taxReturns`` and ``taxReturn``: Sage's VAT and GST/HST returns, drafts included, in GB,
IE and CA (empty elsewhere: Sage has none there), filtered by the period's start and found
again through ``node(id:)``."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books.records import TaxReturn
from ledgergraph.sandbox.books.tax_returns import tax_due
from tests.queries.conftest import business_in, data, reset_stats, sage_calls
from tests.support.server import LiveServer

COUNTRIES = ["GB", "IE", "CA", "US", "FR", "ES", "DE"]
WITH_RETURNS = ("GB", "IE", "CA")
TAX_RETURNS = """query($business: ID, $first: Int, $after: String, $from: Date, $to: Date) {
  taxReturns(business: $business, first: $first, after: $after, fromDate: $from, toDate: $to) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id remoteId periodStart periodEnd number status paid returnType
      total { amount currency } } } }"""


def seeded(sandbox: RunningSandbox, country: str) -> dict[str, TaxReturn]:
    books = sandbox.world.businesses[business_in(sandbox, country)].books
    every = [*books.tax_returns.values(), *books.draft_tax_returns.values()]
    return {r.id: r for r in every if not r.deleted}


@pytest.mark.parametrize("country", COUNTRIES)
async def test_each_country_lists_the_tax_returns_sage_has_there(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, country: str
) -> None:
    business = business_in(sandbox, country)
    books = sandbox.world.businesses[business].books
    page = (await data(server, http, TAX_RETURNS, business=business, first=50))["taxReturns"]
    expected = seeded(sandbox, country)
    assert bool(expected) == (country in WITH_RETURNS)
    assert {n["remoteId"] for n in page["nodes"]} == set(expected)
    assert page["totalCount"] == len(expected)
    for node in page["nodes"]:
        record = expected[node["remoteId"]]
        start, end = record.period_start_date, record.period_end_date
        assert (node["periodStart"], node["periodEnd"]) == (start.isoformat(), end.isoformat())
        assert node["total"]["currency"] == books.base_currency_id()
        assert Decimal(node["total"]["amount"]) == tax_due(books, start, end)
        assert node["status"] == ("SUBMITTED" if node["paid"] else "DRAFT")
        assert node["returnType"] == ("GST/HST" if country == "CA" else None)
    assert [n["status"] for n in page["nodes"]].count("DRAFT") == (1 if expected else 0)


async def test_returns_page_in_period_order_and_filter_by_the_period_start(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    seen: list[str] = []
    after = None
    while True:
        page = (await data(server, http, TAX_RETURNS, first=1, after=after))["taxReturns"]
        seen += [n["periodStart"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    starts = sorted(r.period_start_date.isoformat() for r in seeded(sandbox, "GB").values())
    assert seen == starts
    assert len(starts) >= 2
    window = {"from": starts[1], "to": starts[-1]}
    nodes = (await data(server, http, TAX_RETURNS, first=50, **window))["taxReturns"]["nodes"]
    assert [n["periodStart"] for n in nodes] == starts[1:]


async def test_a_tax_return_reads_by_its_id_and_through_node(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    first = (await data(server, http, TAX_RETURNS, first=1))["taxReturns"]["nodes"][0]
    query = """query($id: ID!) { taxReturn(id: $id) { remoteId number }
      node(id: $id) { __typename ... on TaxReturn { remoteId status } } }"""
    found = await data(server, http, query, id=first["id"])
    assert found["taxReturn"] == {"remoteId": first["remoteId"], "number": first["number"]}
    assert found["node"] == {
        "__typename": "TaxReturn",
        "remoteId": first["remoteId"],
        "status": first["status"],
    }


async def test_drafts_are_found_by_status_and_other_countries_cost_no_sage_call(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    query = """query($business: ID, $status: TaxReturnStatus) {
      taxReturns(business: $business, status: $status) { nodes { remoteId status } } }"""
    drafts = (await data(server, http, query, status="DRAFT"))["taxReturns"]["nodes"]
    books = sandbox.world.businesses[business_in(sandbox, "GB")].books
    assert [n["remoteId"] for n in drafts] == list(books.draft_tax_returns)
    await reset_stats(http, sandbox)
    american = await data(server, http, query, business=business_in(sandbox, "US"))
    assert american["taxReturns"]["nodes"] == []
    calls = await sage_calls(http, sandbox)
    assert not any("tax_returns" in call for call in calls), calls
