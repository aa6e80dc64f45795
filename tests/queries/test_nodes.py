"""``node(id:)`` resolves every type; a malformed ID is BAD_USER_INPUT, and an unknown or
foreign object is null (as Relay specifies), found out without Sage calls where possible."""

from __future__ import annotations

import base64

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import SOLO_USER_ID
from tests.queries.conftest import data, reset_stats, sage_calls
from tests.support.browser import connect
from tests.support.server import LiveServer

FIRST_OF_EACH = """{
  business { id }
  contacts(first: 1) { nodes { id } }
  invoices(first: 1) { nodes { id } }
  bills(first: 1) { nodes { id } }
  creditNotes(first: 1) { nodes { id } }
  payments(first: 1) { nodes { id } }
  ledgerAccounts(first: 1) { nodes { id } }
  taxRates(first: 1) { nodes { id } }
  items(first: 1) { nodes { id } }
  bankAccounts(first: 1) { nodes { id } }
}"""
NODE = "query($id: ID!) { node(id: $id) { __typename id } }"
TYPES = {
    "business": "Business",
    "contacts": "Contact",
    "invoices": "Invoice",
    "bills": "Bill",
    "creditNotes": "CreditNote",
    "payments": "Payment",
    "ledgerAccounts": "LedgerAccount",
    "taxRates": "TaxRate",
    "items": "Item",
    "bankAccounts": "BankAccount",
}


async def test_node_resolves_every_type(server: LiveServer, http: httpx.AsyncClient) -> None:
    found = await data(server, http, FIRST_OF_EACH)
    ids = {"business": found["business"]["id"]} | {
        field: found[field]["nodes"][0]["id"] for field in TYPES if field != "business"
    }

    for field, global_id in ids.items():
        node = (await data(server, http, NODE, id=global_id))["node"]
        assert node == {"__typename": TYPES[field], "id": global_id}


@pytest.mark.parametrize("bad", ["not-base64!", base64.b64encode(b"nonsense").decode(), ""])
async def test_a_malformed_id_is_bad_user_input(
    server: LiveServer, http: httpx.AsyncClient, bad: str
) -> None:
    body = await server.graphql(http, "acme", NODE, {"id": bad})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_an_id_of_the_wrong_type_is_refused(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    contact = (await data(server, http, "{ contacts(first: 1) { nodes { id } } }"))["contacts"]
    body = await server.graphql(
        http,
        "acme",
        "query($id: ID!) { invoice(id: $id) { id } }",
        {"id": contact["nodes"][0]["id"]},
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "is a Contact, not a Invoice" in body["errors"][0]["message"]


async def test_another_tenants_id_is_null_without_asking_sage(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    await connect(http, server.url, server.token("beta"), user_id=SOLO_USER_ID)
    theirs = await server.graphql(http, "beta", "{ contacts(first: 1) { nodes { id } } }")
    their_contact = theirs["data"]["contacts"]["nodes"][0]["id"]
    await reset_stats(http, sandbox)

    body = await server.graphql(http, "acme", NODE, {"id": their_contact})

    assert body == {"data": {"node": None}}
    assert await sage_calls(http, sandbox) == {}


async def test_an_unknown_object_is_null(server: LiveServer, http: httpx.AsyncClient) -> None:
    contact = (await data(server, http, "{ contacts(first: 1) { nodes { id } } }"))["contacts"]
    raw = base64.urlsafe_b64decode(contact["nodes"][0]["id"] + "==").decode()
    kind, business, _ = raw.split(":")
    missing = base64.urlsafe_b64encode(f"{kind}:{business}:{'0' * 32}".encode()).decode()
    body = await server.graphql(http, "acme", NODE, {"id": missing.rstrip("=")})
    assert body == {"data": {"node": None}}
