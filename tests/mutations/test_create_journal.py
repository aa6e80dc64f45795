"""``createJournal``: a balanced journal is posted once per key, in Sage's live countries;
an unbalanced or short one is refused, naming the field, before Sage is asked."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from tests.mutations.conftest import new_key
from tests.queries.conftest import business_in
from tests.support.fixtures import sandbox_fixture, server_fixture
from tests.support.server import LiveServer
from tests.support.writes import (
    books_in,
    connect_demo,
    refused_before_writing,
    send_input,
    written_once,
)

# The demo user has a business in every country; ``acme`` writes to GB unless told otherwise.
sandbox = sandbox_fixture(scale=0.1)
server = server_fixture(prepare=connect_demo, retry_max_delay=0.05)

CREATE = """mutation($key: String, $input: JournalInput!, $business: ID) {
  createJournal(idempotencyKey: $key, input: $input, business: $business) {
    id remoteId reference total { amount currency }
    lines { debit { amount } credit { amount } ledgerAccount { remoteId roles } } } }"""
LIVE_COUNTRIES = ["GB", "IE", "CA"]


def line(amount: str, side: str, **account: str) -> dict[str, Any]:
    return {side: amount, "details": f"{side} {amount}", **account}


def accrual(amount: str = "250.00", credit: str | None = None) -> dict[str, Any]:
    """Debit expenses, credit the chart's accruals, both by role."""
    return {
        "date": "2026-03-31",
        "reference": "Month-end accrual",
        "description": "Electricity not yet billed",
        "lines": [
            line(amount, "debit", accountRole="EXPENSES"),
            line(credit or amount, "credit", accountRole="ACCRUALS"),
        ],
    }


@pytest.mark.parametrize("country", LIVE_COUNTRIES)
async def test_a_balanced_journal_is_posted_to_the_accounts_its_roles_name(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, country: str
) -> None:
    books = books_in(sandbox, country)
    body = await send_input(
        server, http, CREATE, accrual(), key=new_key(), business=business_in(sandbox, country)
    )
    assert "errors" not in body, body["errors"]
    created = body["data"]["createJournal"]
    stored = books.journals[created["remoteId"]]
    assert [(ln.debit, ln.credit) for ln in stored.lines] == [
        (Decimal("250.00"), 0),
        (0, Decimal("250.00")),
    ]
    assert created["total"] == {"amount": "250.00", "currency": books.base_currency_id()}
    roles = [set(ln["ledgerAccount"]["roles"]) for ln in created["lines"]]
    assert "EXPENSES" in roles[0]
    assert "ACCRUALS" in roles[1]


async def test_a_line_names_its_account_by_ledger_account_id(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    query = "{ ledgerAccounts(role: BANK, first: 1) { nodes { id remoteId } } }"
    bank = (await server.graphql(http, "acme", query))["data"]["ledgerAccounts"]["nodes"][0]
    data = accrual()
    data["lines"][1] = line("250.00", "credit", ledgerAccountId=bank["id"])
    body = await send_input(server, http, CREATE, data, key=new_key())
    assert "errors" not in body, body["errors"]
    assert (
        body["data"]["createJournal"]["lines"][1]["ledgerAccount"]["remoteId"] == bank["remoteId"]
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (accrual("250.00", credit="249.99"), "input.lines"),
        ({**accrual(), "lines": accrual()["lines"][:1]}, "input.lines"),
        (
            {**accrual(), "lines": [line("1.00", "debit"), line("1.00", "credit")]},
            "input.lines[0].ledgerAccountId",
        ),
        (
            {
                **accrual(),
                "lines": [
                    {"debit": "5", "credit": "5", "accountRole": "EXPENSES"},
                    line("0", "credit", accountRole="ACCRUALS"),
                ],
            },
            "input.lines[0].debit",
        ),
        (accrual("250.001"), "input.lines[0].debit"),
        ({**accrual(), "reference": " "}, "input.reference"),
    ],
    ids=["unbalanced", "one line", "no account", "both sides", "sub-cent", "no reference"],
)
async def test_a_journal_sage_would_refuse_is_refused_before_any_write(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    data: dict[str, Any],
    field: str,
) -> None:
    before = dict(books_in(sandbox, "GB").journals)
    await refused_before_writing(
        http, sandbox, lambda: send_input(server, http, CREATE, data, key=new_key()), field
    )
    assert books_in(sandbox, "GB").journals == before


async def test_a_retried_key_creates_one_journal(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    before = len(books_in(sandbox, "GB").journals)
    key = new_key()
    await written_once(lambda: send_input(server, http, CREATE, accrual("80.00"), key=key))
    assert len(books_in(sandbox, "GB").journals) == before + 1


async def test_a_created_journal_is_listed_at_once(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    listed = "{ journals(first: 200) { totalCount nodes { remoteId } } }"
    before = (await server.graphql(http, "acme", listed))["data"]["journals"]["totalCount"]
    created = await send_input(server, http, CREATE, accrual("12.00"), key=new_key())
    after = (await server.graphql(http, "acme", listed))["data"]["journals"]
    assert after["totalCount"] == before + 1
    remote_id = created["data"]["createJournal"]["remoteId"]
    assert remote_id in {n["remoteId"] for n in after["nodes"]}
