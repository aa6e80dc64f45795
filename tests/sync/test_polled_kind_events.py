"""Attachments, contact addresses and people, quotes, estimates, bank reconciliations and tax
returns are polled: a change made in Sage reaches a subscriber of the kind once, a deletion
too where Sage's list takes ``deleted_since`` (attachments, addresses, people), and a write
through LedgerGraph is announced once, by LedgerGraph, never again by the poller."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from ledgergraph.events import EventLog
from ledgergraph.ids import GlobalId, business_gid
from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import DEMO_USER_ID, Books
from tests.support.fixtures import tenant_fixture
from tests.support.server import LiveServer
from tests.support.ws import GraphQLWebSocket, Operation
from tests.sync.helpers import (
    POLL_INTERVAL,
    Tenant,
    contact_and_ledger,
    eventually,
    next_change,
    no_change,
    until_live,
)

pytestmark = pytest.mark.redis

SUBSCRIPTION = """
subscription($types: [SyncObjectType!]) {
  syncEvents(types: $types) {
    kind objectType objectId remoteId source connectionStatus object { __typename }
  }
}
"""
SUBSCRIPTION_OF_BUSINESS = """
subscription($types: [SyncObjectType!], $business: ID) {
  syncEvents(types: $types, business: $business) { kind }
}
"""
WAIT = POLL_INTERVAL + 5.0
# The sandbox emulates no write of bank reconciliations and tax returns (Sage's app makes
# them): its books are edited in place, as Sage's own app would.
InPlace = Callable[[Books], str]


@dataclass(frozen=True)
class OutOfBand:
    """A change a person makes in Sage: a ``body`` (built from the business's books and a
    sales ledger account) posted to the sandbox's out-of-band route of ``resource``, or an
    edit of its books in place."""

    object_type: str
    type_name: str
    resource: str = ""
    body: Callable[[Books, str], dict[str, Any]] | None = None
    in_place: InPlace | None = None


def _contact(books: Books) -> Any:
    return next(c for c in books.contacts.values() if c.is_a("CUSTOMER") and not c.system)


def _document(kind: str) -> OutOfBand:
    def body(books: Books, ledger: str) -> dict[str, Any]:
        line = {"description": "Cabinets", "ledger_account_id": ledger, "unit_price": "40.00"}
        document = {
            "contact_id": _contact(books).id,
            "date": "2026-11-02",
            "expiry_date": "2026-12-02",
            f"{kind}_lines": [line],
        }
        return {f"sales_{kind}": document}

    return OutOfBand(kind.upper(), kind.title(), f"sales_{kind}s", body)


def _touched(store: str) -> InPlace:
    def edit(books: Books) -> str:
        record = next(iter(getattr(books, store).values()))
        books.touch(record)
        return str(record.id)

    return edit


CHANGES = [
    OutOfBand(
        "ATTACHMENT",
        "Attachment",
        "attachments",
        lambda books, _: {
            "attachment": {
                "file": base64.b64encode(b"%PDF-1.4 receipt").decode(),
                "file_name": "receipt.pdf",
                "mime_type": "application/pdf",
                "attachment_context_type_id": "CONTACT",
                "attachment_context_id": _contact(books).id,
            }
        },
    ),
    OutOfBand(
        "CONTACT_ADDRESS",
        "ContactAddress",
        "addresses",
        lambda books, _: {
            "address": {
                "contact_id": _contact(books).id,
                "name": "Warehouse",
                "address_type_id": "DELIVERY",
                "is_main_address": False,
                "address_line_1": "1 Dock Road",
            }
        },
    ),
    OutOfBand(
        "CONTACT_PERSON",
        "ContactPerson",
        "contact_persons",
        lambda books, _: {
            "contact_person": {
                "name": "Fox",
                "contact_person_type_ids": ["ACCOUNTS"],
                "address_id": _contact(books).main_address.id,
                "is_main_contact": False,
            }
        },
    ),
    _document("quote"),
    _document("estimate"),
    OutOfBand(
        "BANK_RECONCILIATION", "BankReconciliation", in_place=_touched("bank_reconciliations")
    ),
    OutOfBand("TAX_RETURN", "TaxReturn", in_place=_touched("tax_returns")),
]


async def _subscribed(
    socket: GraphQLWebSocket, events: EventLog, tenant: Tenant, object_type: str
) -> Operation:
    operation = await socket.subscribe(SUBSCRIPTION, {"types": [object_type, "CONNECTION"]})
    await until_live(operation, events, tenant.name)
    return operation


async def _change(
    http: httpx.AsyncClient, sandbox: RunningSandbox, tenant: Tenant, change: OutOfBand
) -> tuple[str, str]:
    """Makes the change; returns (the expected event kind, the object's Sage id)."""
    books = sandbox.world.businesses[tenant.business_id].books
    if change.in_place is not None:
        return "UPDATED", change.in_place(books)
    assert change.body is not None
    _, ledger = contact_and_ledger(sandbox, tenant.business_id, "CUSTOMER", "product_sales")
    response = await http.post(
        f"{sandbox.url}/__sandbox/businesses/{tenant.business_id}/{change.resource}",
        json=change.body(books, ledger),
    )
    assert response.status_code == 201, response.text
    return "CREATED", str(response.json()["id"])


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: c.object_type)
async def test_a_change_made_in_sage_reaches_a_subscriber_of_its_kind_once(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    events: EventLog,
    acme: Tenant,
    change: OutOfBand,
) -> None:
    async with GraphQLWebSocket.open(server.url, token=acme.token) as socket:
        operation = await _subscribed(socket, events, acme, change.object_type)
        kind, remote_id = await _change(http, sandbox, acme, change)
        event = await next_change(operation, timeout=WAIT)
        await no_change(operation, within=5 * POLL_INTERVAL)
    assert (event["kind"], event["objectType"], event["source"]) == (
        kind,
        change.object_type,
        "SAGE",
    )
    assert GlobalId.decode(event["objectId"]) == GlobalId(
        change.type_name, acme.business_id, remote_id
    )
    # What a subscriber loads for it is the object as LedgerGraph serves it.
    assert event["object"] == {"__typename": change.type_name}


