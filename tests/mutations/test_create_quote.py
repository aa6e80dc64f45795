"""``createQuote`` and ``createEstimate``: a quote is created once per key in Sage's live
countries, its lines priced and taxed as an invoice's; one Sage would refuse is refused,
naming the field, before Sage is asked."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books.records import ArtefactKind
from tests.mutations.conftest import new_key
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

# The demo user has a business in every country; ``acme`` writes to GB unless told otherwise.
sandbox = sandbox_fixture(scale=0.1)
server = server_fixture(prepare=connect_demo, retry_max_delay=0.05)

LIVE_COUNTRIES = ["GB", "IE", "CA"]
# (mutation, sandbox kind)
MUTATIONS = [
    ("createQuote", ArtefactKind.SALES_QUOTE),
    ("createEstimate", ArtefactKind.SALES_ESTIMATE),
]
IDS = ["quote", "estimate"]


def mutation(name: str) -> str:
    return f"""mutation($key: String, $input: QuoteInput!, $business: ID) {{
      {name}(idempotencyKey: $key, input: $input, business: $business) {{
        id remoteId number status expiryDate sent contact {{ remoteId }}
        netAmount {{ amount }} taxAmount {{ amount }} totalAmount {{ amount currency }}
        lines {{ netAmount {{ amount }} taxRate {{ kind }} ledgerAccount {{ roles }} }} }} }}"""


def quote_input(contact: str, **fields: Any) -> dict[str, Any]:
    return {
        "contactId": contact,
        "date": "2026-11-02",
        "expiryDate": "2026-12-02",
        "reference": "Kitchen refit",
        "lines": [
            {
                "description": "Cabinets",
                "quantity": "3",
                "unitPrice": "120.00",
                "taxKind": "STANDARD",
                "accountRole": "SALES",
            }
        ],
        **fields,
    }


# Every live country for quotes; estimates share the writer, so two countries for them.
CREATIONS = [(country, *MUTATIONS[0]) for country in LIVE_COUNTRIES] + [
    ("GB", *MUTATIONS[1]),
    ("CA", *MUTATIONS[1]),
]


@pytest.mark.parametrize(
    ("country", "name", "kind"), CREATIONS, ids=lambda v: v if isinstance(v, str) else ""
)
async def test_a_quote_is_created_with_its_lines_taxed_as_an_invoice(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    country: str,
    name: str,
    kind: ArtefactKind,
) -> None:
    business = business_in(sandbox, country)
    contact = await contact_of(server, http, business, "CUSTOMER")
    body = await send_input(
        server, http, mutation(name), quote_input(contact), key=new_key(), business=business
    )
    assert "errors" not in body, body["errors"]
    created = body["data"][name]
    stored = books_in(sandbox, country).artefacts(kind)[created["remoteId"]]
    assert created["number"] == stored.number
    assert created["number"].startswith(kind.number_prefix)
    assert created["status"] == "PENDING"
    assert created["expiryDate"] == "2026-12-02"
    assert Decimal(created["netAmount"]["amount"]) == stored.net_amount == Decimal("360.00")
    assert Decimal(created["taxAmount"]["amount"]) == stored.tax_amount > 0
    assert created["lines"][0]["taxRate"]["kind"] == "STANDARD"
    assert "SALES" in created["lines"][0]["ledgerAccount"]["roles"]
    assert created["totalAmount"]["currency"] == books_in(sandbox, country).base_currency_id()


async def test_a_draft_quote_is_created_as_a_draft(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    contact = await contact_of(server, http, business_in(sandbox, "GB"), "CUSTOMER")
    body = await send_input(
        server, http, mutation("createQuote"), quote_input(contact, draft=True), key=new_key()
    )
    assert "errors" not in body, body["errors"]
    assert body["data"]["createQuote"]["status"] == "DRAFT"


@pytest.mark.parametrize(
    ("name", "kind", "fields", "field"),
    [
        (*MUTATIONS[0], {"expiryDate": "2026-11-01"}, "input.expiryDate"),
        (*MUTATIONS[1], {"expiryDate": "2026-11-01"}, "input.expiryDate"),
        (*MUTATIONS[0], {"lines": []}, "input.lines"),
        (
            *MUTATIONS[0],
            {"lines": [{"description": "x", "unitPrice": "5", "quantity": "0"}]},
            "input.lines[0].quantity",
        ),
        (*MUTATIONS[1], {"contactId": "not-an-id"}, "input.contactId"),
    ],
    ids=[
        "quote expires before its date",
        "estimate expires before its date",
        "no lines",
        "zero quantity",
        "bad contact id",
    ],
)
async def test_a_quote_sage_would_refuse_is_refused_before_any_write(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    name: str,
    kind: ArtefactKind,
    fields: dict[str, Any],
    field: str,
) -> None:
    contact = await contact_of(server, http, business_in(sandbox, "GB"), "CUSTOMER")
    before = dict(books_in(sandbox, "GB").artefacts(kind))
    await refused_before_writing(
        http,
        sandbox,
        lambda: send_input(
            server, http, mutation(name), quote_input(contact, **fields), key=new_key()
        ),
        field,
    )
    assert books_in(sandbox, "GB").artefacts(kind) == before


@pytest.mark.parametrize(("name", "kind"), MUTATIONS, ids=IDS)
async def test_a_retried_key_creates_one_quote_listed_at_once(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    name: str,
    kind: ArtefactKind,
) -> None:
    contact = await contact_of(server, http, business_in(sandbox, "GB"), "CUSTOMER")
    before = len(books_in(sandbox, "GB").artefacts(kind))
    key = new_key()
    data = await written_once(
        lambda: send_input(server, http, mutation(name), quote_input(contact), key=key)
    )
    assert len(books_in(sandbox, "GB").artefacts(kind)) == before + 1
    many = "quotes" if name == "createQuote" else "estimates"
    listed = await server.graphql(
        http, "acme", f"{{ {many}(first: 200) {{ nodes {{ remoteId }} }} }}"
    )
    assert data[name]["remoteId"] in {n["remoteId"] for n in listed["data"][many]["nodes"]}
