"""One failing field costs only itself: its siblings keep their data."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from ledgergraph.types import TenantId
from tests.queries.conftest import business_in
from tests.support.server import LiveServer


@pytest.fixture
async def failing_invoices(sandbox: RunningSandbox, http: httpx.AsyncClient) -> AsyncIterator[None]:
    fault = {"fail": {"method": "GET", "path": "/v3.1/sales_invoices", "status": 503, "count": 10}}
    response = await http.post(f"{sandbox.url}/__sandbox/faults", json=fault)
    assert response.status_code == 200, response.text
    yield
    await http.delete(f"{sandbox.url}/__sandbox/faults")


async def test_a_failing_list_is_null_and_its_siblings_keep_their_data(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, failing_invoices: None
) -> None:
    assert server.runtime is not None
    await server.runtime.sage.invalidate(
        TenantId("acme"), business_in(sandbox, "GB"), "sales_invoices"
    )

    body = await server.graphql(
        http,
        "acme",
        "{ connection { status } invoices(first: 5) { totalCount } "
        "contacts(first: 1) { totalCount } }",
    )

    assert body["data"]["invoices"] is None
    assert body["data"]["connection"] == {"status": "CONNECTED"}
    assert body["data"]["contacts"]["totalCount"] > 0
    assert [e["path"] for e in body["errors"]] == [["invoices"]]
    assert body["errors"][0]["extensions"]["code"]


async def test_a_business_with_a_lapsed_subscription_says_why_instead_of_failing(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    body = await server.graphql(
        http,
        "acme",
        "{ businesses { name currency booksUnavailableReason "
        "financialSettings { baseCurrency } } }",
    )

    assert "errors" not in body, body["errors"]
    businesses = {b["name"]: b for b in body["data"]["businesses"]}
    lapsed = businesses["Old Mill Bakery Ltd"]
    assert lapsed["currency"] is None
    assert lapsed["financialSettings"] is None
    assert "subscription" in lapsed["booksUnavailableReason"]
    assert businesses["Brightwater Joinery Ltd"]["currency"] == "GBP"
    assert businesses["Brightwater Joinery Ltd"]["booksUnavailableReason"] is None
