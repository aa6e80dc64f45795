"""``/journals``: manual journals, posted straight to the ledger.

Sage lists them with ``updated_or_created_since`` and ``deleted_since`` only (no date
filters), creates them (``date``, ``reference`` and at least two ``journal_lines``, each with
``ledger_account_id``, ``debit`` and ``credit``; debits must equal credits) and deletes them;
there is no PUT. A journal's lines move its ledger accounts' balances.
"""

from __future__ import annotations

from decimal import Decimal

from ledgergraph.sandbox.api.body import Body
from ledgergraph.sandbox.api.refs import enum_ref, ledger_account_ref
from ledgergraph.sandbox.api.resource import Resource
from ledgergraph.sandbox.api.resources import checks
from ledgergraph.sandbox.api.scope import Scope
from ledgergraph.sandbox.api.wire import JSON, day, instant, money, ref
from ledgergraph.sandbox.books import BooksError
from ledgergraph.sandbox.books.money import ZERO
from ledgergraph.sandbox.books.records import Journal, JournalLine

MIN_LINES = 2


def displayed_as(_: Scope, journal: Journal) -> str:
    return journal.reference


def _line(scope: Scope, line: JournalLine) -> JSON:
    return {
        "id": line.id,
        "ledger_account": ledger_account_ref(scope.books, line.ledger_account_id),
        "details": line.details,
        "debit": money(line.debit),
        "credit": money(line.credit),
        "include_on_tax_return": line.include_on_tax_return,
        "tax_reconciled": False,
        "cleared": False,
        "bank_reconciled": False,
        # Declared a string by the spec, though Sage's example shows an object of nulls.
        "journal_line_foreign_currency": None,
    }


def serialise(scope: Scope, journal: Journal) -> JSON:
    shown = displayed_as(scope, journal)
    return {
        **ref("journals", journal.id, shown),
        "created_at": instant(journal.created_at),
        "updated_at": instant(journal.updated_at),
        "transaction": ref("transactions", journal.transaction_id, shown),
        "transaction_type": enum_ref("transaction_types", "JOURNAL"),
        "date": day(journal.date),
        "reference": journal.reference,
        "description": journal.description,
        "total": money(journal.total),
        "journal_code": None,
        "journal_lines": [_line(scope, line) for line in journal.lines],
        "migrated": False,
    }


def _read_line(scope: Scope, body: Body) -> JournalLine | None:
    ledger_id = checks.ledger_account_id(scope, body, "ledger_account_id", required=True)
    debit = body.decimal("debit", required=True, minimum=ZERO)
    credit = body.decimal("credit", required=True, minimum=ZERO)
    details = body.string("details")
    include = body.boolean("include_on_tax_return")
    if debit is None or credit is None:
        return None
    if (debit > 0) == (credit > 0):
        body.problem("debit", "A journal line must have either a debit or a credit amount")
        return None
    if ledger_id is None:
        return None
    return JournalLine(
        id=scope.books.new_id(),
        ledger_account_id=ledger_id,
        debit=debit,
        credit=credit,
        details=details or None,
        include_on_tax_return=bool(include),
    )


def create(scope: Scope, body: Body) -> Journal:
    books = scope.books
    on = body.day("date", required=True)
    reference = body.string("reference", required=True, max_length=255)
    description = body.string("description", max_length=200)
    line_bodies = body.children("journal_lines", required=True) or []
    lines = [_read_line(scope, line) for line in line_bodies]
    body.problems.raise_if_any()
    if on is None or reference is None:
        raise BooksError("This field is required", "date" if on is None else "reference")
    if len(line_bodies) < MIN_LINES:
        raise BooksError("A journal needs at least two journal lines", "journal_lines")
    read = [line for line in lines if line is not None]
    debits = sum((line.debit for line in read), Decimal(0))
    credits = sum((line.credit for line in read), Decimal(0))
    if debits != credits:
        raise BooksError(
            f"The total debits ({money(debits)}) must equal the total credits ({money(credits)})",
            "journal_lines",
        )
    now = books.now()
    journal = Journal(
        id=books.new_id(),
        created_at=now,
        updated_at=now,
        date=on,
        reference=reference,
        description=description or None,
        lines=read,
        transaction_id=books.new_id(),
    )
    books.journals[journal.id] = journal
    return journal


def delete(scope: Scope, journal: Journal) -> JSON | None:
    scope.books.soft_delete(journal)
    return None


JOURNALS: Resource[Journal] = Resource(
    name="journals",
    root="journal",
    store=lambda books: books.journals,
    displayed_as=displayed_as,
    serialise=serialise,
    deleted_since=True,
    create=create,
    delete=delete,
)
