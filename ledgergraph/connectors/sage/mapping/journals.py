"""Sage journals → ``Journal``: the unified objects of ``/journals`` and how Sage's JSON
becomes them.

A kind added after the table of kinds (``ledgergraph.kinds``) keeps its model classes with its
mapping, so adding it touches one mapping module rather than this and ``model.py``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ledgergraph.connectors.sage.mapping.errors import PayloadError
from ledgergraph.connectors.sage.mapping.values import (
    Payload,
    date,
    decimal_or_zero,
    flag,
    objects,
    ref,
    required_id,
    text,
    timestamp,
)
from ledgergraph.model import Money, Record, Ref

__all__ = ["Journal", "JournalLine", "journal"]


@dataclass(frozen=True, slots=True)
class JournalLine:
    business_id: str
    remote_id: str | None
    ledger_account: Ref | None
    details: str | None
    debit: Money
    credit: Money
    include_on_tax_return: bool


@dataclass(frozen=True, slots=True)
class Journal(Record):
    """A manual journal: lines debiting and crediting ledger accounts, in the base currency."""

    date: dt.date | None
    reference: str | None
    description: str | None
    currency: str
    total: Money
    lines: tuple[JournalLine, ...]
    created_at: dt.datetime | None
    updated_at: dt.datetime | None


def journal_line(data: Payload, business_id: str, currency: str) -> JournalLine:
    return JournalLine(
        business_id=business_id,
        remote_id=text(data, "id"),
        ledger_account=ref(data, "ledger_account"),
        details=text(data, "details"),
        debit=Money(decimal_or_zero(data, "debit"), currency),
        credit=Money(decimal_or_zero(data, "credit"), currency),
        include_on_tax_return=flag(data, "include_on_tax_return"),
    )


def journal(data: Payload, business_id: str, *, currency: str | None) -> Journal:
    """A ``Journal`` from a ``/journals`` item; ``currency``: the business's base currency
    (Sage journals carry none of their own)."""
    if currency is None:
        raise PayloadError("journal: the business's base currency is unknown")
    return Journal(
        business_id=business_id,
        remote_id=required_id(data, "journal"),
        remote_data=dict(data),
        date=date(data, "date"),
        reference=text(data, "reference"),
        description=text(data, "description"),
        currency=currency,
        total=Money(decimal_or_zero(data, "total"), currency),
        lines=tuple(
            journal_line(line, business_id, currency) for line in objects(data, "journal_lines")
        ),
        created_at=timestamp(data, "created_at"),
        updated_at=timestamp(data, "updated_at"),
    )
