"""What the mutation tests share: tenant ``acme`` on the demo user's British business, its
books in a country and their bank accounts, a contact of a kind, a mutation sent with its
input, a write sent twice with one key, and a write refused before it reached Sage."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from ledgergraph.ids import encode
from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import DEMO_USER_ID, Books
from tests.queries.conftest import business_in
from tests.support.browser import connect
from tests.support.server import LiveServer

Send = Callable[[], Awaitable[dict[str, Any]]]


async def connect_demo(server: LiveServer, http: httpx.AsyncClient) -> None:
    """A ``server_fixture`` ``prepare``: the demo user has a business in each live country;
    writes go to the British one unless they name another."""
    british = business_in(server.sandbox, "GB")
    await connect(http, server.url, server.token("acme"), user_id=DEMO_USER_ID, choose=british)


def books_in(sandbox: RunningSandbox, country: str) -> Books:
    """The books of the demo user's business in ``country``."""
    return sandbox.world.businesses[business_in(sandbox, country)].books


def bank_account_ids(books: Books) -> dict[str, str]:
    """The global IDs of the business's bank accounts by Sage's type (``CHECKING``,
    ``CASH_IN_HAND``, ``SAVINGS``…; the seeded books have one of each)."""
    return {
        a.bank_account_type_id: encode("BankAccount", books.business_id, a.id)
        for a in books.bank_accounts.values()
    }


async def contact_of(
    server: LiveServer, http: httpx.AsyncClient, business: str, kind: str, index: int = 0
) -> str:
    """The global ID of ``business``'s ``index``-th (of its first three) contact of ``kind``
    (``CUSTOMER``, ``SUPPLIER``), as tenant ``acme`` lists them."""
    query = """query($b: ID, $k: ContactKind) {
      contacts(business: $b, kind: $k, first: 3) { nodes { id } } }"""
    body = await server.graphql(http, "acme", query, {"b": business, "k": kind})
    contact: str = body["data"]["contacts"]["nodes"][index]["id"]
    return contact


async def send_input(
    server: LiveServer,
    http: httpx.AsyncClient,
    document: str,
    data: dict[str, Any],
    **variables: Any,
) -> Any:
    """``document`` sent as tenant ``acme`` with ``data`` as its ``$input``."""
    return await server.graphql(http, "acme", document, {"input": data, **variables})


async def written_once(send: Send) -> dict[str, Any]:
    """The data of ``send``'s answer; sent again (with the same key), it must be answered from
    the idempotency record with the same data."""
    first = await send()
    second = await send()
    assert "errors" not in first, first["errors"]
    assert second["data"] == first["data"]
    assert second["extensions"]["idempotentReplay"] is True
    data: dict[str, Any] = first["data"]
    return data


def is_post(call: str) -> bool:
    return call.startswith("POST ")


async def refused_before_writing(
    http: httpx.AsyncClient,
    sandbox: RunningSandbox,
    send: Send,
    field: str,
    *,
    write: Callable[[str], bool] = is_post,
) -> None:
    """``send`` is refused as BAD_USER_INPUT naming ``field``, and no call ``write`` matches
    (``"POST /v3.1/…"``) reached the sandbox."""
    await http.post(f"{sandbox.url}/__sandbox/stats/reset")
    body = await send()
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == field
    calls = (await http.get(f"{sandbox.url}/__sandbox/stats")).json()["requests"]
    assert not [call for call in calls if write(call)]
