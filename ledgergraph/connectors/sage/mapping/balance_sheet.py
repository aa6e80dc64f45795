"""A balance sheet at a date, from Sage's ledger account balances.

Sage Accounting v3.1 has no balance-sheet endpoint. Like the trial balance and the profit
and loss (``ledger_reports``), it is derived from one list read:
``/ledger_accounts?show_balance_details=true`` from the start of the books
(``BOOKS_START``) to the date, which gives every account's debits and credits up to then.
Accounts are grouped by their unified classification (``LedgerAccount.classification``,
from Sage's ledger account type by the country rules, the same in all seven countries):
ASSET, LIABILITY and EQUITY accounts are the sheet's sections; every other account's net
(income less expenses) is the profit not yet in an equity account, added to equity so the
sheet balances as the ledger does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from ledgergraph.connectors.sage.mapping.ledger_reports import (
    AccountMovement,
    ProfitAndLossSection,
    SectionLine,
    movements,
)
from ledgergraph.model import AccountClassification, LedgerAccount, Money

__all__ = ["BOOKS_START", "BalanceSheet", "balance_sheet"]

ZERO = Decimal(0)
# Earlier than any Sage business's books: balances "from the start" without another call to
# find the business's own start date.
BOOKS_START = dt.date(1900, 1, 1)
_SECTIONS = (
    AccountClassification.ASSET,
    AccountClassification.LIABILITY,
    AccountClassification.EQUITY,
)


@dataclass(frozen=True, slots=True)
class BalanceSheet:
    business_id: str
    date: dt.date
    currency: str
    assets: ProfitAndLossSection
    liabilities: ProfitAndLossSection
    equity: ProfitAndLossSection
    retained_profit: Money

    @property
    def net_assets(self) -> Money:
        return Money(self.assets.total.amount - self.liabilities.total.amount, self.currency)

    @property
    def total_equity(self) -> Money:
        return Money(self.equity.total.amount + self.retained_profit.amount, self.currency)

    @property
    def total_liabilities_and_equity(self) -> Money:
        return Money(self.liabilities.total.amount + self.total_equity.amount, self.currency)

    @property
    def balanced(self) -> bool:
        return self.assets.total.amount == self.total_liabilities_and_equity.amount


def _section(
    moved: Iterable[AccountMovement], currency: str, *, debit: bool
) -> ProfitAndLossSection:
    lines = tuple(
        SectionLine(m.ledger_account, Money(m.net_debit if debit else -m.net_debit, currency))
        for m in moved
        if m.net_debit
    )
    return ProfitAndLossSection(
        Money(sum((line.amount.amount for line in lines), ZERO), currency), lines
    )


def balance_sheet(
    accounts: Iterable[LedgerAccount], *, business_id: str, date: dt.date, currency: str
) -> BalanceSheet:
    """``accounts``: the chart with its balances from ``BOOKS_START`` to ``date``."""
    moved = movements(accounts, currency)

    def of(classification: AccountClassification) -> list[AccountMovement]:
        return [m for m in moved if m.ledger_account.classification == classification]

    # Income less expenses: credits less debits of every account outside the three sections.
    profit = ZERO - sum(
        (m.net_debit for m in moved if m.ledger_account.classification not in _SECTIONS), ZERO
    )
    return BalanceSheet(
        business_id,
        date,
        currency,
        assets=_section(of(AccountClassification.ASSET), currency, debit=True),
        liabilities=_section(of(AccountClassification.LIABILITY), currency, debit=False),
        equity=_section(of(AccountClassification.EQUITY), currency, debit=False),
        retained_profit=Money(profit, currency),
    )
