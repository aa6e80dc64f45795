"""``bankReconciliations`` and ``bankReconciliation``: Sage's reconciliations in every country
where Sage has them (none in Germany), with their bank account, filtered by statement date
and found again through ``node(id:)``; and every country's bank balances."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books.records import BankReconciliation
from tests.queries.conftest import business_in, data, reset_stats, sage_calls
from tests.support.server import LiveServer

COUNTRIES = ["GB", "IE", "CA", "US", "FR", "ES", "DE"]
RECONCILIATIONS = """query($business: ID, $first: Int, $after: String, $from: Date, $to: Date) {
  bankReconciliations(business: $business, first: $first, after: $after, fromDate: $from,
                      toDate: $to) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id remoteId date reference status
      statementEndBalance { amount currency } startingBalance { amount }
      totalReceived { amount } totalPaid { amount } closingBalance { amount }
      reconciledBalance { amount } balanceDifference { amount }
      bankAccount { remoteId kind } } } }"""


def seeded(sandbox: RunningSandbox, country: str) -> dict[str, BankReconciliation]:
    books = sandbox.world.businesses[business_in(sandbox, country)].books
    return {r.id: r for r in books.bank_reconciliations.values() if not r.deleted}


@pytest.mark.parametrize("country", COUNTRIES)
async def test_every_country_lists_its_reconciliations_as_its_books_hold_them(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, country: str
) -> None:
    business = business_in(sandbox, country)
    books = sandbox.world.businesses[business].books
    page = (await data(server, http, RECONCILIATIONS, business=business, first=200))[
        "bankReconciliations"
    ]
    expected = seeded(sandbox, country)
    assert {n["remoteId"] for n in page["nodes"]} == set(expected)
    assert page["totalCount"] == len(expected)
    assert (country == "DE") == (not expected)
    for node in page["nodes"]:
        record = expected[node["remoteId"]]
        closing = record.starting_balance + record.total_received - record.total_paid
        assert node["bankAccount"]["remoteId"] == record.bank_account_id
        assert node["date"] == record.statement_date.isoformat()
        assert node["statementEndBalance"]["currency"] == books.base_currency_id()
        assert Decimal(node["closingBalance"]["amount"]) == closing
        assert Decimal(node["reconciledBalance"]["amount"]) == closing
        difference = Decimal(node["balanceDifference"]["amount"])
        assert difference == record.statement_end_balance - closing
        assert (node["status"] == "COMPLETED") == (difference == 0)


async def test_consecutive_reconciliations_start_where_the_one_before_closed(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    page = (await data(server, http, RECONCILIATIONS, first=200))["bankReconciliations"]
    by_account: dict[str, list[dict[str, Any]]] = {}
    for node in page["nodes"]:
        by_account.setdefault(node["bankAccount"]["remoteId"], []).append(node)
    assert by_account
    for nodes in by_account.values():
        nodes.sort(key=lambda n: n["date"])
        assert [n["status"] for n in nodes][-1] == "DRAFT"
        for before, after in itertools.pairwise(nodes):
            assert after["startingBalance"] == before["closingBalance"]


async def test_pages_follow_one_another_and_dates_filter_by_statement_date(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    seen: list[str] = []
    after = None
    while True:
        page = (await data(server, http, RECONCILIATIONS, first=2, after=after))[
            "bankReconciliations"
        ]
        seen += [n["remoteId"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == len(seeded(sandbox, "GB"))
    latest = max(r.statement_date for r in seeded(sandbox, "GB").values())
    dated = await data(server, http, RECONCILIATIONS, first=50, **{"from": latest.isoformat()})
    nodes = dated["bankReconciliations"]["nodes"]
    assert nodes
    assert {n["date"] for n in nodes} == {latest.isoformat()}
    assert {n["status"] for n in nodes} == {"DRAFT"}


async def test_a_reconciliation_reads_by_its_id_and_through_node_and_refuses_other_ids(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    first = (await data(server, http, RECONCILIATIONS, first=1))["bankReconciliations"]["nodes"][0]
    query = """query($id: ID!) { bankReconciliation(id: $id) { remoteId reference }
      node(id: $id) { __typename ... on BankReconciliation { remoteId } } }"""
    found = await data(server, http, query, id=first["id"])
    assert found["bankReconciliation"] == {
        "remoteId": first["remoteId"],
        "reference": first["reference"],
    }
    assert found["node"] == {"__typename": "BankReconciliation", "remoteId": first["remoteId"]}
    contact = (await data(server, http, "{ contacts(first: 1) { nodes { id } } }"))["contacts"]
    body = await server.graphql(
        http,
        "acme",
        "query($id: ID!) { bankReconciliation(id: $id) { remoteId } }",
        {"id": contact["nodes"][0]["id"]},
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_page_follows_its_bank_accounts_from_one_read_of_their_list(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    await reset_stats(http, sandbox)
    page = (await data(server, http, RECONCILIATIONS, first=50))["bankReconciliations"]
    assert len({n["bankAccount"]["remoteId"] for n in page["nodes"]}) >= 2
    calls = await sage_calls(http, sandbox)
    assert calls.pop("GET /v3.1/bank_accounts") == 1
    assert list(calls) == ["GET /v3.1/bank_reconciliations"]


BANK_ACCOUNTS = """query($business: ID) { bankAccounts(business: $business, first: 100) {
  nodes { remoteId currency balance { amount currency } } } }"""


@pytest.mark.parametrize("country", COUNTRIES)
async def test_every_bank_account_shows_the_balance_its_books_hold(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, country: str
) -> None:
    business = business_in(sandbox, country)
    books = sandbox.world.businesses[business].books
    nodes = (await data(server, http, BANK_ACCOUNTS, business=business))["bankAccounts"]["nodes"]
    assert {n["remoteId"] for n in nodes} == {
        a.id for a in books.bank_accounts.values() if not a.deleted
    }
    moved = 0
    for node in nodes:
        account = books.bank_accounts[node["remoteId"]]
        held_in = account.currency_id or books.base_currency_id()
        assert node["currency"] == node["balance"]["currency"] == held_in
        balance = Decimal(node["balance"]["amount"])
        assert balance == books.bank_balance(account.id)
        moved += balance != account.opening_balance
    assert moved, "no bank account's balance moved from its opening balance"
