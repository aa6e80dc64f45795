"""``ledgerEntries``, ``trialBalance`` and ``profitAndLoss`` over the sandbox's books in every
country: the entries Sage lists, filtered and paged; a trial balance that balances; a profit
and loss that adds up; each at its minimum of Sage calls."""

from __future__ import annotations

import math
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ledgergraph.connectors.sage.mapping.ledger_reports import (
    DIRECT_EXPENSE_TYPES,
    INCOME_TYPES,
    OVERHEAD_TYPES,
)
from ledgergraph.ids import GlobalId
from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import Books
from ledgergraph.sandbox.books.ledger import ledger_entries
from tests.queries.conftest import business_in, data, reset_stats, sage_calls
from tests.support.fixtures import sandbox_fixture
from tests.support.server import LiveServer
from tests.support.writes import books_in

# Small books: the ledger of a few dozen documents is enough, and seeds fast.
sandbox = sandbox_fixture(scale=0.1)

COUNTRIES = ["GB", "IE", "CA", "US", "FR", "ES", "DE"]
SECTION = "total { amount } lines { amount { amount } ledgerAccount { remoteId accountType } }"
REPORTS = f"""query($business: ID, $from: Date!, $to: Date!) {{
  trialBalance(business: $business, fromDate: $from, toDate: $to) {{
    currency balanced totalDebits {{ amount currency }} totalCredits {{ amount }}
    lines {{ ledgerAccount {{ remoteId code }} debits {{ amount }} credits {{ amount }}
      debitBalance {{ amount }} creditBalance {{ amount }} }} }}
  profitAndLoss(business: $business, fromDate: $from, toDate: $to) {{
    currency income {{ {SECTION} }} directExpenses {{ {SECTION} }} overheads {{ {SECTION} }}
    grossProfit {{ amount }} netProfit {{ amount currency }} }} }}"""
ENTRIES = """query($business: ID, $first: Int, $after: String, $from: Date, $to: Date,
  $account: ID, $transaction: String) {
  ledgerEntries(business: $business, first: $first, after: $after, fromDate: $from,
    toDate: $to, ledgerAccount: $account, transactionId: $transaction) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id remoteId date transactionId transactionType debit { amount currency }
      credit { amount } ledgerAccount { remoteId code } } } }"""
EVER = {"from": "2000-01-01", "to": "2099-12-31"}


def amount(money: dict[str, Any]) -> Decimal:
    return Decimal(money["amount"])


def section_total(books: Books, types: tuple[str, ...], *, income: bool) -> Decimal:
    """What the sandbox's own ledger says a section totals."""
    total = Decimal(0)
    for account_id, (debits, credits) in books.ledger_movements(None, None).items():
        if books.ledger_accounts[account_id].type_id in types:
            total += credits - debits if income else debits - credits
    return total


@pytest.mark.parametrize("country", COUNTRIES)
async def test_every_country_has_a_balanced_trial_balance_and_a_profit_and_loss_for_one_call(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, country: str
) -> None:
    business = business_in(sandbox, country)
    books = books_in(sandbox, country)
    # The business's settings and chart are read once; the reports' own cost is what counts.
    await data(
        server, http, "query($b: ID) { ledgerAccounts(business: $b) { totalCount } }", b=business
    )
    await reset_stats(http, sandbox)
    reports = await data(server, http, REPORTS, business=business, **EVER)
    # Both reports, from one read of the chart with its balances (under 200 accounts).
    assert sum((await sage_calls(http, sandbox)).values()) == math.ceil(
        len(books.ledger_accounts) / 200
    )

    trial = reports["trialBalance"]
    assert trial["balanced"] is True
    assert trial["currency"] == trial["totalDebits"]["currency"] == books.base_currency_id()
    assert amount(trial["totalDebits"]) == amount(trial["totalCredits"]) > 0
    posted = books.ledger_movements(None, None)
    assert {line["ledgerAccount"]["remoteId"] for line in trial["lines"]} == {
        account for account, moved in posted.items() if any(moved)
    }
    for line in trial["lines"]:
        debits, credits = posted[line["ledgerAccount"]["remoteId"]]
        assert (amount(line["debits"]), amount(line["credits"])) == (debits, credits)
        net = amount(line["debitBalance"]) - amount(line["creditBalance"])
        assert net == debits - credits

    pnl = reports["profitAndLoss"]
    income = section_total(books, INCOME_TYPES, income=True)
    direct = section_total(books, DIRECT_EXPENSE_TYPES, income=False)
    overheads = section_total(books, OVERHEAD_TYPES, income=False)
    assert amount(pnl["income"]["total"]) == income > 0
    assert amount(pnl["directExpenses"]["total"]) == direct
    assert amount(pnl["overheads"]["total"]) == overheads
    assert amount(pnl["grossProfit"]) == income - direct
    assert amount(pnl["netProfit"]) == income - direct - overheads
    for name, types in (
        ("income", INCOME_TYPES),
        ("directExpenses", DIRECT_EXPENSE_TYPES),
        ("overheads", OVERHEAD_TYPES),
    ):
        section = pnl[name]
        assert all(line["ledgerAccount"]["accountType"] in types for line in section["lines"])
        assert sum(amount(line["amount"]) for line in section["lines"]) == amount(section["total"])


