"""Invoicing a quote: ``POST /sales_invoices`` with ``original_quote_estimate_id`` makes the
quote INVOICED, links both ways and freezes the quote; Sage's refusals name the field."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from tests.sandbox.sage_api import (
    books_of,
    invoice_body,
    ok,
    refs,
    refused,
    shared_sandbox_fixtures,
)
from tests.sandbox.test_conformance import assert_valid, validator

pytestmark = pytest.mark.asyncio(loop_scope="module")
shared, sandbox, http, api = shared_sandbox_fixtures()

Json = dict[str, Any]
KINDS = [
    ("sales_quotes", "sales_quote", "quote_lines"),
    ("sales_estimates", "sales_estimate", "estimate_lines"),
]


async def new_quote(
    api: httpx.AsyncClient, sandbox: RunningSandbox, kind: tuple[str, str, str], **fields: Any
) -> Json:
    collection, root, lines_key = kind
    r = refs(sandbox)
    body = {
        root: {
            "contact_id": r.customer,
            "date": "2025-03-01",
            "expiry_date": "2025-03-31",
            lines_key: [
                {"description": "Work", "ledger_account_id": r.sales_ledger, "unit_price": "50.00"}
            ],
            **fields,
        }
    }
    payload: Json = ok(await api.post(collection, json=body), 201)
    return payload


def from_quote(sandbox: RunningSandbox, quote_id: str, **fields: Any) -> Json:
    return invoice_body(
        refs(sandbox), {"unit_price": "50.00"}, original_quote_estimate_id=quote_id, **fields
    )


@pytest.mark.parametrize("kind", KINDS, ids=["quote", "estimate"])
async def test_an_invoice_made_from_a_quote_links_both_ways_and_freezes_the_quote(
    api: httpx.AsyncClient, sandbox: RunningSandbox, kind: tuple[str, str, str]
) -> None:
    collection = kind[0]
    quote = await new_quote(api, sandbox, kind)
    invoice = ok(await api.post("sales_invoices", json=from_quote(sandbox, quote["id"])), 201)
    assert_valid(validator("SalesInvoice"), invoice)
    assert invoice["original_quote_estimate"]["id"] == quote["id"]
    assert invoice["original_quote_estimate"]["$path"] == f"/{collection}/{quote['id']}"
    after = ok(await api.get(f"{collection}/{quote['id']}"))
    assert after["status"]["id"] == "INVOICED"
    assert after["invoice"]["id"] == invoice["id"]
    assert after["editable"] is False
    root = kind[1]
    assert refused(await api.put(f"{collection}/{quote['id']}", json={root: {"notes": "x"}})) == {
        "base"
    }
    again = await api.post("sales_invoices", json=from_quote(sandbox, quote["id"]))
    assert refused(again) == {"original_quote_estimate_id"}


@pytest.mark.parametrize(
    ("case", "source"),
    [
        ("declined", "original_quote_estimate_id"),
        ("unknown", "original_quote_estimate_id"),
        ("another customer", "contact_id"),
        ("invoiced status written", "status_id"),
    ],
)
async def test_a_conversion_sage_would_refuse_uses_up_no_number(
    api: httpx.AsyncClient, sandbox: RunningSandbox, case: str, source: str
) -> None:
    quote = await new_quote(
        api, sandbox, KINDS[0], status_id="DECLINED" if case == "declined" else "PENDING"
    )
    books = books_of(sandbox, "GB")
    numbers = dict(books.next_numbers)
    if case == "invoiced status written":
        response = await api.put(
            f"sales_quotes/{quote['id']}", json={"sales_quote": {"status_id": "INVOICED"}}
        )
    else:
        quote_id = uuid.uuid4().hex if case == "unknown" else quote["id"]
        body = from_quote(sandbox, quote_id)
        if case == "another customer":
            body["sales_invoice"]["contact_id"] = next(
                c.id
                for c in books.contacts.values()
                if c.is_a("CUSTOMER") and c.id != quote["contact"]["id"]
            )
        response = await api.post("sales_invoices", json=body)
    assert refused(response) == {source}
    assert books.next_numbers == numbers
    assert books.sales_quotes[quote["id"]].invoice_id is None
