"""Sage sales quotes and estimates → ``Quote`` and ``Estimate``.

Sage keeps quotes (``/sales_quotes``) and estimates (``/sales_estimates``) apart, with the
same fields; a business uses either or both. Their lines, shipping and contact are an
invoice's (``mapping.documents``); what differs is that a quote posts nothing (no payments,
nothing outstanding, no due date), lapses on its ``expiry_date`` and has a status of its own.
Nothing here differs by country: Sage's payload is the same in all seven.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from ledgergraph.connectors.sage.mapping.documents import document_contact, line_item, shipping
from ledgergraph.connectors.sage.mapping.errors import PayloadError
from ledgergraph.connectors.sage.mapping.values import (
    Payload,
    date,
    decimal_or_zero,
    flag,
    objects,
    ref,
    ref_id,
    required_id,
    text,
    timestamp,
)
from ledgergraph.model import LineItem, Money, Record, Ref, Shipping

__all__ = ["Estimate", "Quotation", "Quote", "QuoteStatus", "estimate", "quote"]


class QuoteStatus(StrEnum):
    DRAFT = "DRAFT"
    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    INVOICED = "INVOICED"
    OTHER = "OTHER"


# Sage's quote status ids; the customer's own answer (accepted or declined through Sage's
# customer portal) is the same answer to a frontend.
QUOTE_STATUSES: dict[str, QuoteStatus] = {
    "DRAFT": QuoteStatus.DRAFT,
    "PENDING": QuoteStatus.PENDING,
    "ACCEPTED": QuoteStatus.ACCEPTED,
    "ACCEPTED_BY_CUSTOMER": QuoteStatus.ACCEPTED,
    "DECLINED": QuoteStatus.DECLINED,
    "DECLINED_BY_CUSTOMER": QuoteStatus.DECLINED,
    "INVOICED": QuoteStatus.INVOICED,
}
# Unified status → Sage's id (the one a write or a list filter sends).
SAGE_QUOTE_STATUS: dict[QuoteStatus, str] = {
    QuoteStatus.DRAFT: "DRAFT",
    QuoteStatus.PENDING: "PENDING",
    QuoteStatus.ACCEPTED: "ACCEPTED",
    QuoteStatus.DECLINED: "DECLINED",
    QuoteStatus.INVOICED: "INVOICED",
}


@dataclass(frozen=True, slots=True)
class Quotation(Record):
    """What quotes and estimates share: priced lines proposed to a customer, until a date."""

    number: str | None
    contact: Ref | None
    contact_reference: str | None
    date: dt.date | None
    expiry_date: dt.date | None
    reference: str | None
    status: QuoteStatus
    currency: str
    net_amount: Money
    tax_amount: Money
    total_amount: Money
    lines: tuple[LineItem, ...]
    shipping: Shipping | None
    # The invoice the quote became, once it did.
    invoice: Ref | None
    sent: bool
    notes: str | None
    terms_and_conditions: str | None
    created_at: dt.datetime | None
    updated_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class Quote(Quotation):
    """A sales quote."""


@dataclass(frozen=True, slots=True)
class Estimate(Quotation):
    """A sales estimate."""


_Q = TypeVar("_Q", bound=Quotation)


def _quotation(
    cls: type[_Q], data: Payload, business_id: str, *, noun: str, fallback_currency: str | None
) -> _Q:
    currency = ref_id(data, "currency") or fallback_currency
    if currency is None:
        raise PayloadError(f"sales {noun}: no currency in the payload and no base currency given")
    return cls(
        business_id=business_id,
        remote_id=required_id(data, f"sales {noun}"),
        remote_data=dict(data),
        number=text(data, f"{noun}_number"),
        contact=document_contact(data),
        contact_reference=text(data, "contact_reference"),
        date=date(data, "date"),
        expiry_date=date(data, "expiry_date"),
        reference=text(data, "reference"),
        status=QUOTE_STATUSES.get(ref_id(data, "status") or "", QuoteStatus.OTHER),
        currency=currency,
        net_amount=Money(decimal_or_zero(data, "net_amount"), currency),
        tax_amount=Money(decimal_or_zero(data, "tax_amount"), currency),
        total_amount=Money(decimal_or_zero(data, "total_amount"), currency),
        lines=tuple(
            line_item(line, business_id, currency) for line in objects(data, f"{noun}_lines")
        ),
        shipping=shipping(data, business_id, currency),
        invoice=ref(data, "invoice"),
        sent=flag(data, "sent"),
        notes=text(data, "notes"),
        terms_and_conditions=text(data, "terms_and_conditions"),
        created_at=timestamp(data, "created_at"),
        updated_at=timestamp(data, "updated_at"),
    )


def quote(data: Payload, business_id: str, *, currency: str | None = None) -> Quote:
    """A ``Quote`` from a ``/sales_quotes`` item; ``currency``: the base currency fallback."""
    return _quotation(Quote, data, business_id, noun="quote", fallback_currency=currency)


def estimate(data: Payload, business_id: str, *, currency: str | None = None) -> Estimate:
    """An ``Estimate`` from a ``/sales_estimates`` item."""
    return _quotation(Estimate, data, business_id, noun="estimate", fallback_currency=currency)