# Sage's lists of attachments, addresses and people take deleted_since: polling sees their
# deletions.
DELETIONS = [
    c for c in CHANGES if c.object_type in ("ATTACHMENT", "CONTACT_ADDRESS", "CONTACT_PERSON")
]


@pytest.mark.parametrize("change", DELETIONS, ids=lambda c: c.object_type)
async def test_a_deletion_made_in_sage_reaches_a_subscriber_once(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    events: EventLog,
    acme: Tenant,
    change: OutOfBand,
) -> None:
    async with GraphQLWebSocket.open(server.url, token=acme.token) as socket:
        operation = await _subscribed(socket, events, acme, change.object_type)
        _, remote_id = await _change(http, sandbox, acme, change)
        await next_change(operation, timeout=WAIT)
        gone = await http.delete(
            f"{sandbox.url}/__sandbox/businesses/{acme.business_id}/{change.resource}/{remote_id}"
        )
        assert gone.status_code in (200, 204), gone.text
        deleted = await next_change(operation, timeout=WAIT)
        await no_change(operation, within=5 * POLL_INTERVAL)
    assert (deleted["kind"], deleted["objectType"], deleted["remoteId"], deleted["source"]) == (
        "DELETED",
        change.object_type,
        remote_id,
        "SAGE",
    )


# -- writes through LedgerGraph ----------------------------------------------------------------

QUOTE_LINE = {
    "description": "Cabinets",
    "quantity": "3",
    "unitPrice": "120.00",
    "taxKind": "STANDARD",
    "accountRole": "SALES",
}
WRITES: dict[str, tuple[str, str]] = {
    "CONTACT_ADDRESS": (
        "createContactAddress",
        "mutation($key: String, $input: ContactAddressInput!) {"
        " createContactAddress(idempotencyKey: $key, input: $input) { id } }",
    ),
    "CONTACT_PERSON": (
        "createContactPerson",
        "mutation($key: String, $input: ContactPersonInput!) {"
        " createContactPerson(idempotencyKey: $key, input: $input) { id } }",
    ),
    "QUOTE": (
        "createQuote",
        "mutation($key: String, $input: QuoteInput!) {"
        " createQuote(idempotencyKey: $key, input: $input) { id } }",
    ),
    "ESTIMATE": (
        "createEstimate",
        "mutation($key: String, $input: QuoteInput!) {"
        " createEstimate(idempotencyKey: $key, input: $input) { id } }",
    ),
}


def _write_input(object_type: str, contact: str, books: Books) -> dict[str, Any]:
    if object_type == "CONTACT_ADDRESS":
        return {
            "contactId": contact,
            "addressType": "DELIVERY",
            "name": "Warehouse",
            "address": {"line1": "1 Dock Road", "city": "Harbourtown", "countryCode": "GB"},
        }
    if object_type == "CONTACT_PERSON":
        remote = GlobalId.decode(contact).remote_id
        main = books.contacts[remote].main_address
        assert main is not None
        address = GlobalId("ContactAddress", GlobalId.decode(contact).business_id, main.id)
        return {"addressId": address.encode(), "name": "Fox", "roles": ["ACCOUNTS"]}
    return {
        "contactId": contact,
        "date": "2026-11-02",
        "expiryDate": "2026-12-02",
        "lines": [QUOTE_LINE],
    }


async def _customer(server: LiveServer, http: httpx.AsyncClient, tenant: Tenant) -> str:
    body = await server.graphql(
        http, tenant.name, "{ contacts(kind: CUSTOMER, first: 1) { nodes { id } } }"
    )
    contact: str = body["data"]["contacts"]["nodes"][0]["id"]
    return contact


