"""Payments and receipts, and what they were allocated to."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from ledgergraph import kinds, model
from ledgergraph.schema.accounting import BankAccount
from ledgergraph.schema.contact import Contact
from ledgergraph.schema.documents import Document
from ledgergraph.schema.enums import PaymentKind
from ledgergraph.schema.node import Node, follows, recognises
from ledgergraph.schema.request import Info
from ledgergraph.schema.scalars import Money
from ledgergraph.security.cost import list_size

# document_type (Sage's artefact kind, ``mapping.payments.ARTEFACT_TYPES``) → the kind it is.
_DOCUMENTS = {
    "INVOICE": kinds.INVOICE,
    "BILL": kinds.BILL,
    "CREDIT_NOTE": kinds.CREDIT_NOTE,
    "PURCHASE_CREDIT_NOTE": kinds.SUPPLIER_CREDIT_NOTE,
}


def _document(root: strawberry.Parent[model.Allocation], info: Info) -> Any:
    # Null for an artefact LedgerGraph does not model (money on account, quick entries...).
    # Synchronous: the loader's awaitable, or None at once.
    kind = _DOCUMENTS.get(root.document_type)
    if kind is None:
        return None
    return info.context.referenced(root.business_id, root.document, kind)


@strawberry.type(description="The part of a payment allocated to one invoice, bill or note.")
class Allocation:
    document_type: str
    amount: Money
    document: Document | None = strawberry.field(resolver=_document)


@strawberry.type(description="A customer receipt, supplier payment or refund.")
class Payment(Node):
    kind: PaymentKind | None
    date: dt.date | None
    reference: str | None
    payment_method: str | None
    currency: str
    total_amount: Money
    # A payment settles a few documents: the query cost counts 5, not the default 20.
    allocations: list[Allocation] = strawberry.field(metadata=list_size(5))
    created_at: dt.datetime | None
    updated_at: dt.datetime | None
    contact: Contact | None = follows(kinds.CONTACT)
    bank_account: BankAccount | None = follows(kinds.BANK_ACCOUNT)

    is_type_of = recognises(kinds.PAYMENT)
