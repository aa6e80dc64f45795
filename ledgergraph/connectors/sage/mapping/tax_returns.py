"""Sage tax returns → ``TaxReturn``: VAT (GB, IE) and GST/HST (CA) returns.

Sage v3.1 serves ``/tax_returns`` in GB, IE and CA only; the legacy US, FR, ES and DE
businesses have none. Britain's Making Tax Digital drafts are a list of their own,
``/draft_tax_returns`` (GB only), with the same fields. Sage exposes a return's period,
number, status, whether it is paid and its total (what is owed: output tax less input tax,
in the base currency), not its boxes.
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
    flag,
    obj,
    required_id,
    text,
    timestamp,
)
from ledgergraph.model import Money, Record

__all__ = ["DRAFTS_APART", "WITH_TAX_RETURNS", "TaxReturn", "TaxReturnStatus", "tax_return"]

# Where Sage has ``/tax_returns``, and where it keeps drafts apart in ``/draft_tax_returns``.
WITH_TAX_RETURNS = frozenset({"GB", "IE", "CA"})
DRAFTS_APART = frozenset({"GB"})


class TaxReturnStatus(StrEnum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    SUBMISSION_FAILED = "SUBMISSION_FAILED"
    QUEUED = "QUEUED"
    WAITING = "WAITING"
    # Whatever status Sage adds later.
    OTHER = "OTHER"


@dataclass(frozen=True, slots=True)
class TaxReturn(Record):
    """A tax return over one period."""

    # The period's start (the kind's ``Listing`` filters by it, as Sage's list does).
    date: dt.date | None
    period_start: dt.date | None
    period_end: dt.date | None
    number: str | None
    status: TaxReturnStatus
    paid: bool
    total: Money
    # Canada's return type (GST/HST, QST); None elsewhere.
    return_type: str | None
    created_at: dt.datetime | None
    updated_at: dt.datetime | None


def _status(data: Payload) -> TaxReturnStatus:
    # A status is ``{id, name}``, without ``displayed_as``.
    status = obj(data, "status") or {}
    try:
        return TaxReturnStatus(text(status, "id") or "")
    except ValueError:
        return TaxReturnStatus.OTHER


def tax_return(data: Payload, business_id: str, *, currency: str | None) -> TaxReturn:
    """A ``TaxReturn`` from a ``/tax_returns`` or ``/draft_tax_returns`` item;
    ``currency``: the base currency."""
    if currency is None:
        raise PayloadError("tax return: the business's base currency is unknown")
    start = date(data, "period_start_date")
    return_type = obj(data, "tax_return_type")
    return TaxReturn(
        business_id=business_id,
        remote_id=required_id(data, "tax return"),
        remote_data=dict(data),
        date=start,
        period_start=start,
        period_end=date(data, "period_end_date"),
        number=text(data, "tax_return_number"),
        status=_status(data),
        paid=flag(data, "paid"),
        total=Money(decimal_or_zero(data, "total_amount"), currency),
        return_type=None if return_type is None else text(return_type, "name"),
        created_at=timestamp(data, "created_at"),
        updated_at=timestamp(data, "updated_at"),
    )
