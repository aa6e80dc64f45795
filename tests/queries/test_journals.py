"""``journals`` and ``journal``: Sage's journals in every country, paged, filtered by date
(which Sage's list cannot do) and found again through ``node(id:)``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from tests.queries.conftest import business_in, data
from tests.support.server import LiveServer

COUNTRIES = ["GB", "IE", "CA", "US", "FR", "ES", "DE"]
JOURNALS = """query($business: ID, $first: Int, $after: String, $from: Date, $to: Date) {
  journals(business: $business, first: $first, after: $after, fromDate: $from, toDate: $to) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id remoteId date reference currency total { amount currency }
      lines { debit { amount } credit { amount } ledgerAccount { remoteId code } } } } }"""


def seeded(sandbox: RunningSandbox, country: str) -> dict[str, dt.date]:
    books = sandbox.world.businesses[business_in(sandbox, country)].books
    return {j.id: j.date for j in books.journals.values() if not j.deleted}


@pytest.mark.parametrize("country", COUNTRIES)
async def test_every_country_lists_its_journals_balanced_with_their_ledger_accounts(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, country: str
) -> None:
    business = business_in(sandbox, country)
    books = sandbox.world.businesses[business].books
    page = (await data(server, http, JOURNALS, business=business, first=200))["journals"]
    assert {n["remoteId"] for n in page["nodes"]} == set(seeded(sandbox, country))
    assert page["totalCount"] == len(page["nodes"]) >= 3
    for node in page["nodes"]:
        debits = sum(Decimal(line["debit"]["amount"]) for line in node["lines"])
        credits = sum(Decimal(line["credit"]["amount"]) for line in node["lines"])
        assert debits == credits == Decimal(node["total"]["amount"])
        assert node["currency"] == node["total"]["currency"] == books.base_currency_id()
        for line in node["lines"]:
            account = books.ledger_accounts[line["ledgerAccount"]["remoteId"]]
            assert int(line["ledgerAccount"]["code"]) == account.nominal_code


async def test_pages_follow_one_another_without_overlap(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    seen: list[str] = []
    after = None
    while True:
        page = (await data(server, http, JOURNALS, first=2, after=after))["journals"]
        seen += [n["remoteId"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == len(seeded(sandbox, "GB"))


async def test_a_date_range_keeps_only_the_journals_dated_within_it(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    dates = sorted(seeded(sandbox, "GB").values())
    start, end = dates[1], dates[-2]
    dated = {"from": start.isoformat(), "to": end.isoformat()}
    page = await data(server, http, JOURNALS, first=1, **dated)
    inside = {i for i, d in seeded(sandbox, "GB").items() if start <= d <= end}
    assert page["journals"]["totalCount"] == len(inside) < len(dates)
    found = []
    after = None
    while True:
        window = (await data(server, http, JOURNALS, first=1, after=after, **dated))["journals"]
        found += [n["remoteId"] for n in window["nodes"]]
        if not window["pageInfo"]["hasNextPage"]:
            break
        after = window["pageInfo"]["endCursor"]
    assert set(found) == inside


async def test_a_journal_reads_by_its_id_and_through_node(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    first = (await data(server, http, JOURNALS, first=1))["journals"]["nodes"][0]
    query = """query($id: ID!) { journal(id: $id) { remoteId reference }
      node(id: $id) { __typename ... on Journal { remoteId lines { details } } } }"""
    found = await data(server, http, query, id=first["id"])
    assert found["journal"] == {"remoteId": first["remoteId"], "reference": first["reference"]}
    assert found["node"]["__typename"] == "Journal"
    assert found["node"]["remoteId"] == first["remoteId"]


async def test_an_id_of_another_type_is_refused_by_journal(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    contact = (await data(server, http, "{ contacts(first: 1) { nodes { id } } }"))["contacts"]
    body = await server.graphql(
        http,
        "acme",
        "query($id: ID!) { journal(id: $id) { remoteId } }",
        {"id": contact["nodes"][0]["id"]},
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
