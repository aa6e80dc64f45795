"""A contact's addresses and the people at them (Sage's ``/addresses`` and
``/contact_persons``), and the ``Contact`` fields that list them.

Both lists are read whole (``Loading.WHOLE_LIST``) once per request and business, so the
contacts of a page cost two list reads between them, however many there are.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from ledgergraph import kinds, model
from ledgergraph.connectors.sage.mapping import contact_people
from ledgergraph.schema.node import Node, recognises
from ledgergraph.schema.request import Info
from ledgergraph.schema.scalars import Address


@strawberry.type(description="One of a contact's addresses.")
class ContactAddress(Node):
    address_type: str | None = strawberry.field(
        description="Sage's address type: DELIVERY, ACCOUNTS, SALES or PURCHASING."
    )
    name: str | None
    address: Address | None
    is_main_address: bool
    updated_at: dt.datetime | None

    is_type_of = recognises(kinds.CONTACT_ADDRESS)


@strawberry.type(description="A person at one of a contact's addresses.")
class ContactPerson(Node):
    name: str | None
    job_title: str | None
    email: str | None
    telephone: str | None
    mobile: str | None
    roles: list[str] = strawberry.field(
        description="Sage's contact person types: ACCOUNTS, SALES, PURCHASING."
    )
    is_main_contact: bool
    is_preferred_contact: bool
    updated_at: dt.datetime | None

    is_type_of = recognises(kinds.CONTACT_PERSON)


async def _addresses_of(contact: model.Contact, info: Info) -> list[contact_people.ContactAddress]:
    listed: list[Any] = await info.context.whole_list(contact.business_id, kinds.CONTACT_ADDRESS)
    return [
        a
        for a in listed
        if isinstance(a, contact_people.ContactAddress)
        and a.contact is not None
        and a.contact.id == contact.remote_id
    ]


async def addresses_of(root: strawberry.Parent[model.Contact], info: Info) -> list[Any]:
    return await _addresses_of(root, info)


async def people_of(root: strawberry.Parent[model.Contact], info: Info) -> list[Any]:
    addresses = {a.remote_id for a in await _addresses_of(root, info)}
    listed: list[Any] = await info.context.whole_list(root.business_id, kinds.CONTACT_PERSON)
    return [
        p
        for p in listed
        if isinstance(p, contact_people.ContactPerson)
        and p.address is not None
        and p.address.id in addresses
    ]
