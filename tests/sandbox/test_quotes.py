"""``/sales_quotes`` and ``/sales_estimates``: seeded per business, priced as invoices are,
posting nothing, with a status of their own and an expiry date Sage requires."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox, SandboxConfig
from tests.sandbox.sage_api import (
    COUNTRIES,
    SMALL_BOOKS,
    books_of,
    dec,
    error_of,
    in_business,
    ok,
    refs,
)

Json = dict[str, Any]
# (collection, root, lines key, number field, number prefix)
KINDS = [
    ("sales_quotes", "sales_quote", "quote_lines", "quote_number", "SQ-"),
    ("sales_estimates", "sales_estimate", "estimate_lines", "estimate_number", "SE-"),
]
IDS = ["quotes", "estimates"]


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    return SMALL_BOOKS


def quote_body(sandbox: RunningSandbox, root: str, lines_key: str, **fields: Any) -> Json:
    r = refs(sandbox)
    return {
        root: {
            "contact_id": r.customer,
            "date": "2025-03-01",
            "expiry_date": "2025-03-31",
            lines_key: [
                {
                    "description": "Design work",
                    "ledger_account_id": r.sales_ledger,
                    "quantity": 2,
                    "unit_price": "150.00",
                }
            ],
            **fields,
        }
    }


@pytest.mark.parametrize("country", COUNTRIES)
@pytest.mark.parametrize(("collection", "root", "lines_key", "number", "prefix"), KINDS, ids=IDS)
async def test_every_business_has_seeded_quotes_with_totals_of_their_lines(
    api: httpx.AsyncClient,
    sandbox: RunningSandbox,
    country: str,
    collection: str,
    root: str,
    lines_key: str,
    number: str,
    prefix: str,
) -> None:
    page = ok(
        await api.get(
            collection,
            params={"attributes": "all", "items_per_page": "200"},
            headers=in_business(sandbox, country),
        )
    )
    assert page["$total"] >= 2
    for quote in page["$items"]:
        lines = quote[lines_key]
        assert lines
        net = sum(dec(line["net_amount"]) for line in lines) + dec(quote["shipping_net_amount"])
        assert net == dec(quote["net_amount"])
        assert dec(quote["total_amount"]) == net + dec(quote["tax_amount"])
        assert quote[number].startswith(prefix)
        assert quote["expiry_date"] >= quote["date"]
        assert set(quote["status"]) == {"id", "displayed_as"}
        assert "transaction" not in quote
        assert "outstanding_amount" not in quote


@pytest.mark.parametrize(("collection", "root", "lines_key", "number", "prefix"), KINDS, ids=IDS)
async def test_a_quote_is_created_numbered_pending_and_posts_nothing(
    api: httpx.AsyncClient,
    sandbox: RunningSandbox,
    collection: str,
    root: str,
    lines_key: str,
    number: str,
    prefix: str,
) -> None:
    books = books_of(sandbox, "GB")
    customer = refs(sandbox).customer
    balance = books.contact_balances().get(customer)
    movements = books.ledger_movements(None, None)
    created = ok(await api.post(collection, json=quote_body(sandbox, root, lines_key)), 201)
    assert created[number].startswith(prefix)
    assert created["status"] == {"id": "PENDING", "displayed_as": "Pending"}
    assert dec(created["net_amount"]) == Decimal("300.00")
    assert created["expiry_date"] == "2025-03-31"
    assert created["invoice"] is None
    assert books.contact_balances().get(customer) == balance
    assert books.ledger_movements(None, None) == movements
    detail = ok(await api.get(f"{collection}/{created['id']}"))
    assert detail == created


@pytest.mark.parametrize(("collection", "root", "lines_key", "number", "prefix"), KINDS, ids=IDS)
async def test_a_quote_status_is_set_by_put_and_filters_the_list(
    api: httpx.AsyncClient,
    sandbox: RunningSandbox,
    collection: str,
    root: str,
    lines_key: str,
    number: str,
    prefix: str,
) -> None:
    created = ok(
        await api.post(collection, json=quote_body(sandbox, root, lines_key, status_id="DRAFT")),
        201,
    )
    assert created["status"]["id"] == "DRAFT"
    accepted = ok(
        await api.put(f"{collection}/{created['id']}", json={root: {"status_id": "ACCEPTED"}})
    )
    assert accepted["status"] == {"id": "ACCEPTED", "displayed_as": "Accepted"}
    params = {"status_id": "ACCEPTED", "attributes": "status", "items_per_page": "200"}
    listed = ok(await api.get(collection, params=params))
    assert created["id"] in {q["id"] for q in listed["$items"]}
    assert {q["status"]["id"] for q in listed["$items"]} == {"ACCEPTED"}
    refused = error_of(await api.get(collection, params={"status_id": "PAID"}), 422)
    assert refused["$source"] == "status_id"


@pytest.mark.parametrize(
    ("fields", "source"),
    [
        ({"expiry_date": None}, "expiry_date"),
        ({"expiry_date": "2025-02-01"}, "expiry_date"),
        ({"status_id": "PAID"}, "status_id"),
        ({"contact_id": None}, "contact_id"),
    ],
    ids=["no expiry", "expiry before date", "invoice status", "no contact"],
)
@pytest.mark.parametrize(("collection", "root", "lines_key", "number", "prefix"), KINDS, ids=IDS)
async def test_a_quote_sage_would_refuse_is_refused_and_not_stored(
    api: httpx.AsyncClient,
    sandbox: RunningSandbox,
    collection: str,
    root: str,
    lines_key: str,
    number: str,
    prefix: str,
    fields: Json,
    source: str,
) -> None:
    store = books_of(sandbox, "GB").artefacts
    before = {k: len(store(k)) for k in books_of(sandbox, "GB").next_numbers}
    body = quote_body(sandbox, root, lines_key, **fields)
    problem = error_of(await api.post(collection, json=body), 422)
    assert problem["$dataCode"] == "RecordInvalid"
    assert problem["$source"] == source
    assert {k: len(store(k)) for k in books_of(sandbox, "GB").next_numbers} == before


@pytest.mark.parametrize(("collection", "root", "lines_key", "number", "prefix"), KINDS, ids=IDS)
async def test_a_repeated_idempotency_id_creates_one_quote_and_delete_removes_it(
    api: httpx.AsyncClient,
    sandbox: RunningSandbox,
    collection: str,
    root: str,
    lines_key: str,
    number: str,
    prefix: str,
) -> None:
    body = quote_body(sandbox, root, lines_key, idempotency_id=uuid.uuid4().hex)
    first = await api.post(collection, json=body)
    second = await api.post(collection, json=body)
    assert first.status_code == second.status_code == 201
    assert first.content == second.content
    quote_id = first.json()["id"]
    ok(await api.delete(f"{collection}/{quote_id}"), 204)
    assert (await api.get(f"{collection}/{quote_id}")).status_code == 404
    listed = ok(await api.get(collection, params={"items_per_page": "200"}))
    assert quote_id not in {q["id"] for q in listed["$items"]}
