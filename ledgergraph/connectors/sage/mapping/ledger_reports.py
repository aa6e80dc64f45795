"""A trial balance and a profit and loss for a period, from Sage's ledger account balances.

Sage Accounting v3.1 has no trial-balance or profit-and-loss endpoint. Both are derived from
one list read: ``/ledger_accounts?show_balance_details=true&from_date=…&to_date=…`` gives
every account's debits and credits posted between the two dates (``balance_details``), which
Sage computes from its ledger entries. That costs one Sage call per 200 accounts (one, for
every chart the seven countries ship) instead of reading every ledger entry of the period.

The profit and loss groups accounts by Sage's ``ledger_account_type``, which is the same in
every country (UK, Ireland, Canada, US, Germany, Spain and France charts all use SALES,
OTHER_INCOME, DIRECT_EXPENSES, OVERHEADS and DEPRECIATION for their profit-and-loss
accounts), so the shape does not depend on the country.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from ledgergraph.connectors.sage.mapping.values import decimal_or_zero, obj
from ledgergraph.model import LedgerAccount, Money

__all__ = [
    "DIRECT_EXPENSE_TYPES",
    "INCOME_TYPES",
    "OVERHEAD_TYPES",
    "AccountMovement",
    "ProfitAndLoss",
    "ProfitAndLossSection",
    "TrialBalance",
    "balance_filters",
    "profit_and_loss",
    "trial_balance",
]

ZERO = Decimal(0)
# Sage's ledger_account_type ids, by profit-and-loss section.
INCOME_TYPES = ("SALES", "OTHER_INCOME")
DIRECT_EXPENSE_TYPES = ("DIRECT_EXPENSES",)
OVERHEAD_TYPES = ("OVERHEADS", "DEPRECIATION")


def balance_filters(from_date: dt.date, to_date: dt.date) -> dict[str, str]:
    """The ``/ledger_accounts`` list parameters that add each account's period movements."""
    return {
        "show_balance_details": "true",
        "from_date": from_date.isoformat(),
        "to_date": to_date.isoformat(),
    }


@dataclass(frozen=True, slots=True)
class AccountMovement:
    """What was posted to one ledger account in the period."""

    ledger_account: LedgerAccount
    debits: Money
    credits: Money

    @property
    def net_debit(self) -> Decimal:
        return self.debits.amount - self.credits.amount

    @property
    def debit_balance(self) -> Money:
        return Money(max(self.net_debit, ZERO), self.debits.currency)

    @property
    def credit_balance(self) -> Money:
        return Money(max(-self.net_debit, ZERO), self.debits.currency)


@dataclass(frozen=True, slots=True)
class TrialBalance:
    business_id: str
    from_date: dt.date
    to_date: dt.date
    currency: str
    lines: tuple[AccountMovement, ...]

    @property
    def total_debits(self) -> Money:
        return Money(sum((m.debits.amount for m in self.lines), ZERO), self.currency)

    @property
    def total_credits(self) -> Money:
        return Money(sum((m.credits.amount for m in self.lines), ZERO), self.currency)

    @property
    def balanced(self) -> bool:
        return self.total_debits.amount == self.total_credits.amount


@dataclass(frozen=True, slots=True)
class SectionLine:
    """One account's contribution to a section, positive when it adds to the section."""

    ledger_account: LedgerAccount
    amount: Money


@dataclass(frozen=True, slots=True)
class ProfitAndLossSection:
    total: Money
    lines: tuple[SectionLine, ...]


@dataclass(frozen=True, slots=True)
class ProfitAndLoss:
    business_id: str
    from_date: dt.date
    to_date: dt.date
    currency: str
    income: ProfitAndLossSection
    direct_expenses: ProfitAndLossSection
    overheads: ProfitAndLossSection

    @property
    def gross_profit(self) -> Money:
        return Money(self.income.total.amount - self.direct_expenses.total.amount, self.currency)

    @property
    def net_profit(self) -> Money:
        return Money(self.gross_profit.amount - self.overheads.total.amount, self.currency)


def movements(accounts: Iterable[LedgerAccount], currency: str) -> list[AccountMovement]:
    """Each account with anything posted in the period, in the chart's order."""
    found: list[AccountMovement] = []
    for account in accounts:
        details = obj(account.remote_data, "balance_details") or {}
        debits = decimal_or_zero(details, "debits")
        credits = decimal_or_zero(details, "credits")
        if debits or credits:
            found.append(
                AccountMovement(account, Money(debits, currency), Money(credits, currency))
            )
    return found


def trial_balance(
    accounts: Iterable[LedgerAccount],
    *,
    business_id: str,
    from_date: dt.date,
    to_date: dt.date,
    currency: str,
) -> TrialBalance:
    return TrialBalance(
        business_id, from_date, to_date, currency, tuple(movements(accounts, currency))
    )


def _section(
    moved: list[AccountMovement], types: tuple[str, ...], currency: str, *, credit_positive: bool
) -> ProfitAndLossSection:
    lines = tuple(
        SectionLine(
            m.ledger_account, Money(-m.net_debit if credit_positive else m.net_debit, currency)
        )
        for m in moved
        if m.ledger_account.account_type in types
    )
    return ProfitAndLossSection(
        Money(sum((line.amount.amount for line in lines), ZERO), currency), lines
    )


def profit_and_loss(
    accounts: Iterable[LedgerAccount],
    *,
    business_id: str,
    from_date: dt.date,
    to_date: dt.date,
    currency: str,
) -> ProfitAndLoss:
    moved = movements(accounts, currency)
    return ProfitAndLoss(
        business_id,
        from_date,
        to_date,
        currency,
        income=_section(moved, INCOME_TYPES, currency, credit_positive=True),
        direct_expenses=_section(moved, DIRECT_EXPENSE_TYPES, currency, credit_positive=False),
        overheads=_section(moved, OVERHEAD_TYPES, currency, credit_positive=False),
    )
