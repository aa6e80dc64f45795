"""``balanceSheet(date)`` over the sandbox's books in every country: it balances, its figures
are the trial balance's from the start of the books, and it costs no Sage call of its own when
asked beside the reports it shares a read with."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ledgergraph.connectors.sage.mapping.balance_sheet import BOOKS_START
from ledgergraph.ids import GlobalId
from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import Books
from ledgergraph.sandbox.books.ledger import ledger_entries
from tests.queries.conftest import business_in, data, reset_stats, sage_calls
from tests.support.fixtures import sandbox_fixture
from tests.support.rounds import Rounds
from tests.support.server import LiveServer
from tests.support.writes import books_in

# Small books: the ledger of a few dozen documents is enough, and seeds fast.
sandbox = sandbox_fixture(scale=0.1)

COUNTRIES = ["GB", "IE", "CA", "US", "FR", "ES", "DE"]
SECTION = (
    "total { amount currency } "
    "lines { amount { amount } ledgerAccount { remoteId classification } }"
)
SHEET = f"""balanceSheet(business: $business, date: $date) {{
    date currency balanced assets {{ {SECTION} }} liabilities {{ {SECTION} }}
    equity {{ {SECTION} }} retainedProfit {{ amount }} totalEquity {{ amount }}
    netAssets {{ amount }} totalLiabilitiesAndEquity {{ amount }} }}"""
# What a month-end screen asks for: the month's profit and loss, the balance sheet at its end,
# and (to check the sheet against) the trial balance and profit and loss up to that day.
REPORTS = f"""query($business: ID, $date: Date!, $start: Date!, $month: Date!) {{
  {SHEET}
  trialBalance(business: $business, fromDate: $start, toDate: $date) {{
    balanced lines {{ ledgerAccount {{ remoteId }} debits {{ amount }} credits {{ amount }} }} }}
  toDate: profitAndLoss(business: $business, fromDate: $start, toDate: $date) {{
    netProfit {{ amount }} }}
  month: profitAndLoss(business: $business, fromDate: $month, toDate: $date) {{
    netProfit {{ amount }} }} }}"""
SIGNS = {"assets": ("ASSET", 1), "liabilities": ("LIABILITY", -1), "equity": ("EQUITY", -1)}


def amount(money: dict[str, Any]) -> Decimal:
    return Decimal(money["amount"])


def middle_of_the_books(books: Books) -> dt.date:
    """A day with entries before and after it: the sheet must leave the later ones out."""
    dates = sorted({entry.date for entry in ledger_entries(books).values()})
    return dates[len(dates) // 2]


async def reports(
    server: LiveServer, http: httpx.AsyncClient, business: str, date: dt.date
) -> dict[str, Any]:
    variables = {
        "business": business,
        "date": date.isoformat(),
        "start": BOOKS_START.isoformat(),
        "month": date.replace(day=1).isoformat(),
    }
    result: dict[str, Any] = await data(server, http, REPORTS, **variables)
    return result


@pytest.mark.parametrize("country", COUNTRIES)
async def test_every_country_has_a_balance_sheet_that_balances_and_agrees_with_its_ledger(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, country: str
) -> None:
    assert server.runtime is not None
    business = business_in(sandbox, country)
    books = books_in(sandbox, country)
    date = middle_of_the_books(books)
    # The business's settings and chart are read once; the reports' own cost is what counts.
    await data(
        server, http, "query($b: ID) { ledgerAccounts(business: $b) { totalCount } }", b=business
    )
    await reset_stats(http, sandbox)
    # Each Sage call takes long enough for calls asked for together to overlap.
    await http.post(f"{sandbox.url}/__sandbox/faults", json={"latency_ms": 40})
    recorder = Rounds(sandbox.api_url).watch(server.runtime.http)
    answer = await reports(server, http, business, date)
    # Two periods, two reads of the chart (under 200 accounts) sent together: the sheet shares
    # the trial balance's, both profit and losses their period's.
    assert await sage_calls(http, sandbox) == {"GET /v3.1/ledger_accounts": 2}
    assert recorder.count() == 1

    sheet = answer["balanceSheet"]
    assert sheet["balanced"] is True
    assert sheet["date"] == date.isoformat()
    assert sheet["currency"] == books.base_currency_id()
    assets, liabilities = amount(sheet["assets"]["total"]), amount(sheet["liabilities"]["total"])
    equity = amount(sheet["totalEquity"])
    assert assets == liabilities + equity == amount(sheet["totalLiabilitiesAndEquity"])
    assert sheet["assets"]["lines"]
    assert sheet["liabilities"]["lines"]
    assert amount(sheet["netAssets"]) == assets - liabilities
    assert equity == amount(sheet["equity"]["total"]) + amount(sheet["retainedProfit"])
    assert amount(sheet["retainedProfit"]) == amount(answer["toDate"]["netProfit"])

    trial = answer["trialBalance"]
    assert trial["balanced"] is True
    net_debit = {
        line["ledgerAccount"]["remoteId"]: amount(line["debits"]) - amount(line["credits"])
        for line in trial["lines"]
    }
    # The sandbox's own ledger up to the day, entries after it left out.
    posted = books.ledger_movements(None, date)
    assert net_debit == {account: debits - credits for account, (debits, credits) in posted.items()}
    on_sheet: set[str] = set()
    for name, (classification, sign) in SIGNS.items():
        section = sheet[name]
        assert section["total"]["currency"] == sheet["currency"]
        assert sum(amount(line["amount"]) for line in section["lines"]) == amount(section["total"])
        for line in section["lines"]:
            account = line["ledgerAccount"]
            assert account["classification"] == classification
            assert amount(line["amount"]) == sign * net_debit[account["remoteId"]] != 0
            on_sheet.add(account["remoteId"])
    # Every other account with a balance is income or expense, in retainedProfit.
    assert amount(sheet["retainedProfit"]) == -sum(
        (moved for account, moved in net_debit.items() if account not in on_sheet), Decimal(0)
    )


async def test_a_journal_written_through_ledgergraph_moves_the_next_balance_sheet(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    query = f"query($business: ID, $date: Date!) {{ {SHEET} }}"
    date = "2031-01-31"
    before = (await data(server, http, query, date=date))["balanceSheet"]
    books = books_in(sandbox, "GB")
    sales = next(a for a in books.ledger_accounts.values() if a.nominal_code == 4000)
    bank = next(a for a in books.ledger_accounts.values() if a.control_name == "BANK_CURRENT")
    business = business_in(sandbox, "GB")

    def account_id(remote_id: str) -> str:
        return GlobalId("LedgerAccount", business, remote_id).encode()

    create = """mutation($input: JournalInput!, $key: String) {
      createJournal(input: $input, idempotencyKey: $key) { remoteId } }"""
    journal = {
        "date": "2031-01-15",
        "reference": "Cash sale",
        "lines": [
            {"debit": "120.00", "ledgerAccountId": account_id(bank.id)},
            {"credit": "120.00", "ledgerAccountId": account_id(sales.id)},
        ],
    }
    await data(server, http, create, input=journal, key=uuid.uuid4().hex)
    # Cached before: only the write's invalidation of the balances can show the journal.
    after = (await data(server, http, query, date=date))["balanceSheet"]
    assert after["balanced"] is True
    for before_total, after_total in (
        (before["assets"]["total"], after["assets"]["total"]),
        (before["totalEquity"], after["totalEquity"]),
        (before["retainedProfit"], after["retainedProfit"]),
    ):
        assert amount(after_total) - amount(before_total) == Decimal("120.00")


async def test_a_date_before_the_start_of_the_books_is_refused_before_sage_is_asked(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    await data(server, http, "{ ledgerAccounts { totalCount } }")
    await reset_stats(http, sandbox)
    query = f"query($business: ID, $date: Date!) {{ {SHEET} }}"
    body = await server.graphql(http, "acme", query, {"date": "1899-12-31"})
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "date"
    assert await sage_calls(http, sandbox) == {}
