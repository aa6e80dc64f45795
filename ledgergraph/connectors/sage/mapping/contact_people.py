"""Sage's ``/addresses`` and ``/contact_persons`` → ``ContactAddress`` and ``ContactPerson``.

A contact's addresses (its main address, delivery addresses, ...) and the people at them
(Sage hangs a person off an address, not off the contact). Nothing differs by country.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ledgergraph.connectors.sage.mapping.values import (
    Payload,
    address,
    flag,
    objects,
    ref,
    ref_id,
    required_id,
    text,
    timestamp,
)
from ledgergraph.model import Address, Record, Ref

__all__ = ["ContactAddress", "ContactPerson", "contact_address", "contact_person"]


@dataclass(frozen=True, slots=True)
class ContactAddress(Record):
    """One of a contact's addresses (or a bank account's: ``contact`` is then None)."""

    contact: Ref | None
    # Sage's address type: DELIVERY, ACCOUNTS, SALES or PURCHASING.
    address_type: str | None
    name: str | None
    address: Address | None
    is_main_address: bool
    updated_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class ContactPerson(Record):
    """A person at one of a contact's addresses."""

    # The address the person is at (Sage's ``address``; its contact is the person's).
    address: Ref | None
    name: str | None
    job_title: str | None
    email: str | None
    telephone: str | None
    mobile: str | None
    # Sage's contact person types: ACCOUNTS, SALES, PURCHASING.
    roles: tuple[str, ...]
    is_main_contact: bool
    is_preferred_contact: bool
    updated_at: dt.datetime | None


def contact_address(data: Payload, business_id: str) -> ContactAddress:
    return ContactAddress(
        business_id=business_id,
        remote_id=required_id(data, "address"),
        remote_data=dict(data),
        contact=ref(data, "contact"),
        address_type=ref_id(data, "address_type"),
        name=text(data, "name"),
        address=address(data),
        is_main_address=flag(data, "is_main_address"),
        updated_at=timestamp(data, "updated_at"),
    )


def contact_person(data: Payload, business_id: str) -> ContactPerson:
    roles = tuple(
        str(kind["id"]) for kind in objects(data, "contact_person_types") if kind.get("id")
    )
    return ContactPerson(
        business_id=business_id,
        remote_id=required_id(data, "contact person"),
        remote_data=dict(data),
        address=ref(data, "address"),
        name=text(data, "name"),
        job_title=text(data, "job_title"),
        email=text(data, "email"),
        telephone=text(data, "telephone"),
        mobile=text(data, "mobile"),
        roles=roles,
        is_main_contact=flag(data, "is_main_contact"),
        is_preferred_contact=flag(data, "is_preferred_contact"),
        updated_at=timestamp(data, "updated_at"),
    )
