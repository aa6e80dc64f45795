"""The ``Contact`` type: a customer and/or supplier."""

from __future__ import annotations

import datetime as dt

import strawberry

from ledgergraph import model
from ledgergraph.kinds import CONTACT
from ledgergraph.schema.enums import ContactKind
from ledgergraph.schema.node import Node, recognises
from ledgergraph.schema.scalars import Address, Money


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

    is_type_of = recognises(CONTACT)
