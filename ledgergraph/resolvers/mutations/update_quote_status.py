"""``updateQuoteStatus``: record the customer's (or the business's) answer to a quote or an
estimate, exactly once per idempotency key.

Sage sets a quote's status by ``PUT /sales_quotes/{id}`` (``/sales_estimates``) with
``status_id``; INVOICED is never written, it follows from invoicing the quote
(``convertQuoteToInvoice``), and Sage refuses any edit of an invoiced quote (422).
"""

from __future__ import annotations

from typing import Any

import strawberry

from ledgergraph import kinds
from ledgergraph.connectors.sage.mapping.quotes import SAGE_QUOTE_STATUS, QuoteStatus
from ledgergraph.errors import BadUserInput
from ledgergraph.events import EventKind
from ledgergraph.resolvers.context import Info
from ledgergraph.resolvers.mutations.runner import Write, key_for, run_update
from ledgergraph.resolvers.mutations.targets import target
from ledgergraph.schema.arguments import IdempotencyKey

QUOTATIONS = (kinds.QUOTE.type_name, kinds.ESTIMATE.type_name)
SETTABLE = (QuoteStatus.DRAFT, QuoteStatus.PENDING, QuoteStatus.ACCEPTED, QuoteStatus.DECLINED)


async def update_quote_status(
    info: Info, id: strawberry.ID, status: QuoteStatus, idempotency_key: IdempotencyKey = None
) -> Any:
    context = info.context
    key = key_for(context, idempotency_key)
    if status not in SETTABLE:
        raise BadUserInput(
            f"status must be one of {', '.join(s.value for s in SETTABLE)}; a quote becomes "
            "INVOICED through convertQuoteToInvoice.",
            field="status",
        )
    quotation = await target(context, str(id), QUOTATIONS)
    kind = kinds.kind_named(quotation.gid.type_name)
    assert kind is not None
    write = Write(
        operation="updateQuoteStatus",
        business_id=quotation.business_id,
        payload={"id": quotation.gid.remote_id, "status": status.value},
        object_kind=kind,
        event=EventKind.UPDATED,
    )
    body = {"status_id": SAGE_QUOTE_STATUS[status]}
    return await run_update(context, key, write, quotation.gid.remote_id, body)
