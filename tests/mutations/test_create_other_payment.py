"""``createOtherPayment``: an expense paid (OUT) or money received (IN) straight to ledger
accounts, once per key, in Sage's live countries. Each line's total includes its tax, split
here as Sage's books split it; the lines' ledger accounts and tax rates come from one read of
each list whatever the number of lines; what Sage would refuse is refused before Sage."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx
import pytest

from ledgergraph.ids import encode
from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import Books
from ledgergraph.sandbox.books.records import LedgerAccount
from tests.mutations.conftest import new_key
from tests.support.fixtures import sandbox_fixture, server_fixture
from tests.support.server import LiveServer
from tests.support.writes import (
    bank_account_ids,
    books_in,
    connect_demo,
    refused_before_writing,
    send_input,
    written_once,
)

sandbox = sandbox_fixture(scale=0.1)
server = server_fixture(prepare=connect_demo, retry_max_delay=0.05)

CREATE = """mutation($key: String, $input: OtherPaymentInput!, $business: ID) {
  createOtherPayment(idempotencyKey: $key, input: $input, business: $business) {
    remoteId direction reference totalAmount { amount currency } netAmount { amount }
    lines { netAmount { amount } taxAmount { amount } ledgerAccount { remoteId }
      taxRate { remoteId } } bankAccount { remoteId } } }"""
DAY = "2026-03-31"


def accounts(books: Books, area: str, *, visible: bool = True) -> list[LedgerAccount]:
    chosen = [a for a in books.ledger_accounts.values() if (area in a.visible_in) == visible]
    return sorted(chosen, key=lambda a: a.nominal_code)


def line(books: Books, account: LedgerAccount, total: str, taxed: bool = True) -> dict[str, Any]:
    business = books.business_id
    found: dict[str, Any] = {
        "ledgerAccountId": encode("LedgerAccount", business, account.id),
        "totalAmount": total,
        "details": account.name,
    }
    if taxed:
        found["taxRateId"] = encode("TaxRate", business, account.tax_rate_id or taxing(books))
    return found


def taxing(books: Books) -> str:
    """A rate charging tax (an account's own, or for Canada, whose accounts name none, the
    first rate with a percentage)."""
    return next(
        r.id
        for r in sorted(books.tax_rates.values(), key=lambda r: r.name)
        if not r.deleted and books.tax_percentage(r.id, dt.date.fromisoformat(DAY)) > 0
    )


def expense(books: Books, *totals: str, **fields: Any) -> dict[str, Any]:
    spend = accounts(books, "other_payments")
    return {
        "direction": "OUT",
        "bankAccountId": bank_account_ids(books)["CHECKING"],
        "date": DAY,
        "reference": "Petty spend",
        "lines": [line(books, spend[i % len(spend)], t) for i, t in enumerate(totals or ["60"])],
        **fields,
    }


@pytest.mark.parametrize("country", ["GB", "IE", "CA"])
async def test_an_expense_is_paid_with_each_line_split_into_net_and_tax(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, country: str
) -> None:
    books = books_in(sandbox, country)
    data = expense(books, "60.00", "19.99", "7.00")
    checking = next(
        a.id for a in books.bank_accounts.values() if a.bank_account_type_id == "CHECKING"
    )
    balance_before = books.bank_balance(checking)
    await http.post(f"{sandbox.url}/__sandbox/stats/reset")
    body = await send_input(server, http, CREATE, data, key=new_key(), business=books.business_id)
    assert "errors" not in body, body["errors"]
    made = body["data"]["createOtherPayment"]
    stored = books.other_payments[made["remoteId"]]
    assert stored.transaction_type_id == "OTHER_PAYMENT"
    assert made["direction"] == "OUT"
    assert made["totalAmount"] == {"amount": "86.99", "currency": books.base_currency_id()}
    for sent, kept in zip(data["lines"], stored.lines, strict=True):
        pct = books.tax_percentage(kept.tax_rate_id, stored.date) if kept.tax_rate_id else 0
        total = Decimal(sent["totalAmount"])
        net = (total * 100 / (100 + pct)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert (kept.net_amount, kept.tax_amount) == (net, total - net)
    assert stored.bank_account_id == checking
    assert books.bank_balance(checking) == balance_before - Decimal("86.99")
    stats = (await http.get(f"{sandbox.url}/__sandbox/stats")).json()["requests"]
    lists = {name: n for name, n in stats.items() if name.startswith("GET /v3.1/")}
    # Three lines, one read of each list they name (no read per line) — and the ledger
    # accounts once more for the answer: the payment posted to them, so what the request read
    # to check the lines is stale by the time it answers.
    assert lists.get("GET /v3.1/ledger_accounts", 0) <= 2, stats
    assert lists.get("GET /v3.1/tax_rates", 0) <= 1, stats


async def test_a_receipt_goes_to_an_account_that_takes_other_receipts(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    books = books_in(sandbox, "GB")
    income = accounts(books, "other_receipts")[0]
    data = {**expense(books), "direction": "IN", "lines": [line(books, income, "40", False)]}
    body = await send_input(server, http, CREATE, data, key=new_key())
    assert "errors" not in body, body["errors"]
    made = body["data"]["createOtherPayment"]
    assert made["direction"] == "IN"
    assert books.other_payments[made["remoteId"]].transaction_type_id == "OTHER_RECEIPT"
    assert made["lines"][0]["taxRate"] is None
    assert made["lines"][0]["netAmount"] == {"amount": "40.00"}


def _hidden_line(books: Books) -> dict[str, Any]:
    return line(books, accounts(books, "other_payments", visible=False)[0], "10")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b: {"lines": []}, "input.lines"),
        (
            lambda b: {"lines": [{**expense(b)["lines"][0], "totalAmount": "0"}]},
            "input.lines[0].totalAmount",
        ),
        (
            lambda b: {"lines": [{**expense(b)["lines"][0], "totalAmount": "1.001"}]},
            "input.lines[0].totalAmount",
        ),
        (lambda b: {"lines": [_hidden_line(b)]}, "input.lines[0].ledgerAccountId"),
        (lambda b: {"reference": "x" * 26}, "input.reference"),
        (lambda b: {"bankAccountId": encode("Contact", b.business_id, "x")}, "input.bankAccountId"),
    ],
    ids=[
        "no lines",
        "zero",
        "sub-cent",
        "account hidden from other payments",
        "long reference",
        "not a bank account",
    ],
)
async def test_an_other_payment_sage_would_refuse_is_refused_before_any_write(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    change: Any,
    field: str,
) -> None:
    books = books_in(sandbox, "GB")
    before = dict(books.other_payments)
    await refused_before_writing(
        http,
        sandbox,
        lambda: send_input(
            server, http, CREATE, {**expense(books), **change(books)}, key=new_key()
        ),
        field,
    )
    assert books.other_payments == before


async def test_a_retried_key_makes_one_other_payment_and_it_is_listed(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    books = books_in(sandbox, "GB")
    before = len(books.other_payments)
    key = new_key()
    data = await written_once(
        lambda: send_input(server, http, CREATE, expense(books, "25.00"), key=key)
    )
    assert len(books.other_payments) == before + 1
    listed = await server.graphql(
        http, "acme", "{ otherPayments(first: 200) { nodes { remoteId } } }"
    )
    made = data["createOtherPayment"]["remoteId"]
    assert made in {n["remoteId"] for n in listed["data"]["otherPayments"]["nodes"]}
