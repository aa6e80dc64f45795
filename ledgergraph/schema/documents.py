"""Invoices, bills and credit notes, and their lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from ledgergraph import kinds, model
from ledgergraph.schema.accounting import Item, LedgerAccount, TaxRate
from ledgergraph.schema.attachment import Attachment, attachments_field
from ledgergraph.schema.contact import Contact
from ledgergraph.schema.enums import DocumentStatus
from ledgergraph.schema.node import Node, follows, payments_allocated, recognises
from ledgergraph.schema.request import Info
from ledgergraph.schema.scalars import Money

if TYPE_CHECKING:
    from ledgergraph.schema.payment import Payment

strawberry.enum(
    model.DocumentOrder,
    description="The order to list documents in: Sage sorts by creation, date or due date "
    "(not by number).",
)
strawberry.enum(
    model.DocumentStatusFilter,
    description="A status to list documents by: Sage's, or OVERDUE — unpaid or partly paid, "
    "due before today in the business's time zone.",
)


async def _item(root: strawberry.Parent[model.LineItem], info: Info) -> Any:
    return await info.context.referenced_item(root)


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
    tax_rate: TaxRate | None = follows(kinds.TAX_RATE)
    ledger_account: LedgerAccount | None = follows(kinds.LEDGER_ACCOUNT)
    item: Item | None = strawberry.field(resolver=_item)


@strawberry.type(
    description="Shipping (carriage) charged on a document outside its lines: the sum of the "
    "lines plus shipping is the document's totals."
)
class Shipping:
    net_amount: Money
    tax_amount: Money
    total_amount: Money
    tax_rate: TaxRate | None = follows(kinds.TAX_RATE)


def _contact_name(root: strawberry.Parent[model.Document]) -> str | None:
    return root.contact.displayed_as if root.contact else None


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
    contact: Contact | None = follows(kinds.CONTACT)
    contact_name: str | None = strawberry.field(
        resolver=_contact_name,
        description="The contact's name as the document shows it, without its reference "
        "(costs no call).",
    )
    contact_reference: str | None = strawberry.field(
        description="The contact's reference (e.g. WIN005) as the document shows it."
    )
    shipping: Shipping | None = strawberry.field(
        description="Shipping charged on the document; null where Sage has none for the kind "
        "(bills). Lines' totals plus shipping equal the document's totals."
    )
    # The payment module imports this one: Payment is named lazily.
    payments: list[Annotated[Payment, strawberry.lazy("ledgergraph.schema.payment")]] | None = (
        payments_allocated(
            description="The payments (receipts, supplier payments, refunds) allocated to "
            "this document, newest first (by date, then by creation). The documents of a page "
            "share one read of their contacts' payments; nothing paid costs no call."
        )
    )


@strawberry.type(description="A sales invoice.")
class Invoice(Document):
    attachments: list[Attachment] | None = attachments_field()

    is_type_of = recognises(kinds.INVOICE)


@strawberry.type(description="A purchase invoice (a bill from a supplier).")
class Bill(Document):
    vendor_reference: str | None
    attachments: list[Attachment] | None = attachments_field()

    is_type_of = recognises(kinds.BILL)


@strawberry.type(description="A sales credit note.")
class CreditNote(Document):
    is_type_of = recognises(kinds.CREDIT_NOTE)
