"""``createInvoice``: a sales invoice, exactly once per idempotency key."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from ledgergraph import model
from ledgergraph.connectors.sage import resources as r
from ledgergraph.resolvers.context import Info
from ledgergraph.resolvers.mutations.documents import DocumentKind, create_document
from ledgergraph.schema.inputs import DocumentInput

INVOICE = DocumentKind(
    operation="createInvoice",
    object_type="INVOICE",
    resource=r.INVOICES,
    root="sales_invoice",
    lines_key="invoice_lines",
    default_role=model.AccountRole.SALES,
    invalidates=("sales_invoices", "contacts"),
)

IdempotencyKey = Annotated[
    str | None,
    strawberry.argument(
        description="Required (here or as the Idempotency-Key header): unique per operation; "
        "send the same key again when retrying."
    ),
]
BusinessArg = Annotated[
    strawberry.ID | None,
    strawberry.argument(description="The business to write to (default: the selected one)."),
]


async def create_invoice(
    info: Info,
    input: DocumentInput,
    idempotency_key: IdempotencyKey = None,
    business: BusinessArg = None,
) -> Any:
    return await create_document(
        info.context, INVOICE, input, key_argument=idempotency_key, business=business
    )
