"""Tenant A, with a valid token, cannot read, change, subscribe to or replay tenant B's data by
any route: B's global IDs, ``business:`` arguments naming B's business, B's idempotency keys,
B's stream cursors. Nothing about B's business is even sent to Sage on A's behalf."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from ledgergraph.events import EventLog
from ledgergraph.sandbox import RunningSandbox
from ledgergraph.types import ConnectionStatus, TenantId
from tests.security.helpers import Tenant, post, sage_stats
from tests.support.answers import without_cost
from tests.support.server import LiveServer
from tests.support.ws import GraphQLWebSocket, OperationFailed
from tests.sync.helpers import SUBSCRIPTION, next_change, until_live

pytestmark = pytest.mark.redis

OBJECTS = """{
  contacts(first: 1) { nodes { id } } invoices(first: 1) { nodes { id } }
  bills(first: 1) { nodes { id } } creditNotes(first: 1) { nodes { id } }
  payments(first: 1) { nodes { id } } taxRates(first: 1) { nodes { id } }
  ledgerAccounts(first: 1) { nodes { id } } items(first: 1) { nodes { id } }
  bankAccounts(first: 1) { nodes { id } } business { id }
}"""


async def _ids(server: LiveServer, http: httpx.AsyncClient, tenant: Tenant) -> dict[str, str]:
    body = await server.graphql(http, tenant.name, OBJECTS)
    assert "errors" not in body, body
    found = {"business": body["data"]["business"]["id"]}
    for field, page in body["data"].items():
        if field != "business" and page["nodes"]:
            found[field] = page["nodes"][0]["id"]
    return found


async def _sent_for(http: httpx.AsyncClient, sandbox: RunningSandbox, business: str) -> int:
    """How many requests Sage has received with ``X-Business: business``."""
    return int((await sage_stats(http, sandbox))["businesses"].get(business, 0))


BY_ID = {
    "node-contact": ("node", "contacts"),
    "node-invoice": ("node", "invoices"),
    "node-payment": ("node", "payments"),
    "node-tax-rate": ("node", "taxRates"),
    "node-business": ("node", "business"),
    "contact": ("contact", "contacts"),
    "invoice": ("invoice", "invoices"),
    "bill": ("bill", "bills"),
    "creditNote": ("creditNote", "creditNotes"),
    "payment": ("payment", "payments"),
}


@pytest.mark.parametrize(("field", "kind"), BY_ID.values(), ids=BY_ID)
async def test_another_tenants_global_ids_find_nothing(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    acme: Tenant,
    beta: Tenant,
    field: str,
    kind: str,
) -> None:
    theirs = (await _ids(server, http, beta))[kind]
    sent_before = await _sent_for(http, sandbox, beta.business_id)

    answer = await post(
        http,
        server,
        f"query($id: ID!) {{ {field}(id: $id) {{ id }} }}",
        {"id": theirs},
        token=acme.token,
    )

    if field == "node":
        # Relay: node(id:) is null for anything this tenant cannot see.
        assert without_cost(answer.body) == {"data": {"node": None}}
    else:
        assert _nothing(answer.body["data"]), answer.body
        assert answer.codes == ["NOT_FOUND"]
    assert await _sent_for(http, sandbox, beta.business_id) == sent_before


LISTS = {
    name: f"query($b: ID) {{ {name}(business: $b) {{ totalCount nodes {{ id }} }} }}"
    for name in (
        "contacts",
        "invoices",
        "bills",
        "creditNotes",
        "payments",
        "taxRates",
        "ledgerAccounts",
        "items",
        "bankAccounts",
    )
} | {"business": "query($b: ID) { business(id: $b) { id name } }"}


@pytest.mark.parametrize("form", ["sage-id", "global-id"])
@pytest.mark.parametrize("query", LISTS.values(), ids=LISTS)
async def test_a_business_argument_naming_another_tenants_business_is_refused(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    acme: Tenant,
    beta: Tenant,
    query: str,
    form: str,
) -> None:
    business = (
        beta.business_id if form == "sage-id" else (await _ids(server, http, beta))["business"]
    )
    # Beta's answers are in the response cache now; none of them may reach acme.
    warm = await post(http, server, query, {"b": business}, token=beta.token)
    assert "errors" not in warm.body, warm.body
    sent_before = await _sent_for(http, sandbox, beta.business_id)

    answer = await post(http, server, query, {"b": business}, token=acme.token)

    assert _nothing(answer.body["data"]), answer.body
    assert answer.codes == ["BUSINESS_UNAVAILABLE"]
    assert await _sent_for(http, sandbox, beta.business_id) == sent_before


def _write(
    mutation: str, variables: dict[str, Any], ids: dict[str, str], beta: Tenant
) -> tuple[str, dict[str, Any]]:
    filled = {
        k: (ids[v[1:]] if isinstance(v, str) and v.startswith("@") else v)
        for k, v in variables.items()
    }
    filled = {k: (beta.business_id if v == "BETA" else v) for k, v in filled.items()}
    return mutation, filled | {"key": f"k-{uuid.uuid4().hex}"}


INVOICE = """mutation($key: String, $b: ID, $contact: ID!) {
  createInvoice(idempotencyKey: $key, business: $b, input: {contactId: $contact,
    date: "2026-11-20", lines: [{description: "x", quantity: "1", unitPrice: "10"}]}) { id } }"""
WRITES: dict[str, tuple[str, dict[str, Any], str]] = {
    "update-their-contact": (
        """mutation($key: String, $id: ID!) {
          updateContact(idempotencyKey: $key, id: $id, input: {name: "Hijacked"}) { id } }""",
        {"id": "@contacts"},
        "BUSINESS_UNAVAILABLE",
    ),
    "void-their-invoice": (
        """mutation($key: String, $id: ID!) {
          voidInvoice(idempotencyKey: $key, id: $id, reason: "mine now") { id } }""",
        {"id": "@invoices"},
        "BUSINESS_UNAVAILABLE",
    ),
    "create-contact-in-their-business": (
        """mutation($key: String, $b: ID) { createContact(idempotencyKey: $key, business: $b,
          input: {name: "Intruder", kinds: [CUSTOMER]}) { id } }""",
        {"b": "BETA"},
        "BUSINESS_UNAVAILABLE",
    ),
    "create-invoice-in-their-business": (
        INVOICE,
        {"b": "BETA", "contact": "@contacts"},
        "BUSINESS_UNAVAILABLE",
    ),
    "invoice-their-contact-in-my-business": (
        INVOICE,
        {"b": None, "contact": "@contacts"},
        "BAD_USER_INPUT",
    ),
    "select-their-business": (
        "mutation($b: ID!) { selectBusiness(id: $b) { status } }",
        {"b": "BETA"},
        "BUSINESS_UNAVAILABLE",
    ),
}


@pytest.mark.parametrize(("mutation", "variables", "code"), WRITES.values(), ids=WRITES)
async def test_mutations_cannot_touch_another_tenants_books(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    acme: Tenant,
    beta: Tenant,
    mutation: str,
    variables: dict[str, Any],
    code: str,
) -> None:
    ids = await _ids(server, http, beta)
    books = sandbox.world.businesses[beta.business_id].books
    before = (
        {k: c.name for k, c in books.contacts.items()},
        {k: i.void_reason for k, i in books.sales_invoices.items()},
    )
    sent_before = await _sent_for(http, sandbox, beta.business_id)
    query, filled = _write(mutation, variables, ids, beta)

    answer = await post(http, server, query, filled, token=acme.token)

    assert answer.codes == [code], answer.body
    assert answer.body["data"] is None
    after = (
        {k: c.name for k, c in books.contacts.items()},
        {k: i.void_reason for k, i in books.sales_invoices.items()},
    )
    assert after == before
    assert await _sent_for(http, sandbox, beta.business_id) == sent_before
    connection = await server.graphql(http, "acme", "{ connection { business { remoteId } } }")
    assert connection["data"]["connection"]["business"]["remoteId"] == acme.business_id


CREATE_CONTACT = """mutation($key: String) {
  createContact(idempotencyKey: $key, input: {name: "Same Name Ltd", kinds: [CUSTOMER]}) {
    id remoteId } }"""


async def test_another_tenants_idempotency_key_replays_nothing_of_theirs(
    server: LiveServer, http: httpx.AsyncClient, acme: Tenant, beta: Tenant
) -> None:
    key = {"key": "shared-key-1"}
    theirs = await post(http, server, CREATE_CONTACT, key, token=beta.token)
    assert "errors" not in theirs.body, theirs.body

    mine = await post(http, server, CREATE_CONTACT, key, token=acme.token)

    assert "errors" not in mine.body, mine.body
    assert "extensions" not in without_cost(mine.body)  # not answered from beta's record
    mine_id = mine.body["data"]["createContact"]
    theirs_id = theirs.body["data"]["createContact"]
    assert mine_id["remoteId"] != theirs_id["remoteId"]
    assert mine_id["id"] != theirs_id["id"]
    # Each tenant's replay answers with its own write.
    again = await post(http, server, CREATE_CONTACT, key, token=beta.token)
    assert again.body["data"] == theirs.body["data"]
    assert without_cost(again.body)["extensions"] == {"idempotentReplay": True}


async def test_a_subscription_to_another_tenants_business_is_refused(
    server: LiveServer, acme: Tenant, beta: Tenant
) -> None:
    async with GraphQLWebSocket.open(server.url, token=acme.token) as socket:
        operation = await socket.subscribe(
            "subscription($b: ID) { syncEvents(business: $b) { cursor } }",
            {"b": beta.business_id},
        )
        with pytest.raises(OperationFailed) as refused:
            await operation.next()
    assert refused.value.codes == ["BUSINESS_UNAVAILABLE"]


SUBSCRIBE_FROM = """subscription($since: String) {
  syncEvents(since: $since) { cursor kind connectionStatus } }"""


async def test_another_tenants_stream_cursor_replays_only_ones_own_events(
    server: LiveServer, events: EventLog, acme: Tenant, beta: Tenant
) -> None:
    async with GraphQLWebSocket.open(server.url, token=beta.token) as socket:
        theirs = await socket.subscribe(SUBSCRIPTION)
        await until_live(theirs, events, beta.name)
        await events.connection_changed(TenantId(beta.name), ConnectionStatus.REAUTH_REQUIRED)
        their_cursor = (await next_change(theirs))["cursor"]
    # Beta's events after the cursor acme is about to send.
    await events.connection_changed(TenantId(beta.name), ConnectionStatus.BUSINESS_UNAVAILABLE)
    await events.connection_changed(TenantId(acme.name), ConnectionStatus.NOT_CONNECTED)

    async with GraphQLWebSocket.open(server.url, token=acme.token) as socket:
        operation = await socket.subscribe(SUBSCRIBE_FROM, {"since": their_cursor})
        # Acme's own stream from that point: its one event, none of beta's.
        first = (await operation.data())["syncEvents"]
        assert first["connectionStatus"] == "NOT_CONNECTED"
        await operation.nothing(within=0.5)


def _nothing(data: Any) -> bool:
    """No data at all: the whole answer null, or (root lists being nullable) each field."""
    return data is None or all(value is None for value in data.values())