async def test_ledger_entries_filter_page_and_resolve_their_accounts_in_one_read(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    books = books_in(sandbox, "GB")
    stored = list(ledger_entries(books).values())
    await data(server, http, "{ ledgerAccounts { totalCount } }")
    await reset_stats(http, sandbox)
    page = (await data(server, http, ENTRIES, first=200))["ledgerEntries"]
    # One page of entries; their ledger accounts come from the chart already read.
    assert sum((await sage_calls(http, sandbox)).values()) == 1
    assert page["totalCount"] == len(stored)
    by_id = {e.id: e for e in stored}
    for node in page["nodes"]:
        entry = by_id[node["remoteId"]]
        assert node["ledgerAccount"]["remoteId"] == entry.ledger_account_id
        assert (amount(node["debit"]), amount(node["credit"])) == (entry.debit, entry.credit)
        assert node["transactionType"] == entry.transaction_type_id

    seen: list[str] = []
    after = None
    while True:
        window = (await data(server, http, ENTRIES, first=50, after=after))["ledgerEntries"]
        seen += [n["remoteId"] for n in window["nodes"]]
        if not window["pageInfo"]["hasNextPage"]:
            break
        after = window["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == len(stored)

    account = stored[0].ledger_account_id
    account_id = GlobalId("LedgerAccount", business_in(sandbox, "GB"), account).encode()
    on_account = await data(server, http, ENTRIES, first=200, account=account_id)
    assert {n["remoteId"] for n in on_account["ledgerEntries"]["nodes"]} == {
        e.id for e in stored if e.ledger_account_id == account
    }
    first = page["nodes"][0]
    found = await data(
        server,
        http,
        """query($id: ID!) { ledgerEntry(id: $id) { remoteId debit { amount currency } }
          node(id: $id) { __typename ... on LedgerEntry { remoteId } } }""",
        id=first["id"],
    )
    assert found["ledgerEntry"] == {"remoteId": first["remoteId"], "debit": first["debit"]}
    assert found["node"] == {"__typename": "LedgerEntry", "remoteId": first["remoteId"]}
    transaction = stored[0].transaction_id
    one = (await data(server, http, ENTRIES, first=200, transaction=transaction))["ledgerEntries"]
    assert {n["remoteId"] for n in one["nodes"]} == {
        e.id for e in stored if e.transaction_id == transaction
    }
    day = stored[0].date.isoformat()
    dated = await data(server, http, ENTRIES, first=200, **{"from": day, "to": day})
    assert {n["date"] for n in dated["ledgerEntries"]["nodes"]} == {day}


@pytest.mark.parametrize(
    ("query", "variables", "field"),
    [
        (REPORTS, {"from": "2025-02-01", "to": "2025-01-01"}, "toDate"),
        (ENTRIES, {"account": "not-an-id"}, None),
    ],
    ids=["period backwards", "malformed account id"],
)
async def test_bad_arguments_are_refused_before_sage_is_asked(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any],
    field: str | None,
) -> None:
    await data(server, http, "{ ledgerAccounts { totalCount } }")
    await reset_stats(http, sandbox)
    body = await server.graphql(http, "acme", query, variables)
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    if field is not None:
        assert error["extensions"]["field"] == field
    calls = await sage_calls(http, sandbox)
    assert not any("ledger_" in name for name in calls), calls


async def test_a_journal_written_through_ledgergraph_shows_in_the_next_reports_and_entries(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    period = {"from": "2031-01-01", "to": "2031-01-31"}
    before = await data(server, http, REPORTS, **period)
    assert before["trialBalance"]["lines"] == []
    # Cached too: only the write's invalidation of the ledger can show the journal's entries.
    no_entries = await data(server, http, ENTRIES, first=10, **period)
    assert no_entries["ledgerEntries"]["nodes"] == []
    books = books_in(sandbox, "GB")
    sales = next(a for a in books.ledger_accounts.values() if a.nominal_code == 4000)
    bank = next(a for a in books.ledger_accounts.values() if a.control_name == "BANK_CURRENT")
    business = business_in(sandbox, "GB")
    create = """mutation($input: JournalInput!, $key: String) {
      createJournal(input: $input, idempotencyKey: $key) { remoteId } }"""
    journal = {
        "date": "2031-01-15",
        "reference": "Cash sale",
        "lines": [
            {
                "debit": "120.00",
                "ledgerAccountId": GlobalId("LedgerAccount", business, bank.id).encode(),
            },
            {
                "credit": "120.00",
                "ledgerAccountId": GlobalId("LedgerAccount", business, sales.id).encode(),
            },
        ],
    }
    await data(server, http, create, input=journal, key=uuid.uuid4().hex)
    after = await data(server, http, REPORTS, **period)
    assert amount(after["trialBalance"]["totalDebits"]) == Decimal("120.00")
    assert amount(after["profitAndLoss"]["income"]["total"]) == Decimal("120.00")
    assert amount(after["profitAndLoss"]["netProfit"]) == Decimal("120.00")
    entries = (await data(server, http, ENTRIES, first=10, **period))["ledgerEntries"]["nodes"]
    assert sorted(
        (e["ledgerAccount"]["remoteId"], e["debit"]["amount"]) for e in entries
    ) == sorted([(bank.id, "120.00"), (sales.id, "0.00")])
