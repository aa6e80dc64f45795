"""Bank reconciliations: a bank account's statement matched to the books."""

from __future__ import annotations

import datetime as dt

import strawberry

from ledgergraph import kinds
from ledgergraph.connectors.sage.mapping.bank_reconciliations import BankReconciliationStatus
from ledgergraph.schema.accounting import BankAccount
from ledgergraph.schema.node import Node, follows, recognises
from ledgergraph.schema.scalars import Money

strawberry.enum(
    BankReconciliationStatus,
    description="COMPLETED (the statement agrees with the books), DRAFT (being worked on), "
    "OTHER (a status Sage added later; see remoteData).",
)


@strawberry.type(
    description="A bank statement reconciled to the books (Sage's /bank_reconciliations; GB, "
    "IE, CA and the legacy US, FR and ES businesses). Amounts are in the bank account's "
    "currency, the base currency."
)
class BankReconciliation(Node):
    date: dt.date | None = strawberry.field(description="The statement date.")
    reference: str | None
    status: BankReconciliationStatus
    statement_end_balance: Money = strawberry.field(
        description="The balance the bank's statement shows at its date."
    )
    starting_balance: Money = strawberry.field(
        description="Where it starts: the previous reconciliation's closing balance."
    )
    total_received: Money
    total_paid: Money
    closing_balance: Money = strawberry.field(
        description="startingBalance + totalReceived - totalPaid."
    )
    reconciled_balance: Money
    balance_difference: Money = strawberry.field(
        description="statementEndBalance - reconciledBalance: zero once it is COMPLETED."
    )
    created_at: dt.datetime | None
    updated_at: dt.datetime | None
    bank_account: BankAccount | None = follows(kinds.BANK_ACCOUNT)

    is_type_of = recognises(kinds.BANK_RECONCILIATION)
