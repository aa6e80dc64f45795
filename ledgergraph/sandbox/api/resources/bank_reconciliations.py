"""``/bank_reconciliations`` (read; Sage also creates and updates them, not emulated).

Sage's list filters by ``bank_account_id`` and ``updated_or_created_since`` only (no dates,
no ``deleted_since``). Germany's books have none (see ``books.reconciliations``), so there the
list is empty.
"""

from __future__ import annotations

from ledgergraph.sandbox.api import query as q
from ledgergraph.sandbox.api.refs import bank_account_displayed_as, bank_account_ref
from ledgergraph.sandbox.api.resource import Predicate, Resource
from ledgergraph.sandbox.api.scope import Scope
from ledgergraph.sandbox.api.wire import JSON, day, instant, money, ref
from ledgergraph.sandbox.books.records import BankReconciliation

STATUSES = {"COMPLETED": "Completed", "DRAFT": "Draft"}


def displayed_as(scope: Scope, record: BankReconciliation) -> str:
    account = scope.books.bank_accounts[record.bank_account_id]
    return f"{bank_account_displayed_as(scope.books, account)} - {record.statement_date}"


def serialise(scope: Scope, record: BankReconciliation) -> JSON:
    closing = record.closing_balance
    # Sage's reconciled balance is the books' closing balance of the matched items.
    return {
        **ref("bank_reconciliations", record.id, displayed_as(scope, record)),
        "created_at": instant(record.created_at),
        "updated_at": instant(record.updated_at),
        "bank_account": bank_account_ref(scope.books, record.bank_account_id),
        "statement_date": day(record.statement_date),
        "statement_end_balance": money(record.statement_end_balance),
        "reference": record.reference,
        "total_received": money(record.total_received),
        "total_paid": money(record.total_paid),
        "starting_balance": money(record.starting_balance),
        "closing_balance": money(closing),
        "reconciled_balance": money(closing),
        "balance_difference": money(record.statement_end_balance - closing),
        "status": {"id": record.status_id, "displayed_as": STATUSES[record.status_id]},
    }


def filters(scope: Scope) -> Predicate:
    bank_account_id = q.text(scope.query, "bank_account_id")

    def keep(record: BankReconciliation) -> bool:
        return bank_account_id is None or record.bank_account_id == bank_account_id

    return keep


BANK_RECONCILIATIONS: Resource[BankReconciliation] = Resource(
    name="bank_reconciliations",
    root="bank_reconciliation",
    store=lambda books: books.bank_reconciliations,
    displayed_as=displayed_as,
    serialise=serialise,
    filters=filters,
    order=lambda r: (r.statement_date, r.created_at, r.id),
)
