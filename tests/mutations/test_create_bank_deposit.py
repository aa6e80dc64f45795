"""``createBankDeposit``: cash and cheques paid in from a cash account once per key, in Sage's
live countries; a source that is not a cash account, or nothing paid in, is refused before
Sage is asked."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from ledgergraph.ids import encode
from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import Books
from tests.mutations.conftest import new_key
from tests.queries.conftest import business_in
from tests.support.fixtures import sandbox_fixture, server_fixture
from tests.support.server import LiveServer
from tests.support.writes import connect_demo, refused_before_writing, written_once

sandbox = sandbox_fixture(scale=0.1)
server = server_fixture(prepare=connect_demo, retry_max_delay=0.05)

CREATE = """mutation($key: String, $input: BankDepositInput!, $business: ID) {
  createBankDeposit(idempotencyKey: $key, input: $input, business: $business) {
    remoteId reference totalAmount { amount currency } fromBankAccount { kind } } }"""


def books_in(sandbox: RunningSandbox, country: str) -> Books:
    return sandbox.world.businesses[business_in(sandbox, country)].books


def deposit(sandbox: RunningSandbox, country: str = "GB", **fields: Any) -> dict[str, Any]:
    books = books_in(sandbox, country)
    by_type = {a.bank_account_type_id: a.id for a in books.bank_accounts.values()}
    business = books.business_id
    return {
        "fromBankAccountId": encode("BankAccount", business, by_type["CASH_IN_HAND"]),
        "toBankAccountId": encode("BankAccount", business, by_type["CHECKING"]),
        "date": "2026-03-31",
        "reference": "Takings",
        "cashAmount": "120.50",
        "chequeAmount": "30.00",
        **fields,
    }


async def create(
    server: LiveServer, http: httpx.AsyncClient, data: dict[str, Any], **variables: Any
) -> Any:
    return await server.graphql(http, "acme", CREATE, {"input": data, **variables})


@pytest.mark.parametrize("country", ["GB", "IE", "CA"])
async def test_a_deposit_pays_cash_and_cheques_into_the_bank(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, country: str
) -> None:
    books = books_in(sandbox, country)
    body = await create(
        server, http, deposit(sandbox, country), key=new_key(), business=books.business_id
    )
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
        books = books_in(sandbox, "GB")
        savings = next(
            a.id for a in books.bank_accounts.values() if a.bank_account_type_id == "SAVINGS"
        )
        data["fromBankAccountId"] = encode("BankAccount", books.business_id, savings)
    await refused_before_writing(
        http, sandbox, lambda: create(server, http, data, key=new_key()), field
    )


async def test_a_retried_key_makes_one_deposit(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    before = len(books_in(sandbox, "GB").bank_deposits)
    key = new_key()
    await written_once(lambda: create(server, http, deposit(sandbox), key=key))
    assert len(books_in(sandbox, "GB").bank_deposits) == before + 1
