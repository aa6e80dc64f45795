"""The ledger and what is derived from it: ledger entries, a trial balance, a profit and loss."""

from __future__ import annotations

import datetime as dt

import strawberry

from ledgergraph import kinds
from ledgergraph.schema.accounting import LedgerAccount, TaxRate
from ledgergraph.schema.contact import Contact
from ledgergraph.schema.node import Node, follows, recognises
from ledgergraph.schema.scalars import Money


@strawberry.type(
    description="One debit or credit of a posted transaction (an invoice, a bill, a payment, "
    "a journal...): Sage's /ledger_entries. Each transaction's entries balance. Amounts are "
    "in the business's base currency; the other amount is zero."
)
class LedgerEntry(Node):
    date: dt.date | None
    description: str | None
    currency: str
    debit: Money
    credit: Money
    transaction_id: str | None = strawberry.field(
        description="Sage's id of the transaction the entry belongs to (filter on it to see "
        "the whole double entry)."
    )
    transaction_type: str | None = strawberry.field(
        description="Sage's transaction type id: SALES_INVOICE, PURCHASE_INVOICE, "
        "SALES_CREDIT_NOTE, PURCHASE_CREDIT_NOTE, CUSTOMER_RECEIPT, VENDOR_PAYMENT, "
        "CUSTOMER_REFUND, VENDOR_REFUND, JOURNAL, BANK_TRANSFER, DEPOSIT, OTHER_PAYMENT, "
        "OTHER_RECEIPT..."
    )
    created_at: dt.datetime | None
    updated_at: dt.datetime | None
    ledger_account: LedgerAccount | None = follows(kinds.LEDGER_ACCOUNT)
    contact: Contact | None = follows(kinds.CONTACT)
    tax_rate: TaxRate | None = follows(kinds.TAX_RATE)

    is_type_of = recognises(kinds.LEDGER_ENTRY)


@strawberry.type(description="What was posted to one ledger account in the period.")
class TrialBalanceLine:
    ledger_account: LedgerAccount
    debits: Money = strawberry.field(description="Every debit posted in the period.")
    credits: Money = strawberry.field(description="Every credit posted in the period.")
    debit_balance: Money = strawberry.field(
        description="Debits less credits when that is positive, else zero."
    )
    credit_balance: Money = strawberry.field(
        description="Credits less debits when that is positive, else zero."
    )


@strawberry.type(
    description="Debits and credits per ledger account over a period. Sage Accounting v3.1 "
    "has no trial-balance endpoint: this is derived from Sage's ledger account balances for "
    "the period (/ledger_accounts with show_balance_details, from_date and to_date), which "
    "Sage computes from its ledger entries; one Sage call per 200 accounts. Movements within "
    "the period only: for balances carried forward, start the period at the start of the "
    "books."
)
class TrialBalance:
    from_date: dt.date
    to_date: dt.date
    currency: str = strawberry.field(description="The business's base currency.")
    lines: list[TrialBalanceLine] = strawberry.field(
        description="Every account with something posted in the period, in the chart's order."
    )
    total_debits: Money
    total_credits: Money
    balanced: bool = strawberry.field(description="Whether total debits equal total credits.")


@strawberry.type(description="One ledger account's part of a profit-and-loss section.")
class ProfitAndLossLine:
    ledger_account: LedgerAccount
    amount: Money = strawberry.field(
        description="What the account adds to its section: credits less debits for income, "
        "debits less credits for expenses."
    )


@strawberry.type(description="A section of a profit and loss: its total and its accounts.")
class ProfitAndLossSection:
    total: Money
    lines: list[ProfitAndLossLine]


@strawberry.type(
    description="Income, direct expenses and overheads over a period, the same shape in every "
    "country. Sage Accounting v3.1 has no profit-and-loss endpoint: this is derived from "
    "Sage's ledger account balances for the period (/ledger_accounts with "
    "show_balance_details, from_date and to_date; one Sage call per 200 accounts), grouped "
    "by Sage's ledger account type, which every country's chart shares: income is SALES and "
    "OTHER_INCOME, direct expenses DIRECT_EXPENSES, overheads OVERHEADS and DEPRECIATION."
)
class ProfitAndLoss:
    from_date: dt.date
    to_date: dt.date
    currency: str = strawberry.field(description="The business's base currency.")
    income: ProfitAndLossSection
    direct_expenses: ProfitAndLossSection
    gross_profit: Money = strawberry.field(description="Income less direct expenses.")
    overheads: ProfitAndLossSection
    net_profit: Money = strawberry.field(description="Gross profit less overheads.")


@strawberry.type(description="One ledger account's balance on a balance sheet.")
class BalanceSheetLine:
    ledger_account: LedgerAccount
    amount: Money = strawberry.field(
        description="The account's balance at the date: debits less credits for assets, "
        "credits less debits for liabilities and equity (negative when the other way round, "
        "an overdrawn bank account say)."
    )


@strawberry.type(description="A section of a balance sheet: its total and its accounts.")
class BalanceSheetSection:
    total: Money
    lines: list[BalanceSheetLine] = strawberry.field(
        description="Every account of the section with a balance at the date, in the chart's order."
    )


@strawberry.type(
    description="Assets, liabilities and equity at a date, the same shape in every country. "
    "Sage Accounting v3.1 has no balance-sheet endpoint: this is derived from Sage's ledger "
    "account balances from the start of the books (1900-01-01) to the date (/ledger_accounts "
    "with show_balance_details, from_date and to_date; one Sage call per 200 accounts, shared "
    "with a trialBalance of the same period and read in the same batch as the request's "
    "other reports). Accounts are grouped by their classification (ASSET, LIABILITY, EQUITY, "
    "from Sage's ledger account type); the income less expenses of every other account up to "
    "the date is retainedProfit, part of equity, so the sheet balances whenever the ledger "
    "does."
)
class BalanceSheet:
    date: dt.date
    currency: str = strawberry.field(description="The business's base currency.")
    assets: BalanceSheetSection
    liabilities: BalanceSheetSection
    equity: BalanceSheetSection = strawberry.field(
        description="The EQUITY accounts (capital, drawings, reserves...), without retainedProfit."
    )
    retained_profit: Money = strawberry.field(
        description="Income less expenses (the profit-and-loss accounts' credits less debits) "
        "from the start of the books to the date: the profit and loss's netProfit over that "
        "period."
    )
    total_equity: Money = strawberry.field(description="Equity plus retainedProfit.")
    net_assets: Money = strawberry.field(description="Assets less liabilities.")
    total_liabilities_and_equity: Money
    balanced: bool = strawberry.field(
        description="Whether assets equal liabilities plus total equity."
    )
