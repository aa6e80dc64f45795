"""Helpers the books/API tests share: which business is which, and Sage's shapes."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest
import pytest_asyncio

from ledgergraph.sandbox import RunningSandbox, SandboxConfig, create_sandbox_app, serve_app
from ledgergraph.sandbox.books import DEMO_USER_ID, Books
from ledgergraph.sandbox.books.countries import COUNTRY_CODES
from tests.sandbox_client import authorize, bearer

COUNTRIES = COUNTRY_CODES
HEX32 = re.compile(r"^[0-9a-f]{32}$")
DECIMAL = re.compile(r"^-?\d+\.\d+$")


def business_id(sandbox: RunningSandbox, country: str) -> str:
    """The demo user's business in ``country`` (one with an active subscription)."""
    world = sandbox.world
    for business in world.businesses_of(DEMO_USER_ID):
        if business.country_code == country and business.has_active_subscription:
            return business.id
    raise LookupError(country)


def books_of(sandbox: RunningSandbox, country: str) -> Books:
    return sandbox.world.businesses[business_id(sandbox, country)].books


def in_business(sandbox: RunningSandbox, country: str) -> dict[str, str]:
    return {"X-Business": business_id(sandbox, country)}


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if status != 204 else None


def error_of(response: httpx.Response, status: int) -> dict[str, str]:
    """The single Sage error a response carries, checked for shape."""
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body, list)
    assert body
    assert set(body[0]) == {"$severity", "$dataCode", "$message", "$source"}
    assert body[0]["$severity"] == "error"
    first: dict[str, str] = body[0]
    return first


def sources(response: httpx.Response) -> set[str]:
    return {problem["$source"] for problem in response.json()}


def dec(value: str) -> Decimal:
    assert DECIMAL.match(value), value
    return Decimal(value)


@dataclass(frozen=True, slots=True)
class Shared:
    sandbox: RunningSandbox
    http: httpx.AsyncClient
    api: httpx.AsyncClient


def shared_sandbox_fixtures() -> tuple[Any, Any, Any, Any]:
    """``sandbox``, ``http`` and ``api`` fixtures backed by one sandbox for a whole module.

    For modules that mostly read: each business is seeded once instead of once per test.
    Tests in such a module must run on the module's loop
    (``pytestmark = pytest.mark.asyncio(loop_scope="module")``) and must not depend on
    each other's writes.
    """

    @pytest_asyncio.fixture(scope="module", loop_scope="module", name="shared")
    async def shared() -> AsyncIterator[Shared]:
        app = create_sandbox_app(SandboxConfig(controls=True))
        async with serve_app(app) as running, httpx.AsyncClient(base_url=running.url) as http:
            token = (await authorize(http, running.url))["access_token"]
            async with httpx.AsyncClient(
                base_url=f"{running.api_url}/", headers=bearer(token)
            ) as api:
                yield Shared(running, http, api)

    @pytest.fixture(name="sandbox")
    def sandbox(shared: Shared) -> RunningSandbox:
        return shared.sandbox

    @pytest.fixture(name="http")
    def http(shared: Shared) -> httpx.AsyncClient:
        return shared.http

    @pytest.fixture(name="api")
    def api(shared: Shared) -> httpx.AsyncClient:
        return shared.api

    return shared, sandbox, http, api


@dataclass(frozen=True, slots=True)
class Refs:
    """Ids a write body needs in one business: who, which ledgers, which bank."""

    customer: str
    vendor: str
    sales_ledger: str
    purchase_ledger: str
    bank: str


def refs(sandbox: RunningSandbox, country: str = "GB") -> Refs:
    books = books_of(sandbox, country)
    home = books.country.code

    def first(contact_type: str) -> str:
        return next(
            c.id
            for c in books.contacts.values()
            if c.is_a(contact_type)
            and not c.system
            and c.main_address is not None
            and c.main_address.country_id == home
        )

    return Refs(
        customer=first("CUSTOMER"),
        vendor=first("VENDOR"),
        sales_ledger=books.ledger_account_by_code(books.country.ledgers["product_sales"]).id,
        purchase_ledger=books.ledger_account_by_code(books.country.ledgers["purchases"]).id,
        bank=next(
            b.id for b in books.bank_accounts.values() if b.bank_account_type_id == "CHECKING"
        ),
    )


def invoice_body(r: Refs, *lines: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A sales invoice for the business's first customer; lines default to its sales ledger."""
    return {
        "sales_invoice": {
            "contact_id": r.customer,
            "date": "2025-03-14",
            "invoice_lines": [
                {"description": "Item", "ledger_account_id": r.sales_ledger} | line
                for line in lines
            ],
        }
        | fields
    }


def payment_body(
    r: Refs, total: str, *allocations: tuple[str, str], **fields: Any
) -> dict[str, Any]:
    return {
        "contact_payment": {
            "transaction_type_id": "CUSTOMER_RECEIPT",
            "contact_id": r.customer,
            "bank_account_id": r.bank,
            "date": "2025-03-20",
            "total_amount": total,
            "allocated_artefacts": [
                {"artefact_id": artefact_id, "amount": amount}
                for artefact_id, amount in allocations
            ],
        }
        | fields
    }


# Modules that start a sandbox per test and only need a few seeded records use this scale:
# seeding a tenth of the books keeps each test's setup to a few milliseconds.
SMALL_BOOKS = SandboxConfig(controls=True, scale=0.1)


def refused(response: httpx.Response) -> set[str]:
    """The ``$source`` of every problem in a 422."""
    error_of(response, 422)
    return sources(response)
