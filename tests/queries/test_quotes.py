"""``quotes``/``quote`` and ``estimates``/``estimate``: Sage's quotes and estimates in every
country with their lines, contact and tax rates, paged, filtered (status, contact, dates) and
found again through ``node(id:)``."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books.records import ArtefactKind
from tests.queries.conftest import business_in, data
from tests.support.fixtures import sandbox_fixture
from tests.support.server import LiveServer
from tests.support.writes import books_in

# Small books: a few quotes and estimates per business are enough, and seed fast.
sandbox = sandbox_fixture(scale=0.1)

COUNTRIES = ["GB", "IE", "CA", "US", "FR", "ES", "DE"]
# (root list field, by-id field, GraphQL type, sandbox kind)
KINDS = [
    ("quotes", "quote", "Quote", ArtefactKind.SALES_QUOTE),
    ("estimates", "estimate", "Estimate", ArtefactKind.SALES_ESTIMATE),
]
IDS = ["quotes", "estimates"]
# Sage's quote status → the unified one.
QUOTE_STATUSES = {
    "DRAFT": "DRAFT",
    "PENDING": "PENDING",
    "ACCEPTED": "ACCEPTED",
    "DECLINED": "DECLINED",
    "ACCEPTED_BY_CUSTOMER": "ACCEPTED",
    "DECLINED_BY_CUSTOMER": "DECLINED",
    "INVOICED": "INVOICED",
}


def listing(field: str) -> str:
    return f"""query($business: ID, $first: Int, $after: String, $status: QuoteStatus,
      $contact: ID, $from: Date, $to: Date) {{
      {field}(business: $business, first: $first, after: $after, status: $status,
        contact: $contact, fromDate: $from, toDate: $to) {{
        totalCount pageInfo {{ hasNextPage endCursor }}
        nodes {{ id remoteId number date expiryDate status currency sent contactName
          contact {{ remoteId }} netAmount {{ amount }} taxAmount {{ amount }}
          totalAmount {{ amount currency }}
          lines {{ netAmount {{ amount }} taxRate {{ remoteId }} ledgerAccount {{ remoteId }} }}
        }} }} }}"""


def seeded(sandbox: RunningSandbox, country: str, kind: ArtefactKind) -> dict[str, str]:
    """Each live seeded quote's id and its Sage status."""
    store = books_in(sandbox, country).artefacts(kind)
    return {q.id: q.status_id for q in store.values() if not q.deleted}


@pytest.mark.parametrize("country", COUNTRIES)
async def test_every_country_lists_its_quotes_with_lines_contact_and_tax(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, country: str
) -> None:
    business = business_in(sandbox, country)
    books = books_in(sandbox, country)
    for many, _, _, kind in KINDS:
        page = (await data(server, http, listing(many), business=business, first=200))[many]
        assert {n["remoteId"] for n in page["nodes"]} == set(seeded(sandbox, country, kind))
        assert page["totalCount"] == len(page["nodes"]) >= 2
        for node in page["nodes"]:
            stored = books.artefacts(kind)[node["remoteId"]]
            assert stored.expiry_date is not None
            assert node["number"] == stored.number
            assert node["contact"]["remoteId"] == stored.contact_id
            assert node["contactName"] == stored.contact_name
            assert node["expiryDate"] == stored.expiry_date.isoformat()
            assert node["status"] == QUOTE_STATUSES[stored.status_id]
            assert Decimal(node["totalAmount"]["amount"]) == stored.total_amount
            assert node["totalAmount"]["currency"] == node["currency"] == stored.currency_id
            assert [Decimal(line["netAmount"]["amount"]) for line in node["lines"]] == [
                line.net_amount for line in stored.lines
            ]
            rates = [line["taxRate"] and line["taxRate"]["remoteId"] for line in node["lines"]]
            assert rates == [line.tax_rate_id for line in stored.lines]


@pytest.mark.parametrize(("many", "one", "type_name", "kind"), KINDS, ids=IDS)
async def test_pages_follow_one_another_without_overlap(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    many: str,
    one: str,
    type_name: str,
    kind: ArtefactKind,
) -> None:
    seen: list[str] = []
    after = None
    while True:
        page = (await data(server, http, listing(many), first=1, after=after))[many]
        seen += [n["remoteId"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == len(seeded(sandbox, "GB", kind))


@pytest.mark.parametrize(("many", "one", "type_name", "kind"), KINDS, ids=IDS)
async def test_status_contact_and_dates_filter_the_list(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    many: str,
    one: str,
    type_name: str,
    kind: ArtefactKind,
) -> None:
    stored = [q for q in books_in(sandbox, "GB").artefacts(kind).values() if not q.deleted]
    pending = {q.id for q in stored if q.status_id == "PENDING"}
    page = (await data(server, http, listing(many), first=200, status="PENDING"))[many]
    assert {n["remoteId"] for n in page["nodes"]} == pending
    assert {n["status"] for n in page["nodes"]} <= {"PENDING"}
    some = stored[0]
    first = (await data(server, http, listing(many), first=1))[many]["nodes"][0]
    contact_id = (
        await data(
            server,
            http,
            "query($id: ID!) { node(id: $id) { ... on Quotation { contact { id } } } }",
            id=first["id"],
        )
    )["node"]["contact"]["id"]
    mine = {q.id for q in stored if q.contact_id == first["contact"]["remoteId"]}
    by_contact = (await data(server, http, listing(many), first=200, contact=contact_id))[many]
    assert {n["remoteId"] for n in by_contact["nodes"]} == mine
    day = some.date.isoformat()
    dated = (await data(server, http, listing(many), first=200, **{"from": day, "to": day}))[many]
    assert {n["remoteId"] for n in dated["nodes"]} == {q.id for q in stored if q.date == some.date}


@pytest.mark.parametrize(("many", "one", "type_name", "kind"), KINDS, ids=IDS)
async def test_a_quote_reads_by_its_id_and_through_node(
    server: LiveServer,
    http: httpx.AsyncClient,
    many: str,
    one: str,
    type_name: str,
    kind: ArtefactKind,
) -> None:
    first = (await data(server, http, listing(many), first=1))[many]["nodes"][0]
    query = f"""query($id: ID!) {{ {one}(id: $id) {{ remoteId number }}
      node(id: $id) {{ __typename ... on {type_name} {{ remoteId expiryDate }} }} }}"""
    found = await data(server, http, query, id=first["id"])
    assert found[one] == {"remoteId": first["remoteId"], "number": first["number"]}
    assert found["node"] == {
        "__typename": type_name,
        "remoteId": first["remoteId"],
        "expiryDate": first["expiryDate"],
    }


async def test_a_wrong_id_due_date_order_and_status_other_are_refused(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    estimate = (await data(server, http, listing("estimates"), first=1))["estimates"]["nodes"][0]
    body = await server.graphql(
        http, "acme", "query($id: ID!) { quote(id: $id) { remoteId } }", {"id": estimate["id"]}
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    ordered = await server.graphql(
        http, "acme", "{ quotes(orderBy: DUE_DATE_ASC) { nodes { remoteId } } }"
    )
    assert ordered["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert ordered["errors"][0]["extensions"]["field"] == "orderBy"
    other = await server.graphql(http, "acme", "{ estimates(status: OTHER) { totalCount } }")
    assert other["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert other["errors"][0]["extensions"]["field"] == "status"
