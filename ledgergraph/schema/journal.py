"""Manual journals, their lines, and the input that creates one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry

from ledgergraph import kinds, model
from ledgergraph.schema.accounting import LedgerAccount
from ledgergraph.schema.node import Node, follows, recognises
from ledgergraph.schema.scalars import Money


@strawberry.type(description="A line of a journal: a debit or a credit to one ledger account.")
class JournalLine:
    remote_id: str | None
    details: str | None
    debit: Money
    credit: Money
    include_on_tax_return: bool
    ledger_account: LedgerAccount | None = follows(kinds.LEDGER_ACCOUNT)


@strawberry.type(
    description="A manual journal: debits and credits to ledger accounts, which balance."
)
class Journal(Node):
    date: dt.date | None
    reference: str | None
    description: str | None
    currency: str
    total: Money = strawberry.field(description="The sum of the debits (equal to the credits).")
    lines: list[JournalLine]
    created_at: dt.datetime | None
    updated_at: dt.datetime | None

    is_type_of = recognises(kinds.JOURNAL)


@strawberry.input(
    description="One line of a new journal: a debit or a credit (the other is zero), to a "
    "ledger account given by ledgerAccountId or by accountRole."
)
class JournalLineInput:
    debit: Decimal = Decimal(0)
    credit: Decimal = Decimal(0)
    details: str | None = None
    ledger_account_id: strawberry.ID | None = None
    account_role: model.AccountRole | None = None


@strawberry.input(
    description="A new journal: at least two lines, whose debits equal their credits."
)
class JournalInput:
    date: dt.date
    reference: str
    lines: list[JournalLineInput]
    description: str | None = None
