"""``supplierCreditNotes`` and ``supplierCreditNote``: Sage's purchase credit notes in every
country, as documents (lines, contact, tax, amounts paid and owed), paged, filtered and
found through ``node(id:)`` and the ``Document`` interface."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from tests.queries.conftest import business_in, data
from tests.support.fixtures import sandbox_fixture
from tests.support.server import LiveServer
from tests.support.writes import books_in

# Small books: a few credit notes per business are enough, and seed fast.
sandbox = sandbox_fixture(scale=0.1)

COUNTRIES = ["GB", "IE", "CA", "US", "FR", "ES", "DE"]
NOTES = """query($business: ID, $first: Int, $after: String, $status: DocumentStatus,
  $from: Date, $to: Date) {
  supplierCreditNotes(business: $business, first: $first, after: $after, status: $status,
    fromDate: $from, toDate: $to) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id remoteId number reference vendorReference date status currency
      contact { remoteId kinds } totalAmount { amount currency } outstandingAmount { amount }
      lines { netAmount { amount } taxRate { remoteId } ledgerAccount { remoteId } }
      payments { remoteId } } } }"""


def seeded(sandbox: RunningSandbox, country: str) -> set[str]:
    notes = books_in(sandbox, country).purchase_credit_notes.values()
    return {n.id for n in notes if not n.deleted}


@pytest.mark.parametrize("country", COUNTRIES)
async def test_every_country_lists_its_supplier_credit_notes_with_their_lines(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, country: str
) -> None:
    business = business_in(sandbox, country)
    books = books_in(sandbox, country)
    page = (await data(server, http, NOTES, business=business, first=200))["supplierCreditNotes"]
    assert {n["remoteId"] for n in page["nodes"]} == seeded(sandbox, country)
    assert page["totalCount"] == len(page["nodes"]) >= 2
    for node in page["nodes"]:
        stored = books.purchase_credit_notes[node["remoteId"]]
        # Like a bill's, its number is its reference.
        assert node["number"] == node["reference"] == stored.reference
        assert "SUPPLIER" in node["contact"]["kinds"]
        assert node["status"] == "UNPAID"
        assert Decimal(node["totalAmount"]["amount"]) == stored.total_amount
        assert Decimal(node["outstandingAmount"]["amount"]) == stored.total_amount
        assert node["payments"] == []
        assert [line["ledgerAccount"]["remoteId"] for line in node["lines"]] == [
            line.ledger_account_id for line in stored.lines
        ]


async def test_pages_follow_one_another_and_dates_filter(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    seen: list[str] = []
    after = None
    while True:
        page = (await data(server, http, NOTES, first=1, after=after))["supplierCreditNotes"]
        seen += [n["remoteId"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == len(seeded(sandbox, "GB"))
    notes = books_in(sandbox, "GB").purchase_credit_notes.values()
    day = min(n.date for n in notes)
    dated = (await data(server, http, NOTES, first=200, to=day.isoformat()))["supplierCreditNotes"]
    assert {n["remoteId"] for n in dated["nodes"]} == {n.id for n in notes if n.date <= day}
    paid = (await data(server, http, NOTES, first=200, status="PAID"))["supplierCreditNotes"]
    assert paid["nodes"] == []


async def test_a_supplier_credit_note_reads_by_id_node_and_as_a_document(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    first = (await data(server, http, NOTES, first=1))["supplierCreditNotes"]["nodes"][0]
    query = """query($id: ID!) { supplierCreditNote(id: $id) { remoteId number }
      node(id: $id) { __typename ... on Document { remoteId totalAmount { amount } } } }"""
    found = await data(server, http, query, id=first["id"])
    assert found["supplierCreditNote"] == {"remoteId": first["remoteId"], "number": first["number"]}
    assert found["node"]["__typename"] == "SupplierCreditNote"
    assert found["node"]["totalAmount"] == {"amount": first["totalAmount"]["amount"]}
    wrong = await server.graphql(
        http,
        "acme",
        "query($id: ID!) { creditNote(id: $id) { remoteId } }",
        {"id": first["id"]},
    )
    assert wrong["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
