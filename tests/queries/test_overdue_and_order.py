"""OVERDUE, due-date filters and orderBy, in every country, against Sage's own data."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from ledgergraph.resolvers.overdue import today_in
from ledgergraph.sandbox import RunningSandbox
from tests.queries.conftest import business_in, data
from tests.support.server import LiveServer

COUNTRIES = ["GB", "IE", "CA", "US", "FR", "ES", "DE"]
NODES = "totalCount pageInfo { hasNextPage endCursor } nodes { remoteId status dueDate date }"


async def walk(
    server: LiveServer, http: httpx.AsyncClient, field: str, arguments: str, first: int = 50
) -> tuple[list[dict[str, Any]], int]:
    nodes: list[dict[str, Any]] = []
    after = None
    total = -1
    while True:
        query = (
            f"query($after: String) {{ {field}({arguments}, first: {first}, after: $after) "
            f"{{ {NODES} }} }}"
        )
        page = (await data(server, http, query, after=after))[field]
        total = page["totalCount"]
        nodes.extend(page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            return nodes, total
        after = page["pageInfo"]["endCursor"]


@pytest.mark.parametrize("country", COUNTRIES)
@pytest.mark.parametrize("field", ["invoices", "bills"])
async def test_overdue_is_unpaid_and_past_due_in_the_business_time_zone(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, country: str, field: str
) -> None:
    business = business_in(sandbox, country)
    today = today_in(country)
    everything, _ = await walk(server, http, field, f'business: "{business}"', first=200)
    want = {
        d["remoteId"]
        for d in everything
        if d["status"] in ("UNPAID", "PARTIALLY_PAID")
        and d["dueDate"]
        and dt.date.fromisoformat(d["dueDate"]) < today
    }

    got, total = await walk(server, http, field, f'business: "{business}", status: OVERDUE', 7)

    assert want, f"the {country} books should hold overdue {field}"
    assert len(got) == total == len({d["remoteId"] for d in got})
    assert {d["remoteId"] for d in got} == want


@pytest.mark.parametrize("country", COUNTRIES)
async def test_due_date_filters_keep_documents_due_in_the_range(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, country: str
) -> None:
    business = business_in(sandbox, country)
    everything, _ = await walk(server, http, "invoices", f'business: "{business}"', first=200)
    dues = sorted(dt.date.fromisoformat(d["dueDate"]) for d in everything if d["dueDate"])
    low, high = dues[len(dues) // 4], dues[len(dues) // 2]

    got, total = await walk(
        server,
        http,
        "invoices",
        f'business: "{business}", dueAfter: "{low}", dueBefore: "{high}", orderBy: DUE_DATE_ASC',
        first=13,
    )

    want = {
        d["remoteId"]
        for d in everything
        if d["dueDate"] and low < dt.date.fromisoformat(d["dueDate"]) < high
    }
    assert want
    assert {d["remoteId"] for d in got} == want
    assert len(got) == total
    got_dues = [d["dueDate"] for d in got]
    assert got_dues == sorted(got_dues)


@pytest.mark.parametrize(
    ("order", "attribute", "descending"),
    [
        ("DATE_DESC", "date", True),
        ("DATE_ASC", "date", False),
        ("DUE_DATE_DESC", "dueDate", True),
    ],
)
async def test_order_by_lists_every_document_once_in_sage_sort_order(
    server: LiveServer, http: httpx.AsyncClient, order: str, attribute: str, descending: bool
) -> None:
    got, total = await walk(server, http, "invoices", f"orderBy: {order}", first=60)

    values = [d[attribute] for d in got]
    assert values == sorted(values, reverse=descending)
    assert len(got) == total == len({d["remoteId"] for d in got})


@pytest.mark.parametrize("field", ["creditNotes", "supplierCreditNotes"])
async def test_credit_notes_refuse_status_other_naming_the_argument(
    server: LiveServer, http: httpx.AsyncClient, field: str
) -> None:
    body = await server.graphql(http, "acme", f"{{ {field}(status: OTHER) {{ totalCount }} }}")
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "status"
