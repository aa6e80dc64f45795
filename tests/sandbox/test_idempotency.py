"""Sage's ``idempotency_id``: a repeated write returns the first response and changes nothing."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox, SandboxConfig
from tests.sandbox.sage_api import (
    SMALL_BOOKS,
    Refs,
    books_of,
    error_of,
    in_business,
    invoice_body,
    ok,
    payment_body,
    refs,
)

Json = dict[str, Any]


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    return SMALL_BOOKS


def key() -> str:
    return uuid.uuid4().hex


def with_id(body: Json, idempotency_id: str) -> Json:
    ((root, fields),) = body.items()
    return {root: fields | {"idempotency_id": idempotency_id}}


BODIES: dict[str, Callable[[Refs], Json]] = {
    "contacts": lambda r: {"contact": {"name": "Once Only Ltd", "contact_type_ids": ["CUSTOMER"]}},
    "sales_invoices": lambda r: invoice_body(r, {"unit_price": 10}),
    "purchase_invoices": lambda r: {
        "purchase_invoice": {
            "contact_id": r.vendor,
            "date": "2025-01-01",
            "due_date": "2025-01-31",
            "invoice_lines": [
                {
                    "description": "x",
                    "ledger_account_id": r.purchase_ledger,
                    "quantity": 1,
                    "unit_price": 5,
                }
            ],
        }
    },
    "sales_credit_notes": lambda r: {
        "sales_credit_note": {
            "contact_id": r.customer,
            "date": "2025-01-01",
            "credit_note_lines": [
                {"description": "x", "ledger_account_id": r.sales_ledger, "unit_price": 5}
            ],
        }
    },
    "contact_payments": lambda r: payment_body(r, "25"),
    "products": lambda r: {
        "product": {
            "description": "Once-only widget",
            "sales_ledger_account_id": r.sales_ledger,
            "purchase_ledger_account_id": r.purchase_ledger,
        }
    },
    "services": lambda r: {
        "service": {"description": "Once-only visit", "sales_ledger_account_id": r.sales_ledger}
    },
    "bank_accounts": lambda r: {
        "bank_account": {
            "bank_account_type_id": "SAVINGS",
            "bank_account_details": {"account_name": "Once"},
        }
    },
    "journals": lambda r: {
        "journal": {
            "date": "2025-01-31",
            "reference": "Once-only journal",
            "journal_lines": [
                {"ledger_account_id": r.purchase_ledger, "debit": "12.50", "credit": "0"},
                {"ledger_account_id": r.sales_ledger, "debit": "0", "credit": "12.50"},
            ],
        }
    },
    "purchase_credit_notes": lambda r: {
        "purchase_credit_note": {
            "contact_id": r.vendor,
            "date": "2025-01-01",
            "credit_note_lines": [
                {
                    "description": "x",
                    "ledger_account_id": r.purchase_ledger,
                    "quantity": 1,
                    "unit_price": 5,
                }
            ],
        }
    },
    "sales_quotes": lambda r: {
        "sales_quote": {
            "contact_id": r.customer,
            "date": "2025-01-01",
            "expiry_date": "2025-01-31",
            "quote_lines": [
                {
                    "description": "x",
                    "ledger_account_id": r.sales_ledger,
                    "quantity": 1,
                    "unit_price": 5,
                }
            ],
        }
    },
    "sales_estimates": lambda r: {
        "sales_estimate": {
            "contact_id": r.customer,
            "date": "2025-01-01",
            "expiry_date": "2025-01-31",
            "estimate_lines": [
                {
                    "description": "x",
                    "ledger_account_id": r.sales_ledger,
                    "quantity": 1,
                    "unit_price": 5,
                }
            ],
        }
    },
    "ledger_accounts": lambda r: {
        "ledger_account": {
            "ledger_account_type_id": "OVERHEADS",
            "included_in_chart": True,
            "name": "Once",
            "display_name": "Once",
            "nominal_code": 7777,
        }
    },
    "other_payments": lambda r: {
        "other_payment": {
            "transaction_type_id": "OTHER_PAYMENT",
            "date": "2025-01-31",
            "bank_account_id": r.bank,
            "total_amount": "12.50",
            "payment_lines": [{"ledger_account_id": r.purchase_ledger, "total_amount": "12.50"}],
        }
    },
    "attachments": lambda r: {
        "attachment": {
            "file": "T25jZQ==",
            "file_name": "once.txt",
            "mime_type": "text/plain",
            "attachment_context_type_id": "CONTACT",
            "attachment_context_id": r.customer,
        }
    },
}


async def count(sandbox: RunningSandbox, collection: str, country: str = "GB") -> int:
    return len(
        [r for r in getattr(books_of(sandbox, country), collection).values() if not r.deleted]
    )


@pytest.mark.parametrize("collection", list(BODIES))
async def test_a_repeated_post_returns_the_first_response_and_creates_nothing(
    api: httpx.AsyncClient, sandbox: RunningSandbox, collection: str
) -> None:
    body = with_id(BODIES[collection](refs(sandbox)), key())
    before = await count(sandbox, collection)
    first = await api.post(collection, json=body)
    second = await api.post(collection, json=body)
    assert first.status_code == second.status_code == 201
    assert first.content == second.content
    assert second.headers["X-Business"] == first.headers["X-Business"]
    assert await count(sandbox, collection) == before + 1
    assert "idempotency_id" not in first.json()


async def test_a_repeat_with_a_different_body_still_gets_the_first_response(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    idempotency_id = key()
    first = ok(
        await api.post(
            "contacts",
            json={
                "contact": {
                    "name": "First Body Ltd",
                    "contact_type_ids": ["CUSTOMER"],
                    "idempotency_id": idempotency_id,
                }
            },
        ),
        201,
    )
    second = ok(
        await api.post(
            "contacts",
            json={
                "contact": {
                    "name": "Second Body Ltd",
                    "contact_type_ids": ["VENDOR"],
                    "idempotency_id": idempotency_id,
                }
            },
        ),
        201,
    )
    assert second == first
    names = {c.name for c in books_of(sandbox, "GB").contacts.values()}
    assert "Second Body Ltd" not in names


async def test_a_replayed_invoice_does_not_take_another_number(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    r = refs(sandbox)
    body = with_id(invoice_body(r, {"unit_price": 10}), key())
    first = ok(await api.post("sales_invoices", json=body), 201)
    ok(await api.post("sales_invoices", json=body), 201)
    following = ok(await api.post("sales_invoices", json=invoice_body(r, {"unit_price": 10})), 201)
    assert int(following["invoice_number"][3:]) == int(first["invoice_number"][3:]) + 1


async def test_a_replayed_payment_is_not_allocated_twice(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    r = refs(sandbox)
    invoice = ok(
        await api.post(
            "sales_invoices", json=invoice_body(r, {"unit_price": 100, "tax_rate_id": "GB_NO_TAX"})
        ),
        201,
    )
    body = with_id(payment_body(r, "40", (invoice["id"], "40")), key())
    for _ in range(3):
        ok(await api.post("contact_payments", json=body), 201)
    assert ok(await api.get(f"sales_invoices/{invoice['id']}"))["outstanding_amount"] == "60.0"


async def test_a_repeated_put_is_applied_once(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    r = refs(sandbox)
    idempotency_id = key()
    first = ok(
        await api.put(
            f"contacts/{r.customer}",
            json={"contact": {"notes": "first", "idempotency_id": idempotency_id}},
        )
    )
    ok(await api.put(f"contacts/{r.customer}", json={"contact": {"notes": "changed by hand"}}))
    replay = ok(
        await api.put(
            f"contacts/{r.customer}",
            json={"contact": {"notes": "first", "idempotency_id": idempotency_id}},
        )
    )
    assert replay == first
    assert ok(await api.get(f"contacts/{r.customer}"))["notes"] == "changed by hand"


async def test_an_id_used_for_another_resource_type_is_a_mismatch(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    idempotency_id = key()
    ok(
        await api.post("contacts", json=with_id(BODIES["contacts"](refs(sandbox)), idempotency_id)),
        201,
    )
    before = await count(sandbox, "products")
    response = await api.post(
        "products", json=with_id(BODIES["products"](refs(sandbox)), idempotency_id)
    )
    error = error_of(response, 422)
    assert (error["$dataCode"], error["$message"]) == (
        "IdempotencyResourceMismatch",
        "Entity type mismatch",
    )
    assert await count(sandbox, "products") == before


async def test_ids_are_remembered_per_business(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    body = with_id(BODIES["contacts"](refs(sandbox)), key())
    uk = ok(await api.post("contacts", json=body), 201)
    ireland = ok(await api.post("contacts", json=body, headers=in_business(sandbox, "IE")), 201)
    assert uk["id"] != ireland["id"]
    assert ireland["currency"]["id"] == "EUR"


async def test_a_refusal_is_remembered_too(api: httpx.AsyncClient, sandbox: RunningSandbox) -> None:
    idempotency_id = key()
    refused = await api.post(
        "contacts",
        json={"contact": {"contact_type_ids": ["CUSTOMER"], "idempotency_id": idempotency_id}},
    )
    error_of(refused, 422)
    again = await api.post(
        "contacts",
        json={
            "contact": {
                "name": "Fixed Ltd",
                "contact_type_ids": ["CUSTOMER"],
                "idempotency_id": idempotency_id,
            }
        },
    )
    assert (again.status_code, again.content) == (422, refused.content)


async def test_without_an_id_every_post_creates(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    body = BODIES["contacts"](refs(sandbox))
    before = await count(sandbox, "contacts")
    first = ok(await api.post("contacts", json=body), 201)
    second = ok(await api.post("contacts", json=body), 201)
    assert first["id"] != second["id"]
    assert await count(sandbox, "contacts") == before + 2


@pytest.mark.parametrize("value", ["not-hex", "0" * 31, "g" * 32, 12345])
async def test_a_malformed_id_is_refused(
    api: httpx.AsyncClient, sandbox: RunningSandbox, value: object
) -> None:
    body = {
        "contact": {
            "name": "Bad Key Ltd",
            "contact_type_ids": ["CUSTOMER"],
            "idempotency_id": value,
        }
    }
    assert error_of(await api.post("contacts", json=body), 422)["$source"] == "idempotency_id"


class TestExpiry:
    @pytest.fixture
    def sandbox_config(self) -> SandboxConfig:
        return SandboxConfig(controls=True, scale=0.1, idempotency_ttl=0.2)

    async def test_an_id_is_forgotten_after_its_time(
        self, api: httpx.AsyncClient, sandbox: RunningSandbox
    ) -> None:
        body = with_id(BODIES["contacts"](refs(sandbox)), key())
        first = ok(await api.post("contacts", json=body), 201)
        assert ok(await api.post("contacts", json=body), 201) == first
        await asyncio.sleep(0.3)
        assert ok(await api.post("contacts", json=body), 201)["id"] != first["id"]
