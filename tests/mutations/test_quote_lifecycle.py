"""``updateQuoteStatus`` and ``convertQuoteToInvoice``: a quote's answer is recorded, and a
quote is invoiced the way Sage does it (a sales invoice naming it), once per key, in Sage's
live countries; what Sage refuses (an invoiced quote changed or invoiced again, a declined one
invoiced) comes back naming the field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books.records import ArtefactKind
from tests.mutations.conftest import new_key
from tests.mutations.test_create_quote import mutation, quote_input
from tests.queries.conftest import business_in
from tests.support.fixtures import sandbox_fixture, server_fixture
from tests.support.server import LiveServer
from tests.support.writes import (
    books_in,
    connect_demo,
    contact_of,
    refused_before_writing,
    send_input,
    written_once,
)

sandbox = sandbox_fixture(scale=0.1)
server = server_fixture(prepare=connect_demo, retry_max_delay=0.05)

LIVE_COUNTRIES = ["GB", "IE", "CA"]

UPDATE_STATUS = """mutation($key: String, $id: ID!, $status: QuoteStatus!) {
  updateQuoteStatus(idempotencyKey: $key, id: $id, status: $status) {
    __typename id remoteId status invoice { remoteId } } }"""
CONVERT = """mutation($key: String, $id: ID!, $date: Date!, $due: Date) {
  convertQuoteToInvoice(idempotencyKey: $key, id: $id, date: $date, dueDate: $due) {
    id remoteId number status dueDate contact { remoteId }
    netAmount { amount } taxAmount { amount } totalAmount { amount } } }"""
QUOTE = """query($id: ID!) { node(id: $id) {
  ... on Quotation { status invoice { remoteId } } } }"""


async def new_quote(
    server: LiveServer, http: httpx.AsyncClient, business: str, name: str = "createQuote"
) -> dict[str, Any]:
    contact = await contact_of(server, http, business, "CUSTOMER")
    body = await send_input(
        server, http, mutation(name), quote_input(contact), key=new_key(), business=business
    )
    assert "errors" not in body, body["errors"]
    created: dict[str, Any] = body["data"][name]
    return created


async def set_status(
    server: LiveServer, http: httpx.AsyncClient, quote: str, status: str, key: str | None = None
) -> dict[str, Any]:
    variables = {"key": key or new_key(), "id": quote, "status": status}
    return await server.graphql(http, "acme", UPDATE_STATUS, variables)


async def convert(
    server: LiveServer, http: httpx.AsyncClient, quote: str, key: str | None = None, **extra: Any
) -> dict[str, Any]:
    variables = {"key": key or new_key(), "id": quote, "date": "2026-11-10", **extra}
    return await server.graphql(http, "acme", CONVERT, variables)


def sage_fields(body: dict[str, Any]) -> list[str]:
    error = body["errors"][0]
    assert error["extensions"]["code"] == "VALIDATION_FAILED", error
    return [problem["field"] for problem in error["extensions"]["fields"]]


@pytest.mark.parametrize("country", LIVE_COUNTRIES)
async def test_a_quote_status_is_set_once_per_key(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, country: str
) -> None:
    quote = await new_quote(server, http, business_in(sandbox, country))
    key = new_key()
    data = await written_once(lambda: set_status(server, http, quote["id"], "ACCEPTED", key))
    assert data["updateQuoteStatus"]["status"] == "ACCEPTED"
    assert data["updateQuoteStatus"]["__typename"] == "Quote"
    stored = books_in(sandbox, country).sales_quotes[quote["remoteId"]]
    assert stored.status_id == "ACCEPTED"


async def test_an_estimate_status_is_set_too(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    estimate = await new_quote(server, http, business_in(sandbox, "GB"), "createEstimate")
    body = await set_status(server, http, estimate["id"], "DECLINED")
    assert "errors" not in body, body["errors"]
    assert body["data"]["updateQuoteStatus"]["__typename"] == "Estimate"
    assert books_in(sandbox, "GB").sales_estimates[estimate["remoteId"]].status_id == "DECLINED"


@pytest.mark.parametrize(
    ("status", "id_of", "field"),
    [
        ("INVOICED", None, "status"),
        ("OTHER", None, "status"),
        ("ACCEPTED", "not-an-id", "id"),
    ],
    ids=["invoiced is not settable", "other is not settable", "bad id"],
)
async def test_a_status_change_sage_would_refuse_is_refused_before_any_write(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    status: str,
    id_of: str | None,
    field: str,
) -> None:
    quote = await new_quote(server, http, business_in(sandbox, "GB"))
    await refused_before_writing(
        http,
        sandbox,
        lambda: set_status(server, http, id_of or quote["id"], status),
        field,
        write=lambda call: call.startswith("PUT "),
    )


@pytest.mark.parametrize("country", LIVE_COUNTRIES)
async def test_a_quote_is_converted_into_one_invoice_it_links_to(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, country: str
) -> None:
    quote = await new_quote(server, http, business_in(sandbox, country))
    books = books_in(sandbox, country)
    invoices_before = len(books.sales_invoices)
    key = new_key()
    data = await written_once(lambda: convert(server, http, quote["id"], key, due="2026-12-10"))
    invoice = data["convertQuoteToInvoice"]
    assert len(books.sales_invoices) == invoices_before + 1
    assert invoice["status"] == "UNPAID"
    assert invoice["dueDate"] == "2026-12-10"
    assert invoice["contact"]["remoteId"] == quote["contact"]["remoteId"]
    for total in ("netAmount", "taxAmount", "totalAmount"):
        assert Decimal(invoice[total]["amount"]) == Decimal(quote[total]["amount"])
    stored = books.sales_invoices[invoice["remoteId"]]
    assert stored.quote_id == quote["remoteId"]
    after = await server.graphql(http, "acme", QUOTE, {"id": quote["id"]})
    assert after["data"]["node"] == {
        "status": "INVOICED",
        "invoice": {"remoteId": invoice["remoteId"]},
    }


async def test_an_estimate_is_converted_too(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    estimate = await new_quote(server, http, business_in(sandbox, "IE"), "createEstimate")
    body = await convert(server, http, estimate["id"])
    assert "errors" not in body, body["errors"]
    stored = books_in(sandbox, "IE").sales_estimates[estimate["remoteId"]]
    assert stored.invoice_id == body["data"]["convertQuoteToInvoice"]["remoteId"]
    assert stored.status_id == "INVOICED"


async def test_an_invoiced_quote_is_neither_invoiced_again_nor_changed(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    quote = await new_quote(server, http, business_in(sandbox, "GB"))
    assert "errors" not in await convert(server, http, quote["id"])
    books = books_in(sandbox, "GB")
    invoices = len(books.sales_invoices)
    again = await convert(server, http, quote["id"])
    assert sage_fields(again) == ["original_quote_estimate_id"]
    assert len(books.sales_invoices) == invoices
    changed = await set_status(server, http, quote["id"], "PENDING")
    assert sage_fields(changed) == ["base"]
    assert books.sales_quotes[quote["remoteId"]].status_id == "INVOICED"


async def test_a_declined_quote_is_not_invoiced(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    quote = await new_quote(server, http, business_in(sandbox, "CA"))
    assert "errors" not in await set_status(server, http, quote["id"], "DECLINED")
    books = books_in(sandbox, "CA")
    numbers = books.next_numbers.get(ArtefactKind.SALES_INVOICE)
    body = await convert(server, http, quote["id"])
    assert sage_fields(body) == ["original_quote_estimate_id"]
    assert books.sales_quotes[quote["remoteId"]].invoice_id is None
    # A refused conversion uses up no invoice number.
    assert books.next_numbers.get(ArtefactKind.SALES_INVOICE) == numbers


async def test_a_due_date_before_the_date_is_refused(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    quote = await new_quote(server, http, business_in(sandbox, "GB"))
    body = await convert(server, http, quote["id"], due="2026-11-01")
    assert body["errors"][0]["extensions"]["field"] == "dueDate"
