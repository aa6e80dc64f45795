"""``bankTransfers``, ``bankDeposits`` and ``otherPayments`` (and their by-ID fields): Sage's
money movements in every country, paged, filtered by date (Sage's own filter) and followed to
their bank accounts, ledger accounts and tax rates without a call per reference."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from tests.queries.conftest import business_in, data, reset_stats, sage_calls
from tests.support.fixtures import sandbox_fixture
from tests.support.server import LiveServer
from tests.support.writes import books_in

# Small books: a few of each, every list one page of Sage's.
sandbox = sandbox_fixture(scale=0.1)

COUNTRIES = ["GB", "IE", "CA", "US", "FR", "ES", "DE"]
EVERYTHING = """query($business: ID) {
  bankTransfers(business: $business, first: 100) { totalCount nodes { remoteId date
    amount { amount currency } fromBankAccount { remoteId } toBankAccount { remoteId } } }
  bankDeposits(business: $business, first: 100) { totalCount nodes { remoteId reference
    cashAmount { amount } chequeAmount { amount } totalAmount { amount currency }
    fromBankAccount { remoteId kind } toBankAccount { remoteId } } }
  otherPayments(business: $business, first: 100) { totalCount nodes { remoteId direction
    totalAmount { amount currency } netAmount { amount } taxAmount { amount }
    bankAccount { remoteId } contact { remoteId name } taxAddressRegion
    lines { totalAmount { amount } ledgerAccount { remoteId code } taxRate { remoteId } } } }
}"""
OTHERS = """query($first: Int, $after: String, $from: Date, $to: Date) {
  otherPayments(first: $first, after: $after, fromDate: $from, toDate: $to) {
    totalCount pageInfo { hasNextPage endCursor } nodes { id remoteId date reference } } }"""


def live(records: dict[str, Any]) -> set[str]:
    return {key for key, record in records.items() if not record.deleted}


@pytest.mark.parametrize("country", COUNTRIES)
async def test_every_country_lists_its_transfers_deposits_and_other_payments(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, country: str
) -> None:
    business = business_in(sandbox, country)
    books = books_in(sandbox, country)
    found = await data(server, http, EVERYTHING, business=business)
    base = books.base_currency_id()

    transfers = found["bankTransfers"]["nodes"]
    assert {n["remoteId"] for n in transfers} == live(books.bank_transfers)
    for node in transfers:
        seeded = books.bank_transfers[node["remoteId"]]
        assert node["amount"] == {"amount": f"{seeded.amount:.2f}", "currency": base}
        assert node["fromBankAccount"]["remoteId"] == seeded.from_bank_account_id
        assert node["toBankAccount"]["remoteId"] == seeded.to_bank_account_id

    deposits = found["bankDeposits"]["nodes"]
    assert {n["remoteId"] for n in deposits} == live(books.bank_deposits)
    for node in deposits:
        cash, cheque = Decimal(node["cashAmount"]["amount"]), node["chequeAmount"]["amount"]
        assert Decimal(node["totalAmount"]["amount"]) == cash + Decimal(cheque)
        assert node["fromBankAccount"]["kind"] == "CASH"

    others = found["otherPayments"]["nodes"]
    assert {n["remoteId"] for n in others} == live(books.other_payments)
    for node in others:
        seeded_other = books.other_payments[node["remoteId"]]
        assert node["direction"] == ("IN" if seeded_other.money_in else "OUT")
        assert Decimal(node["totalAmount"]["amount"]) == seeded_other.total_amount
        assert sum(Decimal(line["totalAmount"]["amount"]) for line in node["lines"]) == (
            Decimal(node["netAmount"]["amount"]) + Decimal(node["taxAmount"]["amount"])
        )
        assert [line["ledgerAccount"]["remoteId"] for line in node["lines"]] == [
            line.ledger_account_id for line in seeded_other.lines
        ]
        assert [(line["taxRate"] or {}).get("remoteId") for line in node["lines"]] == [
            line.tax_rate_id for line in seeded_other.lines
        ]
        assert (node["contact"] or {}).get("remoteId") == seeded_other.contact_id
        # Sage's province of tax is Canada's alone; the seeded books name none.
        assert node["taxAddressRegion"] is None


async def test_references_are_read_in_one_round_of_list_reads_and_then_cached(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    await data(server, http, EVERYTHING)
    calls = await sage_calls(http, sandbox)
    by_list = {
        name: sum(n for call, n in calls.items() if call.endswith(f"/v3.1/{name}"))
        for name in ("ledger_accounts", "tax_rates", "bank_accounts", "other_payments")
    }
    assert by_list == {
        "ledger_accounts": 1,
        "tax_rates": 1,
        "bank_accounts": 1,
        "other_payments": 1,
    }, calls
    contacts_by_id = [c for c in calls if "/v3.1/contacts/" in c]
    assert len(contacts_by_id) <= 1, calls
    await reset_stats(http, sandbox)
    await data(server, http, EVERYTHING)
    assert await sage_calls(http, sandbox) == {}


async def test_pages_of_other_payments_follow_one_another_without_overlap(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    seen: list[str] = []
    after = None
    while True:
        page = (await data(server, http, OTHERS, first=2, after=after))["otherPayments"]
        seen += [n["remoteId"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == len(live(books_in(sandbox, "GB").other_payments)) > 2


async def test_a_date_range_keeps_only_the_other_payments_dated_within_it(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    seeded = {o.id: o.date for o in books_in(sandbox, "GB").other_payments.values()}
    dates = sorted(seeded.values())
    start, end = dates[1], dates[-2]
    page = await data(server, http, OTHERS, first=50, **{"from": str(start), "to": str(end)})
    inside = {i for i, d in seeded.items() if start <= d <= end}
    assert {n["remoteId"] for n in page["otherPayments"]["nodes"]} == inside
    assert page["otherPayments"]["totalCount"] == len(inside) < len(dates)


@pytest.mark.parametrize(
    ("many", "one", "type_name"),
    [
        ("bankTransfers", "bankTransfer", "BankTransfer"),
        ("bankDeposits", "bankDeposit", "BankDeposit"),
        ("otherPayments", "otherPayment", "OtherPayment"),
    ],
)
async def test_each_reads_by_its_id_and_through_node_and_refuses_another_type(
    server: LiveServer, http: httpx.AsyncClient, many: str, one: str, type_name: str
) -> None:
    first = (await data(server, http, f"{{ {many}(first: 1) {{ nodes {{ id remoteId }} }} }}"))[
        many
    ]["nodes"][0]
    query = f"""query($id: ID!) {{ {one}(id: $id) {{ remoteId }}
      node(id: $id) {{ __typename ... on {type_name} {{ remoteId }} }} }}"""
    found = await data(server, http, query, id=first["id"])
    assert found[one] == {"remoteId": first["remoteId"]}
    assert found["node"] == {"__typename": type_name, "remoteId": first["remoteId"]}
    contact = (await data(server, http, "{ contacts(first: 1) { nodes { id } } }"))["contacts"]
    body = await server.graphql(
        http,
        "acme",
        f"query($id: ID!) {{ {one}(id: $id) {{ remoteId }} }}",
        {"id": contact["nodes"][0]["id"]},
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
