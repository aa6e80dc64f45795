"""A contact's addresses and the people at them (Sage's ``/addresses`` and
``/contact_persons``), and the ``Contact`` fields that list them.

Both lists are read whole (``Loading.WHOLE_LIST``) once per request and business, so the
contacts of a page cost two list reads between them, however many there are.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

import strawberry

from ledgergraph import kinds, model
from ledgergraph.connectors.sage.mapping import contact_people
from ledgergraph.schema.inputs import AddressInput
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


@strawberry.enum(description="What an address is for (Sage's address types).")
class ContactAddressType(Enum):
    DELIVERY = "DELIVERY"
    ACCOUNTS = "ACCOUNTS"
    SALES = "SALES"
    PURCHASING = "PURCHASING"


@strawberry.enum(description="What a person at a contact handles (Sage's contact person types).")
class ContactPersonRole(Enum):
    ACCOUNTS = "ACCOUNTS"
    SALES = "SALES"
    PURCHASING = "PURCHASING"


@strawberry.input(
    description="A new address of a contact. isMain makes it the main (billing) address, the "
    "old main address staying as another address; a contact's first address is main anyway."
)
class ContactAddressInput:
    contact_id: strawberry.ID
    address_type: ContactAddressType
    name: str = strawberry.field(description="What the address is called, e.g. 'Warehouse'.")
    address: AddressInput
    is_main: bool = False


@strawberry.input(description="Changes to an address; omitted fields stay as they are.")
class ContactAddressUpdateInput:
    address_type: ContactAddressType | None = None
    name: str | None = None
    address: AddressInput | None = None
    is_main: bool | None = strawberry.field(
        default=None,
        description="true makes it the main address; the main address cannot be un-made "
        "(make another main instead).",
    )


@strawberry.input(
    description="A new person at one of a contact's addresses. isMain makes them the "
    "contact's main person (the old one stays, no longer main); a contact's first person is "
    "main anyway."
)
class ContactPersonInput:
    address_id: strawberry.ID = strawberry.field(description="A ContactAddress ID.")
    name: str
    roles: list[ContactPersonRole]
    job_title: str | None = None
    email: str | None = None
    telephone: str | None = None
    mobile: str | None = None
    is_main: bool = False
    is_preferred: bool | None = None


@strawberry.input(description="Changes to a person; omitted fields stay as they are.")
class ContactPersonUpdateInput:
    address_id: strawberry.ID | None = strawberry.field(
        default=None, description="Another address of the same contact."
    )
    name: str | None = None
    roles: list[ContactPersonRole] | None = None
    job_title: str | None = None
    email: str | None = None
    telephone: str | None = None
    mobile: str | None = None
    is_main: bool | None = None
    is_preferred: bool | None = None
