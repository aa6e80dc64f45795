"""``createSupplierCreditNote``: a purchase credit note, exactly once per idempotency key.

Written as the other documents are (``mutations.documents``): lines to purchase accounts by
default, no due date (a credit note falls due on none).
"""

from __future__ import annotations

from typing import Any

from ledgergraph import kinds, model
from ledgergraph.errors import BadUserInput
from ledgergraph.resolvers.context import Info
from ledgergraph.resolvers.mutations.documents import DocumentWrite, create_document
from ledgergraph.schema.arguments import IdempotencyKey, WriteBusinessArg
from ledgergraph.schema.inputs import DocumentInput

WRITE = DocumentWrite(
    "createSupplierCreditNote",
    kinds.SUPPLIER_CREDIT_NOTE,
    "credit_note_lines",
    model.AccountRole.PURCHASES,
)


async def create_supplier_credit_note(
    info: Info,
    input: DocumentInput,
    idempotency_key: IdempotencyKey = None,
    business: WriteBusinessArg = None,
) -> Any:
    if input.due_date is not None:
        raise BadUserInput(
            "input.dueDate: a credit note falls due on no date; leave it out.",
            field="input.dueDate",
        )
    return await create_document(
        info.context, WRITE, input, key_argument=idempotency_key, business=business
    )
