"""``createBankDeposit``: cash and cheques paid in from a cash account once per key, in Sage's
live countries; a source that is not a cash account, or nothing paid in, is refused before
Sage is asked."""

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

CREATE = """mutation($key: String, $input: BankDepositInput!, $business: ID) {
  createBankDeposit(idempotencyKey: $key, input: $input, business: $business) {
    remoteId reference totalAmount { amount currency } fromBankAccount { kind } } }"""


def deposit(sandbox: RunningSandbox, country: str = "GB", **fields: Any) -> dict[str, Any]:
    ids = bank_account_ids(books_in(sandbox, country))
    return {
        "fromBankAccountId": ids["CASH_IN_HAND"],
        "toBankAccountId": ids["CHECKING"],
        "date": "2026-03-31",
        "reference": "Takings",
        "cashAmount": "120.50",
        "chequeAmount": "30.00",
        **fields,
    }


@pytest.mark.parametrize("country", ["GB", "IE", "CA"])
async def test_a_deposit_pays_cash_and_cheques_into_the_bank(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, country: str
) -> None:
    books = books_in(sandbox, country)
    data = deposit(sandbox, country)
    body = await send_input(server, http, CREATE, data, key=new_key(), business=books.business_id)
    assert "errors" not in body, body["errors"]
    made = body["data"]["createBankDeposit"]
    stored = books.bank_deposits[made["remoteId"]]
    assert (stored.cash_amount, stored.cheque_amount) == (Decimal("120.50"), Decimal("30.00"))
    assert made["totalAmount"] == {"amount": "150.50", "currency": books.base_currency_id()}
    assert made["fromBankAccount"]["kind"] == "CASH"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"cashAmount": "0", "chequeAmount": "0"}, "input.cashAmount"),
        ({"chequeAmount": "-1"}, "input.chequeAmount"),
        ({"reference": " "}, "input.reference"),
        ({"fromBankAccountId": None}, "input.fromBankAccountId"),
    ],
    ids=["nothing", "negative cheques", "no reference", "not from cash"],
)
async def test_a_deposit_sage_would_refuse_is_refused_before_any_write(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    fields: dict[str, Any],
    field: str,
) -> None:
    data = deposit(sandbox, **fields)
    if data["fromBankAccountId"] is None:
        data["fromBankAccountId"] = bank_account_ids(books_in(sandbox, "GB"))["SAVINGS"]
    await refused_before_writing(
        http, sandbox, lambda: send_input(server, http, CREATE, data, key=new_key()), field
    )


async def test_a_retried_key_makes_one_deposit(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    before = len(books_in(sandbox, "GB").bank_deposits)
    key = new_key()
    await written_once(lambda: send_input(server, http, CREATE, deposit(sandbox), key=key))
    assert len(books_in(sandbox, "GB").bank_deposits) == before + 1
