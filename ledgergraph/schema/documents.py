"""Invoices, bills and credit notes, and their lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import strawberry

from ledgergraph import model
from ledgergraph.resolvers import references
from ledgergraph.schema.accounting import Item, LedgerAccount, TaxRate
from ledgergraph.schema.contact import Contact
from ledgergraph.schema.enums import DocumentStatus
from ledgergraph.schema.node import Node
from ledgergraph.schema.scalars import Money


@strawberry.type(description="A line of an invoice, bill or credit note.")
class LineItem:
    remote_id: str | None
    description: str
    quantity: Decimal
    unit_price: Money
    net_amount: Money
    tax_amount: Money
    total_amount: Money
    discount_amount: Money | None
    tax_rate: TaxRate | None = strawberry.field(resolver=references.tax_rate_of)
    ledger_account: LedgerAccount | None = strawberry.field(resolver=references.ledger_account_of)
    item: Item | None = strawberry.field(resolver=references.item_of)


@strawberry.interface(description="What invoices, bills and credit notes share.")
class Document(Node):
    number: str | None
    date: dt.date | None
    due_date: dt.date | None
    reference: str | None
    status: DocumentStatus
    currency: str
    net_amount: Money
    tax_amount: Money
    total_amount: Money
    amount_paid: Money
    outstanding_amount: Money
    lines: list[LineItem]
    created_at: dt.datetime | None
    updated_at: dt.datetime | None
    void_reason: str | None
    contact: Contact | None = strawberry.field(resolver=references.contact_of)

    @strawberry.field(description="The contact's name as Sage embedded it (costs no call).")
    def contact_name(self) -> str | None:
        ref: model.Ref | None = getattr(self, "contact", None)
        return ref.displayed_as if ref else None


@strawberry.type(description="A sales invoice.")
class Invoice(Document):
    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, model.Invoice)


@strawberry.type(description="A purchase invoice (a bill from a supplier).")
class Bill(Document):
    vendor_reference: str | None

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, model.Bill)


@strawberry.type(description="A sales credit note.")
class CreditNote(Document):
    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, model.CreditNote)
