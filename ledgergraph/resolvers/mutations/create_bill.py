"""``createBill``: a purchase invoice, exactly once per idempotency key."""

from __future__ import annotations

from typing import Any

from ledgergraph import model
from ledgergraph.connectors.sage import resources as r
from ledgergraph.errors import BadUserInput
from ledgergraph.resolvers.context import Info
from ledgergraph.resolvers.mutations.create_invoice import BusinessArg, IdempotencyKey
from ledgergraph.resolvers.mutations.documents import DocumentKind, create_document
from ledgergraph.schema.inputs import DocumentInput

BILL = DocumentKind(
    operation="createBill",
    object_type="BILL",
    resource=r.BILLS,
    root="purchase_invoice",
    lines_key="invoice_lines",
    default_role=model.AccountRole.PURCHASES,
    invalidates=("purchase_invoices", "contacts"),
)


async def create_bill(
    info: Info,
    input: DocumentInput,
    idempotency_key: IdempotencyKey = None,
    business: BusinessArg = None,
) -> Any:
    if input.due_date is None:
        raise BadUserInput("input.dueDate is required for a bill.", field="input.dueDate")
    return await create_document(
        info.context, BILL, input, key_argument=idempotency_key, business=business
    )
