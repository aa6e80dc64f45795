"""Purchase credit notes: credit notes from suppliers, the bills' counterpart."""

from __future__ import annotations

import strawberry

from ledgergraph import kinds
from ledgergraph.schema.documents import Document
from ledgergraph.schema.node import recognises


@strawberry.type(
    description="A purchase credit note (a credit note from a supplier): what the business is "
    "owed back against its bills. Its number is its reference, as a bill's is."
)
class SupplierCreditNote(Document):
    vendor_reference: str | None = strawberry.field(
        description="The supplier's own number for the credit note."
    )

    is_type_of = recognises(kinds.SUPPLIER_CREDIT_NOTE)
