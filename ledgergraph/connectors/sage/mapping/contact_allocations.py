"""Sage contact allocations → ``ContactAllocation``: credit notes and money on account set
against a contact's invoices or bills, with no money moving.

Sage signs each allocated amount (what is settled positive, what settles it negative); the
unified allocation gives amounts as positive numbers, the document type telling the sides
apart. Nothing differs by country.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ledgergraph.connectors.sage.mapping.errors import PayloadError
from ledgergraph.connectors.sage.mapping.payments import allocation
from ledgergraph.connectors.sage.mapping.values import (
    Payload,
    date,
    objects,
    ref,
    ref_id,
    required_id,
    timestamp,
)
from ledgergraph.model import Allocation, ContactKind, Record, Ref

__all__ = ["SIDES", "ContactAllocation", "contact_allocation"]

# Sage's allocation transaction types, by the side of the ledger they are on.
SIDES: dict[str, ContactKind] = {
    "CUSTOMER_ALLOCATION": ContactKind.CUSTOMER,
    "VENDOR_ALLOCATION": ContactKind.SUPPLIER,
}


@dataclass(frozen=True, slots=True)
class ContactAllocation(Record):
    side: ContactKind | None
    contact: Ref | None
    date: dt.date | None
    allocations: tuple[Allocation, ...]
    created_at: dt.datetime | None
    updated_at: dt.datetime | None


def contact_allocation(
    data: Payload, business_id: str, *, currency: str | None
) -> ContactAllocation:
    """``currency``: the business's base currency, which Sage's allocation does not name."""
    if currency is None:
        raise PayloadError("contact allocation: no base currency given")
    lines = (
        allocation(line, business_id, currency, unsigned=True)
        for line in objects(data, "allocated_artefacts")
    )
    return ContactAllocation(
        business_id=business_id,
        remote_id=required_id(data, "contact allocation"),
        remote_data=dict(data),
        side=SIDES.get(ref_id(data, "transaction_type") or ""),
        contact=ref(data, "contact"),
        date=date(data, "date"),
        allocations=tuple(line for line in lines if line is not None),
        created_at=timestamp(data, "created_at"),
        updated_at=timestamp(data, "updated_at"),
    )
