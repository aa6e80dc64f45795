"""Sage ledger entries → ``LedgerEntry``: one debit or credit of a posted transaction.

Sage v3.1 keeps the double entry behind every invoice, payment and journal as
``/ledger_entries`` (read-only; every country). An entry names its ledger account, its
transaction (with the transaction type) and, for contact transactions, the contact; amounts
are in the business's base currency.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ledgergraph.connectors.sage.mapping.errors import PayloadError
from ledgergraph.connectors.sage.mapping.values import (
    Payload,
    date,
    decimal_or_zero,
    obj,
    ref,
    ref_id,
    required_id,
    text,
    timestamp,
)
from ledgergraph.model import Money, Record, Ref

__all__ = ["LedgerEntry", "ledger_entry"]


@dataclass(frozen=True, slots=True)
class LedgerEntry(Record):
    """A debit or a credit to one ledger account (the other amount is zero)."""

    date: dt.date | None
    description: str | None
    currency: str
    debit: Money
    credit: Money
    ledger_account: Ref | None
    contact: Ref | None
    tax_rate: Ref | None
    transaction_id: str | None
    transaction_type: str | None
    created_at: dt.datetime | None
    updated_at: dt.datetime | None


def ledger_entry(data: Payload, business_id: str, *, currency: str | None) -> LedgerEntry:
    """A ``LedgerEntry`` from a ``/ledger_entries`` item (``attributes=all`` or detail);
    ``currency``: the business's base currency (Sage's entries carry none)."""
    if currency is None:
        raise PayloadError("ledger entry: the business's base currency is unknown")
    transaction = obj(data, "transaction") or {}
    return LedgerEntry(
        business_id=business_id,
        remote_id=required_id(data, "ledger entry"),
        remote_data=dict(data),
        date=date(data, "date"),
        description=text(data, "description") or text(data, "displayed_as"),
        currency=currency,
        debit=Money(decimal_or_zero(data, "debit"), currency),
        credit=Money(decimal_or_zero(data, "credit"), currency),
        ledger_account=ref(data, "ledger_account"),
        contact=ref(data, "contact"),
        tax_rate=ref(data, "tax_rate"),
        transaction_id=text(transaction, "id"),
        transaction_type=ref_id(transaction, "transaction_type"),
        created_at=timestamp(data, "created_at"),
        updated_at=timestamp(data, "updated_at"),
    )