async def _upload(
    server: LiveServer, http: httpx.AsyncClient, tenant: Tenant, document: str
) -> str:
    variables = {
        "input": {"documentId": document, "file": None, "idempotencyKey": uuid.uuid4().hex}
    }
    query = "mutation($input: UploadAttachmentInput!) { uploadAttachment(input: $input) { id } }"
    response = await http.post(
        f"{server.url}/graphql",
        headers={"Authorization": f"Bearer {tenant.token}", "GraphQL-Preflight": "1"},
        data={
            "operations": json.dumps({"query": query, "variables": variables}),
            "map": json.dumps({"0": ["variables.input.file"]}),
        },
        files={"0": ("receipt.pdf", b"%PDF-1.4 receipt", "application/pdf")},
    )
    body = response.json()
    assert "errors" not in body, body
    written: str = body["data"]["uploadAttachment"]["id"]
    return written


Write = Callable[[LiveServer, httpx.AsyncClient, Tenant, str, Books], Awaitable[str]]


def _mutation(object_type: str) -> Write:
    field, query = WRITES[object_type]

    async def write(
        server: LiveServer, http: httpx.AsyncClient, tenant: Tenant, contact: str, books: Books
    ) -> str:
        variables = {"key": uuid.uuid4().hex, "input": _write_input(object_type, contact, books)}
        body = await server.graphql(http, tenant.name, query, variables)
        assert "errors" not in body, body
        written: str = body["data"][field]["id"]
        return written

    return write


async def _attach(
    server: LiveServer, http: httpx.AsyncClient, tenant: Tenant, contact: str, _: Books
) -> str:
    return await _upload(server, http, tenant, contact)


OWN_WRITES: list[tuple[str, Write]] = [
    ("ATTACHMENT", _attach),
    *((object_type, _mutation(object_type)) for object_type in WRITES),
]


@pytest.mark.parametrize(("object_type", "write"), OWN_WRITES, ids=[t for t, _ in OWN_WRITES])
async def test_a_write_through_ledgergraph_is_announced_once(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    events: EventLog,
    acme: Tenant,
    object_type: str,
    write: Write,
) -> None:
    contact = await _customer(server, http, acme)
    books = sandbox.world.businesses[acme.business_id].books
    async with GraphQLWebSocket.open(server.url, token=acme.token) as socket:
        operation = await _subscribed(socket, events, acme, object_type)
        written = await write(server, http, acme, contact, books)
        event = await next_change(operation, timeout=WAIT)
        # Several polls later the poller has seen the new object and said nothing.
        await no_change(operation, within=5 * POLL_INTERVAL)
    assert (event["kind"], event["objectType"], event["source"], event["objectId"]) == (
        "CREATED",
        object_type,
        "LEDGERGRAPH",
        written,
    )


QUOTE_WRITES = {
    "updateQuoteStatus": "mutation($key: String, $id: ID!) {"
    " updateQuoteStatus(idempotencyKey: $key, id: $id, status: ACCEPTED) { id } }",
    # Sage marks the quote INVOICED: the quote's change is LedgerGraph's too.
    "convertQuoteToInvoice": "mutation($key: String, $id: ID!) {"
    ' convertQuoteToInvoice(idempotencyKey: $key, id: $id, date: "2026-11-20") { id } }',
}


@pytest.mark.parametrize("query", QUOTE_WRITES.values(), ids=list(QUOTE_WRITES))
async def test_a_quote_answered_through_ledgergraph_is_announced_updated_once(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    events: EventLog,
    acme: Tenant,
    query: str,
) -> None:
    contact = await _customer(server, http, acme)
    books = sandbox.world.businesses[acme.business_id].books
    async with GraphQLWebSocket.open(server.url, token=acme.token) as socket:
        operation = await _subscribed(socket, events, acme, "QUOTE")
        quote = await _mutation("QUOTE")(server, http, acme, contact, books)
        created = await next_change(operation, timeout=WAIT)
        body = await server.graphql(http, acme.name, query, {"key": uuid.uuid4().hex, "id": quote})
        assert "errors" not in body, body
        updated = await next_change(operation, timeout=WAIT)
        await no_change(operation, within=5 * POLL_INTERVAL)
    assert [(e["kind"], e["source"], e["objectId"]) for e in (created, updated)] == [
        ("CREATED", "LEDGERGRAPH", quote),
        ("UPDATED", "LEDGERGRAPH", quote),
    ]


# -- where Sage has no such list --------------------------------------------------------------

demo = tenant_fixture("demo", user_id=DEMO_USER_ID)


async def test_a_business_of_a_country_without_tax_returns_is_never_asked_for_them(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    demo: Tenant,
) -> None:
    (american,) = (
        b for b, business in sandbox.world.businesses.items() if business.books.country.code == "US"
    )
    types = ["TAX_RETURN", "BANK_RECONCILIATION"]

    async def requests(route: str) -> int:
        stats = (await http.get(f"{sandbox.url}/__sandbox/stats")).json()
        count: int = stats["requests"].get(f"GET /v3.1/{route}", 0)
        return count

    async def polled_a_few_times() -> bool:
        return await requests("bank_reconciliations") >= 4

    async with GraphQLWebSocket.open(server.url, token=demo.token) as socket:
        await socket.subscribe(
            SUBSCRIPTION_OF_BUSINESS, {"types": types, "business": business_gid(american)}
        )
        await eventually(polled_a_few_times, timeout=WAIT)
    assert await requests("tax_returns") == 0
