"""The ``Contact`` type: a customer and/or supplier."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import strawberry

from ledgergraph import model
from ledgergraph.kinds import BILL, CONTACT, CREDIT_NOTE, INVOICE
from ledgergraph.schema.attachment import Attachment, attachments_field
from ledgergraph.schema.contact_people import (
    ContactAddress,
    ContactPerson,
    addresses_of,
    people_of,
)
from ledgergraph.schema.enums import ContactKind
from ledgergraph.schema.node import Node, documents_naming, recognises
from ledgergraph.schema.relay import ListPage
from ledgergraph.schema.scalars import Address, Money

if TYPE_CHECKING:
    from ledgergraph.schema.documents import Bill, CreditNote, Invoice

# The documents module imports this one: its types are named lazily.
_DOCUMENTS = "ledgergraph.schema.documents"


@strawberry.type(description="A customer and/or supplier of the business.")
class Contact(Node):
    name: str
    reference: str | None
    kinds: list[ContactKind]
    email: str | None
    telephone: str | None
    tax_number: str | None = strawberry.field(description="VAT/GST/tax registration number.")
    currency: str | None
    main_address: Address | None
    delivery_address: Address | None
    balance: Money | None = strawberry.field(description="What the contact owes (or is owed).")
    credit_limit: Money | None
    credit_days: int | None
    is_active: bool
    created_at: dt.datetime | None
    updated_at: dt.datetime | None

    @strawberry.field
    def is_customer(self) -> bool:
        return model.ContactKind.CUSTOMER in self.kinds

    @strawberry.field
    def is_supplier(self) -> bool:
        return model.ContactKind.SUPPLIER in self.kinds

    invoices: ListPage[Annotated[Invoice, strawberry.lazy(_DOCUMENTS)]] | None = documents_naming(
        INVOICE,
        description="The contact's sales invoices, newest first (by date, then by "
        "creation). The contacts of a page share one read: one Sage call per contact or "
        "the whole list's pages, whichever is fewer.",
    )
    bills: ListPage[Annotated[Bill, strawberry.lazy(_DOCUMENTS)]] | None = documents_naming(
        BILL,
        description="The contact's purchase invoices (bills), newest first (by date, then by "
        "creation); read for all the contacts of a page at once, like invoices.",
    )
    credit_notes: ListPage[Annotated[CreditNote, strawberry.lazy(_DOCUMENTS)]] | None = (
        documents_naming(
            CREDIT_NOTE,
            description="The contact's sales credit notes, newest first (by date, then by "
            "creation); read for all the contacts of a page at once, like invoices.",
        )
    )

    addresses: list[ContactAddress] = strawberry.field(
        resolver=addresses_of,
        description="Every address of the contact (main, delivery and others). The contacts "
        "of a page share one read of Sage's address list.",
    )
    contact_persons: list[ContactPerson] = strawberry.field(
        resolver=people_of,
        description="The people at the contact's addresses. The contacts of a page share one "
        "read of Sage's address and contact person lists.",
    )
    attachments: list[Attachment] | None = attachments_field()

    is_type_of = recognises(CONTACT)
