"""Contact allocations: credit notes and payments on account set against invoices and bills,
and the input that makes one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry

from ledgergraph import kinds, model
from ledgergraph.schema.contact import Contact
from ledgergraph.schema.node import Node, follows, recognises
from ledgergraph.schema.payment import Allocation
from ledgergraph.security.cost import list_size


@strawberry.type(
    description="Credit notes or payments on account set against a contact's invoices (or a "
    "supplier's bills): no money moves; what is outstanding on both sides drops."
)
class ContactAllocation(Node):
    side: model.ContactKind | None = strawberry.field(
        description="CUSTOMER (sales) or SUPPLIER (purchases)."
    )
    date: dt.date | None
    allocations: list[Allocation] = strawberry.field(
        metadata=list_size(5),
        description="Each document and what was set against it, as a positive amount; "
        "documentType tells the credits (CREDIT_NOTE, PURCHASE_CREDIT_NOTE, "
        "PAYMENT_ON_ACCOUNT) from what they settle (INVOICE, BILL).",
    )
    created_at: dt.datetime | None
    updated_at: dt.datetime | None
    contact: Contact | None = follows(kinds.CONTACT)

    is_type_of = recognises(kinds.CONTACT_ALLOCATION)


@strawberry.input(description="One document of an allocation and the amount set against it.")
class AllocationPartInput:
    document_id: strawberry.ID
    amount: Decimal = strawberry.field(description="Positive, at most two decimals.")


@strawberry.input(
    description="Set credits against documents of one contact. Customer side: credit notes "
    "and receipts' money on account (Payment IDs) against invoices; supplier side: supplier "
    "credit notes and supplier payments' money on account against bills. The credits must "
    "add up to the documents."
)
class AllocateCreditInput:
    contact_id: strawberry.ID
    credits: list[AllocationPartInput]
    documents: list[AllocationPartInput]
    date: dt.date | None = strawberry.field(
        default=None, description="When it was allocated (default: today in Sage)."
    )
