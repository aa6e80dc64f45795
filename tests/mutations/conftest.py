from __future__ import annotations

import itertools
from typing import Any

import httpx

from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import SOLO_USER_ID
from tests.support.browser import connect
from tests.support.fixtures import http_fixture, sandbox_fixture, server_fixture
from tests.support.server import LiveServer

_keys = itertools.count()

CREATE_INVOICE = """mutation($key: String, $input: DocumentInput!) {
  createInvoice(idempotencyKey: $key, input: $input) {
    id remoteId number status netAmount { amount } taxAmount { amount }
    totalAmount { amount currency } lines { netAmount { amount } taxAmount { amount } } } }"""


async def _connect_acme(server: LiveServer, http: httpx.AsyncClient) -> None:
    await connect(http, server.url, server.token("acme"), user_id=SOLO_USER_ID)


sandbox = sandbox_fixture(scale=0.2)
http = http_fixture(timeout=60)
# Tenant ``acme`` connected to a Sage user with one (British) business.
server = server_fixture(prepare=_connect_acme, retry_max_delay=0.05)


def new_key() -> str:
    return f"key-{next(_keys)}"


def solo_business(sandbox: RunningSandbox) -> str:
    return sandbox.world.users[SOLO_USER_ID].business_ids[0]


def invoice_count(sandbox: RunningSandbox) -> int:
    return len(sandbox.world.businesses[solo_business(sandbox)].books.sales_invoices)


async def first_contact(server: LiveServer, http: httpx.AsyncClient, tenant: str = "acme") -> str:
    body = await server.graphql(
        http, tenant, "{ contacts(kind: CUSTOMER, first: 1) { nodes { id } } }"
    )
    contact: str = body["data"]["contacts"]["nodes"][0]["id"]
    return contact


def invoice_input(contact: str, *, price: str = "100.00", quantity: str = "2") -> dict[str, Any]:
    return {
        "contactId": contact,
        "date": "2026-11-20",
        "dueDate": "2026-12-20",
        "lines": [
            {
                "description": "Consulting",
                "quantity": quantity,
                "unitPrice": price,
                "taxKind": "STANDARD",
                "accountRole": "SALES",
            }
        ],
    }


async def faults(http: httpx.AsyncClient, sandbox: RunningSandbox, **fault: Any) -> None:
    response = await http.post(f"{sandbox.url}/__sandbox/faults", json=fault)
    assert response.status_code < 300, response.text
