"""Every bad input a client (or an attacker) can send is a 4xx with a stable code in GraphQL's
error shape — never a 500, a masked internal error or a traceback — and nothing of it reaches
Sage's books."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from tests.security.helpers import Tenant, sage_stats
from tests.support.server import LiveServer

CREATE_CONTACT = (
    "mutation($input: ContactInput!) { createContact(idempotencyKey: $key, input: $input) { id } }"
).replace("mutation(", "mutation($key: String, ")
CREATE_INVOICE = (
    "mutation($key: String, $input: DocumentInput!) "
    "{ createInvoice(idempotencyKey: $key, input: $input) { id } }"
)
CONTACT = {"name": "Good Name Ltd", "kinds": ["CUSTOMER"]}
# GraphQL over HTTP: with this media type a request refused before it ran is a 4xx. (A client
# accepting only application/json gets the same errors with 200, as the spec asks.)
ACCEPT = "application/graphql-response+json"


def _line(**changes: Any) -> dict[str, Any]:
    return {
        "description": "Consulting",
        "quantity": "1",
        "unitPrice": "100.00",
        "taxKind": "STANDARD",
        "accountRole": "SALES",
        **changes,
    }


def _mutation_body(contact_json: str) -> bytes:
    """createContact with ``contact_json`` spliced in as written (no JSON encoder involved)."""
    query = json.dumps(CREATE_CONTACT)
    return f'{{"query": {query}, "variables": {{"key": "k", "input": {contact_json}}}}}'.encode()


@dataclass(frozen=True)
class Case:
    """A request to send raw (``body`` bytes) or as a mutation (``query`` + ``variables``)."""

    status: int
    code: str
    query: str | None = None
    variables: dict[str, Any] = field(default_factory=dict)
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # Text the error must contain (the field or variable it names).
    names: str | None = None
    invoice: bool = False


def contact(**changes: Any) -> Case:
    return Case(400, "BAD_USER_INPUT", CREATE_CONTACT, {"input": CONTACT | changes})


CASES: dict[str, Case] = {
    "invalid UTF-8 in the body": Case(
        400, "BAD_REQUEST", body=b'{"query": "{ connection { status } }", "x": "\xff\xfe"}'
    ),
    "variables nested 1,000 deep": Case(
        400,
        "BAD_USER_INPUT",
        body=_mutation_body('{"kinds": ["CUSTOMER"], "name": ' + "[" * 1000 + "]" * 1000 + "}"),
    ),
    "variables nested 100,000 deep": Case(
        400,
        "BAD_REQUEST",
        body=b'{"query": "{ connection { status } }", "variables": {"v": '
        + b"[" * 100_000
        + b"]" * 100_000
        + b"}}",
    ),
    "an unknown input field": Case(
        400,
        "BAD_USER_INPUT",
        CREATE_CONTACT,
        {"input": CONTACT | {"colour": "red"}},
        names="colour",
    ),
    "a bad enum value": Case(
        400, "BAD_USER_INPUT", CREATE_CONTACT, {"input": CONTACT | {"kinds": ["WIZARD"]}}
    ),
    "a missing required field": Case(
        400, "BAD_USER_INPUT", CREATE_CONTACT, {"input": {"kinds": ["CUSTOMER"]}}, names="name"
    ),
    "a missing variable": Case(400, "BAD_USER_INPUT", CREATE_CONTACT, {}, names="input"),
    "a lone surrogate": Case(
        400, "BAD_REQUEST", body=_mutation_body('{"kinds": ["CUSTOMER"], "name": "A\\ud800B"}')
    ),
    "a quantity with 30 digits": Case(
        400,
        "BAD_USER_INPUT",
        CREATE_INVOICE,
        {"lines": [_line(quantity="1" * 30)]},
        names="quantity",
        invoice=True,
    ),
    "a NaN unit price": Case(
        400, "BAD_USER_INPUT", CREATE_INVOICE, {"lines": [_line(unitPrice="NaN")]}, invoice=True
    ),
    "an infinite unit price": Case(
        400,
        "BAD_USER_INPUT",
        CREATE_INVOICE,
        {"lines": [_line(unitPrice="Infinity")]},
        invoice=True,
    ),
    "a unit price of 1e999999": Case(
        400,
        "BAD_USER_INPUT",
        CREATE_INVOICE,
        {"lines": [_line(unitPrice="1e999999")]},
        invoice=True,
    ),
    "a unit price with 30 decimal places": Case(
        400,
        "BAD_USER_INPUT",
        CREATE_INVOICE,
        {"lines": [_line(unitPrice="1." + "1" * 30)]},
        names="unitPrice",
        invoice=True,
    ),
    "the date 2026-02-30": Case(
        400, "BAD_USER_INPUT", CREATE_INVOICE, {"date": "2026-02-30"}, names="date", invoice=True
    ),
    "the date 99999-01-01": Case(
        400, "BAD_USER_INPUT", CREATE_INVOICE, {"date": "99999-01-01"}, names="date", invoice=True
    ),
    "a 10 MB body": Case(
        413,
        "PAYLOAD_TOO_LARGE",
        body=json.dumps({"query": "{ connection { status } }", "x": "a" * 10_000_000}).encode(),
    ),
    "4 MB of variables": Case(
        413,
        "PAYLOAD_TOO_LARGE",
        body=json.dumps(
            {"query": "{ connection { status } }", "variables": {"x": "a" * 4_000_000}}
        ).encode(),
    ),
    "a 10 kB bearer token": Case(
        401,
        "UNAUTHENTICATED",
        body=b'{"query": "{ connection { status } }"}',
        headers={"Authorization": "Bearer " + "a" * 10_000},
    ),
    "NUL in a contact name": contact(name="Evil\x00Name"),
    "BEL in a contact name": contact(name="Ring\x07Ring"),
}


async def _send(
    http: httpx.AsyncClient, server: LiveServer, tenant: Tenant, case: Case, contact_id: str
) -> httpx.Response:
    headers = {
        "Authorization": f"Bearer {tenant.token}",
        "Content-Type": "application/json",
        "Accept": ACCEPT,
    }
    headers.update(case.headers)
    if case.body is not None:
        return await http.post(f"{server.url}/graphql", content=case.body, headers=headers)
    variables = dict(case.variables)
    if case.invoice:
        document = {"contactId": contact_id, "date": "2026-11-20", "lines": [_line()]}
        variables = {"input": document | variables}
    variables["key"] = "bad-input"
    return await http.post(
        f"{server.url}/graphql",
        json={"query": case.query, "variables": variables},
        headers=headers,
    )


@pytest.mark.parametrize("name", list(CASES))
async def test_bad_input_is_a_4xx_with_a_code_and_reaches_nothing(
    server: LiveServer,
    acme: Tenant,
    http: httpx.AsyncClient,
    sandbox: RunningSandbox,
    caplog: pytest.LogCaptureFixture,
    name: str,
) -> None:
    case = CASES[name]
    contacts = await server.graphql(
        http, "acme", "{ contacts(kind: CUSTOMER, first: 1) { nodes { id } } }"
    )
    contact_id = contacts["data"]["contacts"]["nodes"][0]["id"]
    before = await sage_stats(http, sandbox)

    with caplog.at_level(logging.ERROR):
        response = await _send(http, server, acme, case, contact_id)

    assert response.status_code == case.status, response.text[:500]
    body = response.json()
    assert "data" not in body or body["data"] is None, body
    error = body["errors"][0]
    assert error["extensions"]["code"] == case.code, error
    if case.names:
        assert case.names in json.dumps(error), error
    after = await sage_stats(http, sandbox)
    writes = {k: v for k, v in after["requests"].items() if k.split()[0] in ("POST", "PUT")}
    assert writes == {k: v for k, v in before["requests"].items() if k in writes}, writes
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
