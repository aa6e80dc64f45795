"""``createBankTransfer``: a transfer between two bank accounts is made once per key in Sage's
live countries and moves both balances; the same account twice or a bad amount is refused,
naming the field, before Sage is asked."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
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

CREATE = """mutation($key: String, $input: BankTransferInput!, $business: ID) {
  createBankTransfer(idempotencyKey: $key, input: $input, business: $business) {
    id remoteId reference amount { amount currency }
    fromBankAccount { remoteId balance { amount } } toBankAccount { remoteId } } }"""


def transfer(sandbox: RunningSandbox, country: str = "GB", **fields: Any) -> dict[str, Any]:
    """From the current account to cash in hand (every country has both)."""
    ids = bank_account_ids(books_in(sandbox, country))
    return {
        "fromBankAccountId": ids["CHECKING"],
        "toBankAccountId": ids["CASH_IN_HAND"],
        "date": "2026-03-31",
        "amount": "150.00",
        "reference": "Float",
        **fields,
    }


@pytest.mark.parametrize("country", ["GB", "IE", "CA"])
async def test_a_transfer_is_made_and_moves_both_balances(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, country: str
) -> None:
    books = books_in(sandbox, country)
    data = transfer(sandbox, country)
    by_type = {a.bank_account_type_id: a.id for a in books.bank_accounts.values()}
    before = {k: books.bank_balance(k) for k in by_type.values()}
    body = await send_input(server, http, CREATE, data, key=new_key(), business=books.business_id)
    assert "errors" not in body, body["errors"]
    made = body["data"]["createBankTransfer"]
    stored = books.bank_transfers[made["remoteId"]]
    assert (stored.amount, stored.reference) == (Decimal("150.00"), "Float")
    assert made["amount"] == {"amount": "150.00", "currency": books.base_currency_id()}
    checking, cash = by_type["CHECKING"], by_type["CASH_IN_HAND"]
    assert books.bank_balance(checking) == before[checking] - 150
    assert books.bank_balance(cash) == before[cash] + 150
    # The answer shows the books after the write, though the request read the bank accounts
    # (to check the input) before it.
    assert Decimal(made["fromBankAccount"]["balance"]["amount"]) == books.bank_balance(checking)
    # The write dropped the cached bank accounts: the next request reads the new balance.
    query = "query($id: ID!) { node(id: $id) { ... on BankAccount { balance { amount } } } }"
    after = await server.graphql(http, "acme", query, {"id": data["fromBankAccountId"]})
    assert Decimal(after["data"]["node"]["balance"]["amount"]) == books.bank_balance(checking)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"amount": "0"}, "input.amount"),
        ({"amount": "-5.00"}, "input.amount"),
        ({"amount": "1.005"}, "input.amount"),
        ({"toBankAccountId": None}, "input.toBankAccountId"),
        ({"fromBankAccountId": "Q29udGFjdDp4Onk="}, "input.fromBankAccountId"),
    ],
    ids=["zero", "negative", "sub-cent", "same account", "not a bank account"],
)
async def test_a_transfer_sage_would_refuse_is_refused_before_any_write(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    fields: dict[str, Any],
    field: str,
) -> None:
    data = transfer(sandbox, **fields)
    if data["toBankAccountId"] is None:
        data["toBankAccountId"] = data["fromBankAccountId"]
    before = dict(books_in(sandbox, "GB").bank_transfers)
    await refused_before_writing(
        http, sandbox, lambda: send_input(server, http, CREATE, data, key=new_key()), field
    )
    assert books_in(sandbox, "GB").bank_transfers == before


async def test_a_retried_key_makes_one_transfer(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    before = len(books_in(sandbox, "GB").bank_transfers)
    key = new_key()
    await written_once(lambda: send_input(server, http, CREATE, transfer(sandbox), key=key))
    assert len(books_in(sandbox, "GB").bank_transfers) == before + 1
