"""``createCreditNote``: a sales credit note, exactly once per idempotency key."""

from __future__ import annotations

from typing import Any

from ledgergraph import model
from ledgergraph.connectors.sage import resources as r
from ledgergraph.resolvers.context import Info
from ledgergraph.resolvers.mutations.create_invoice import BusinessArg, IdempotencyKey
from ledgergraph.resolvers.mutations.documents import DocumentKind, create_document
from ledgergraph.schema.inputs import DocumentInput

CREDIT_NOTE = DocumentKind(
    operation="createCreditNote",
    object_type="CREDIT_NOTE",
    resource=r.CREDIT_NOTES,
    root="sales_credit_note",
    lines_key="credit_note_lines",
    default_role=model.AccountRole.SALES,
    invalidates=("sales_credit_notes", "contacts"),
)


async def create_credit_note(
    info: Info,
    input: DocumentInput,
    idempotency_key: IdempotencyKey = None,
    business: BusinessArg = None,
) -> Any:
    return await create_document(
        info.context, CREDIT_NOTE, input, key_argument=idempotency_key, business=business
    )
