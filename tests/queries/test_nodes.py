"""``node(id:)`` and ``nodes(ids:)`` resolve every type; a malformed ID is BAD_USER_INPUT, and
an unknown or foreign object is null (as Relay specifies), found out without Sage calls where
possible. Many IDs in one query — aliases or ``nodes`` — are one batch: the fewest Sage calls,
on either store."""

from __future__ import annotations

import base64

import httpx
import pytest

from ledgergraph.ids import MAX_NODE_IDS
from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import SOLO_USER_ID
from ledgergraph.types import TenantId
from tests.queries.conftest import business_in, data, reset_stats, sage_calls
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
PAGE = """query($after: String) { contacts(first: 200, after: $after) {
  totalCount pageInfo { endCursor } nodes { id } } }"""
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

    assert body["data"] == {"node": None}
    assert "errors" not in body
    assert await sage_calls(http, sandbox) == {}


async def test_an_unknown_object_is_null(server: LiveServer, http: httpx.AsyncClient) -> None:
    contact = (await data(server, http, "{ contacts(first: 1) { nodes { id } } }"))["contacts"]
    raw = base64.urlsafe_b64decode(contact["nodes"][0]["id"] + "==").decode()
    kind, business, _ = raw.split(":")
    missing = base64.urlsafe_b64encode(f"{kind}:{business}:{'0' * 32}".encode()).decode()
    body = await server.graphql(http, "acme", NODE, {"id": missing.rstrip("=")})
    assert body["data"] == {"node": None}
    assert "errors" not in body


def by_id(ids: list[str], shape: str) -> str:
    """A query reading ``ids`` as aliases of ``node(id:)`` or as one ``nodes(ids:)``."""
    selection = "{ id ... on Contact { name } }"
    if shape == "aliases":
        return (
            "{ " + " ".join(f'n{i}: node(id: "{v}") {selection}' for i, v in enumerate(ids)) + " }"
        )
    return "query($ids: [ID!]!) { nodes(ids: $ids) " + selection + " }"


@pytest.mark.parametrize("shape", ["aliases", "nodes"])
async def test_fifty_contacts_by_id_cost_the_pages_of_their_list(
    each_store_server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, shape: str
) -> None:
    server = each_store_server
    first = await data(server, http, PAGE, after=None)
    second = await data(server, http, PAGE, after=first["contacts"]["pageInfo"]["endCursor"])
    # Half from each of the list's two pages: no single page holds them all.
    ids = [n["id"] for n in first["contacts"]["nodes"][-25:] + second["contacts"]["nodes"][:25]]
    assert server.runtime is not None
    await server.runtime.sage.invalidate(TenantId("acme"), business_in(sandbox, "GB"), "contacts")
    await reset_stats(http, sandbox)

    body = await server.graphql(http, "acme", by_id(ids, shape), {"ids": ids})

    assert "errors" not in body, body["errors"]
    found = list(body["data"].values()) if shape == "aliases" else body["data"]["nodes"]
    assert [node["id"] for node in found] == ids
    assert all(node["name"] for node in found)
    total = first["contacts"]["totalCount"]
    assert 200 < total <= 400
    # The fewest calls: the list's two pages (one GET per contact would be fifty).
    assert sum((await sage_calls(http, sandbox)).values()) == 2


async def test_nodes_answers_in_order_with_null_for_what_is_not_there(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    found = await data(server, http, FIRST_OF_EACH)
    known = [found["business"]["id"]] + [
        found[field]["nodes"][0]["id"] for field in TYPES if field != "business"
    ]
    raw = base64.urlsafe_b64decode(found["contacts"]["nodes"][0]["id"] + "==").decode()
    kind, business, _ = raw.split(":")
    missing = base64.urlsafe_b64encode(f"{kind}:{business}:{'0' * 32}".encode()).decode()
    ids = [*known, missing, "not-an-id", known[1]]

    body = await server.graphql(
        http, "acme", "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }", {"ids": ids}
    )

    nodes = body["data"]["nodes"]
    assert [n and n["id"] for n in nodes] == [*known, None, None, known[1]]
    assert [n and n["__typename"] for n in nodes[: len(known)]] == list(TYPES.values())
    (error,) = body["errors"]
    assert error["path"] == ["nodes", len(known) + 1]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == f"ids[{len(known) + 1}]"


async def test_too_many_ids_are_refused_naming_the_argument_without_asking_sage(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    contact = (await data(server, http, "{ contacts(first: 1) { nodes { id } } }"))["contacts"]
    await reset_stats(http, sandbox)

    body = await server.graphql(
        http,
        "acme",
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        {"ids": [contact["nodes"][0]["id"]] * (MAX_NODE_IDS + 1)},
    )

    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["extensions"]["field"] == "ids"
    assert await sage_calls(http, sandbox) == {}
