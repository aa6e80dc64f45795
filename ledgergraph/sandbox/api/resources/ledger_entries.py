"""``/ledger_entries``: the double-entry postings of every transaction (read-only in Sage).

Sage's list filters by ``from_date``/``to_date`` (the entry's date, inclusive),
``ledger_account_id``, ``transaction_id``, ``transaction_type_id``, ``journal_code_id`` (France;
the sandbox keeps no journal codes, so it matches nothing) and ``updated_or_created_since``;
it takes no ``deleted_since`` and no ``sort``. The entries are derived from the books
(``books.ledger``), so they always agree with the documents, payments and journals.
"""

from __future__ import annotations

from ledgergraph.sandbox.api import query as q
from ledgergraph.sandbox.api.refs import contact_ref, enum_ref, ledger_account_ref, tax_rate_ref
from ledgergraph.sandbox.api.resource import Predicate, Resource
from ledgergraph.sandbox.api.scope import Scope
from ledgergraph.sandbox.api.wire import JSON, day, instant, money, ref
from ledgergraph.sandbox.books.ledger import LedgerEntry, ledger_entries


def displayed_as(_: Scope, entry: LedgerEntry) -> str:
    return entry.description or entry.transaction_displayed_as


def serialise(scope: Scope, entry: LedgerEntry) -> JSON:
    books = scope.books
    return {
        **ref("ledger_entries", entry.id, displayed_as(scope, entry)),
        "created_at": instant(entry.created_at),
        "updated_at": instant(entry.updated_at),
        "date": day(entry.date),
        "credit": money(entry.credit),
        "debit": money(entry.debit),
        "ledger_account": ledger_account_ref(books, entry.ledger_account_id),
        "transaction": {
            **ref("transactions", entry.transaction_id, entry.transaction_displayed_as),
            "transaction_type": enum_ref("transaction_types", entry.transaction_type_id),
        },
        "contact": contact_ref(books, entry.contact_id),
        "deleted": False,
        "tax_rate": tax_rate_ref(books, entry.tax_rate_id, entry.date),
        "description": entry.description,
        "journal_code": None,
    }


def filters(scope: Scope) -> Predicate:
    query = scope.query
    from_date = q.day(query, "from_date")
    to_date = q.day(query, "to_date")
    ledger_account_id = q.text(query, "ledger_account_id")
    transaction_id = q.text(query, "transaction_id")
    transaction_type_id = q.text(query, "transaction_type_id")
    journal_code_id = q.text(query, "journal_code_id")

    def keep(entry: LedgerEntry) -> bool:
        return (
            (from_date is None or entry.date >= from_date)
            and (to_date is None or entry.date <= to_date)
            and (ledger_account_id is None or entry.ledger_account_id == ledger_account_id)
            and (transaction_id is None or entry.transaction_id == transaction_id)
            and (transaction_type_id is None or entry.transaction_type_id == transaction_type_id)
            and journal_code_id is None
        )

    return keep


LEDGER_ENTRIES: Resource[LedgerEntry] = Resource(
    name="ledger_entries",
    root="ledger_entry",
    store=ledger_entries,
    displayed_as=displayed_as,
    serialise=serialise,
    filters=filters,
    order=lambda entry: (entry.date, entry.created_at, entry.transaction_id, entry.position),
)
