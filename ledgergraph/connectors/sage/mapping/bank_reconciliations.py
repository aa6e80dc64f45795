"""Sage bank reconciliations → ``BankReconciliation``: a bank statement matched to the books.

Sage v3.1 has ``/bank_reconciliations`` in GB, IE, CA (and in the legacy US, FR and ES
businesses), not in Germany. A reconciliation names no currency: its amounts are the bank
account's, which for every account Sage lets a business reconcile is the base currency.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from ledgergraph.connectors.sage.mapping.errors import PayloadError
from ledgergraph.connectors.sage.mapping.values import (
    Payload,
    date,
    decimal_or_zero,
    ref,
    ref_id,
    required_id,
    text,
    timestamp,
)
from ledgergraph.model import Money, Record, Ref

__all__ = ["BankReconciliation", "BankReconciliationStatus", "bank_reconciliation"]


class BankReconciliationStatus(StrEnum):
    COMPLETED = "COMPLETED"
    DRAFT = "DRAFT"
    # Whatever status Sage adds later.
    OTHER = "OTHER"


@dataclass(frozen=True, slots=True)
class BankReconciliation(Record):
    """A bank account's statement reconciled to the books, at its statement date."""

    bank_account: Ref | None
    # The statement date (named ``date`` so the kind's ``Listing`` filters by it).
    date: dt.date | None
    reference: str | None
    status: BankReconciliationStatus
    statement_end_balance: Money
    starting_balance: Money
    total_received: Money
    total_paid: Money
    closing_balance: Money
    reconciled_balance: Money
    balance_difference: Money
    created_at: dt.datetime | None
    updated_at: dt.datetime | None


def _status(data: Payload) -> BankReconciliationStatus:
    try:
        return BankReconciliationStatus(ref_id(data, "status") or "")
    except ValueError:
        return BankReconciliationStatus.OTHER


def bank_reconciliation(
    data: Payload, business_id: str, *, currency: str | None
) -> BankReconciliation:
    """A ``BankReconciliation`` from a ``/bank_reconciliations`` item; ``currency``: the
    business's base currency."""
    if currency is None:
        raise PayloadError("bank reconciliation: the business's base currency is unknown")

    def amount(key: str) -> Money:
        return Money(decimal_or_zero(data, key), currency)

    return BankReconciliation(
        business_id=business_id,
        remote_id=required_id(data, "bank reconciliation"),
        remote_data=dict(data),
        bank_account=ref(data, "bank_account"),
        date=date(data, "statement_date"),
        reference=text(data, "reference"),
        status=_status(data),
        statement_end_balance=amount("statement_end_balance"),
        starting_balance=amount("starting_balance"),
        total_received=amount("total_received"),
        total_paid=amount("total_paid"),
        closing_balance=amount("closing_balance"),
        reconciled_balance=amount("reconciled_balance"),
        balance_difference=amount("balance_difference"),
        created_at=timestamp(data, "created_at"),
        updated_at=timestamp(data, "updated_at"),
    )
