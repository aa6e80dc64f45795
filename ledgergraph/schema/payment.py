"""Payments and receipts, and what they were allocated to."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from ledgergraph import model
from ledgergraph.resolvers import references
from ledgergraph.schema.accounting import BankAccount
from ledgergraph.schema.contact import Contact
from ledgergraph.schema.documents import Document
from ledgergraph.schema.enums import PaymentKind
from ledgergraph.schema.node import Node
from ledgergraph.schema.scalars import Money


@strawberry.type(description="The part of a payment allocated to one invoice, bill or note.")
class Allocation:
    document_type: str
    amount: Money
    document: Document | None = strawberry.field(resolver=references.allocated_document)


@strawberry.type(description="A customer receipt, supplier payment or refund.")
class Payment(Node):
    kind: PaymentKind | None
    date: dt.date | None
    reference: str | None
    payment_method: str | None
    currency: str
    total_amount: Money
    allocations: list[Allocation]
    created_at: dt.datetime | None
    updated_at: dt.datetime | None
    contact: Contact | None = strawberry.field(resolver=references.contact_of)
    bank_account: BankAccount | None = strawberry.field(resolver=references.bank_account_of)

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, model.Payment)
