"""``/tax_returns`` (read): VAT/GST returns, GB, IE and CA in Sage (Nov-2025 taxes module),
and ``/draft_tax_returns`` (read): GB's Making Tax Digital drafts, a list of their own that
takes no filters (its POST, which asks HMRC for the obligation period, is not emulated).

Sage's list filters by ``from_period_start_date``/``to_period_start_date`` (the period's
start, inclusive) and ``updated_or_created_since``. A status and a return type are ``{id,
name}`` objects without ``$path``; the type is Canada's only. Other countries' books hold
none, so there the list is empty.
"""

from __future__ import annotations

from ledgergraph.sandbox.api import query as q
from ledgergraph.sandbox.api.resource import Predicate, Resource
from ledgergraph.sandbox.api.scope import Scope
from ledgergraph.sandbox.api.wire import JSON, day, instant, money, ref
from ledgergraph.sandbox.books.records import TaxReturn

STATUSES = {
    "DRAFT": "Draft",
    "SUBMITTED": "Submitted",
    "SUBMISSION_FAILED": "Submission Failed",
    "QUEUED": "Queued",
    "WAITING": "Waiting",
}
RETURN_TYPES = {"GST_HST": "GST/HST", "QST": "QST"}


def displayed_as(_: Scope, record: TaxReturn) -> str:
    return f"{record.period_start_date:%d/%m/%Y} - {record.period_end_date:%d/%m/%Y}"


def serialise(scope: Scope, record: TaxReturn) -> JSON:
    kind = record.tax_return_type_id
    return {
        **ref("tax_returns", record.id, displayed_as(scope, record)),
        "created_at": instant(record.created_at),
        "updated_at": instant(record.updated_at),
        "tax_return_number": record.tax_return_number,
        "period_start_date": day(record.period_start_date),
        "period_end_date": day(record.period_end_date),
        "total_amount": money(record.total_amount),
        "paid": record.paid,
        "status": {"id": record.status_id, "name": STATUSES[record.status_id]},
        "tax_return_type": None if kind is None else {"id": kind, "name": RETURN_TYPES[kind]},
    }


def filters(scope: Scope) -> Predicate:
    start_from = q.day(scope.query, "from_period_start_date")
    start_to = q.day(scope.query, "to_period_start_date")

    def keep(record: TaxReturn) -> bool:
        start = record.period_start_date
        return (start_from is None or start >= start_from) and (
            start_to is None or start <= start_to
        )

    return keep


def serialise_draft(scope: Scope, record: TaxReturn) -> JSON:
    # A draft has not become a return yet: no return id, no submission date.
    return {
        **serialise(scope, record),
        **ref("draft_tax_returns", record.id, displayed_as(scope, record)),
        "tax_return_id": None,
        "submitted_date": None,
    }


TAX_RETURNS: Resource[TaxReturn] = Resource(
    name="tax_returns",
    root="tax_return",
    store=lambda books: books.tax_returns,
    displayed_as=displayed_as,
    serialise=serialise,
    filters=filters,
    order=lambda r: (r.period_start_date, r.created_at, r.id),
)
DRAFT_TAX_RETURNS: Resource[TaxReturn] = Resource(
    name="draft_tax_returns",
    root="draft_tax_return",
    store=lambda books: books.draft_tax_returns,
    displayed_as=displayed_as,
    serialise=serialise_draft,
    updated_since=False,
    order=lambda r: (r.period_start_date, r.created_at, r.id),
)
