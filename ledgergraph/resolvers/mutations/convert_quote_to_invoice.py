"""``convertQuoteToInvoice``: invoice a quote or an estimate, exactly once per idempotency key.

Sage has no convert action: a sales invoice is created (``POST /sales_invoices``) with the
quote's customer, lines, shipping and texts and ``original_quote_estimate_id`` naming it; Sage
then marks the quote INVOICED and links it to the invoice (announced as the quote's UPDATED
event, besides the invoice's CREATED). Sage refuses a quote already invoiced or declined (422
on ``original_quote_estimate_id``). The quote is read inside the write, so a retry after a
lost answer sends the same body and Sage's idempotency returns the invoice the first attempt
made.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from ledgergraph import kinds
from ledgergraph.errors import BadUserInput
from ledgergraph.events import EventKind
from ledgergraph.ids import GlobalId
from ledgergraph.resolvers.context import Info
from ledgergraph.resolvers.mutations.runner import Write, builder, key_for, run_write
from ledgergraph.resolvers.mutations.update_quote_status import QUOTATIONS
from ledgergraph.schema.arguments import IdempotencyKey

# What an invoice line copies from a quote line: (invoice field, quote field, from a ref).
_LINE_FIELDS = (
    ("description", "description", False),
    ("ledger_account_id", "ledger_account", True),
    ("quantity", "quantity", False),
    ("unit_price", "unit_price", False),
    ("unit_price_includes_tax", "unit_price_includes_tax", False),
    ("discount_amount", "discount_amount", False),
    ("tax_rate_id", "tax_rate", True),
    ("tax_amount", "tax_amount", False),
    ("product_id", "product", True),
    ("service_id", "service", True),
)
_HEADER_FIELDS = (
    ("reference", "reference", False),
    ("notes", "notes", False),
    ("terms_and_conditions", "terms_and_conditions", False),
    ("shipping_net_amount", "shipping_net_amount", False),
    ("shipping_tax_rate_id", "shipping_tax_rate", True),
    ("tax_address_region_id", "tax_address_region", True),
    ("currency_id", "currency", True),
    ("exchange_rate", "exchange_rate", False),
)


def _copied(source: dict[str, Any], fields: tuple[tuple[str, str, bool], ...]) -> dict[str, Any]:
    copied = {}
    for target, name, is_ref in fields:
        value = source.get(name)
        if is_ref:
            value = value.get("id") if isinstance(value, dict) else None
        if value is not None:
            copied[target] = value
    return copied


def invoice_body(
    quote: dict[str, Any], quote_id: str, on: dt.date, due: dt.date | None
) -> dict[str, Any]:
    lines = quote.get("quote_lines") or quote.get("estimate_lines") or []
    body = {
        "contact_id": (quote.get("contact") or {}).get("id"),
        "date": on.isoformat(),
        "original_quote_estimate_id": quote_id,
        **_copied(quote, _HEADER_FIELDS),
        "invoice_lines": [_copied(line, _LINE_FIELDS) for line in lines],
    }
    if due is not None:
        body["due_date"] = due.isoformat()
    return body


async def convert_quote_to_invoice(
    info: Info,
    id: strawberry.ID,
    date: dt.date,
    due_date: dt.date | None = None,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    context = info.context
    key = key_for(context, idempotency_key)
    if due_date is not None and due_date < date:
        raise BadUserInput("dueDate must not be before date.", field="dueDate")
    gid = GlobalId.decode(str(id), expect=QUOTATIONS)
    kind = kinds.kind_named(gid.type_name)
    assert kind is not None
    sage = context.runtime.sage
    business_id = (await sage.business_for(context.tenant, gid.business_id)).id
    invoices = kinds.INVOICE.resource

    async def execute(idempotency_id: str) -> dict[str, Any]:
        quote: dict[str, Any] = await sage.get(
            context.tenant,
            f"{kind.resource.path}/{gid.remote_id}",
            business=business_id,
            cached=False,
        )
        invoice = await context.runtime.writes.write(
            "POST",
            context.tenant,
            business_id,
            invoices.path,
            invoices.root,
            invoice_body(quote, gid.remote_id, date, due_date),
            idempotency_id,
        )
        if kind.event_type is not None:
            # Sage marked the quote INVOICED: that change is ours too. Recorded while the write
            # is still in flight, so the poller cannot report it first as Sage's.
            await context.runtime.events.record_own_write(
                context.tenant, business_id, kind.event_type, gid.remote_id, EventKind.UPDATED
            )
        return invoice

    write = Write(
        operation="convertQuoteToInvoice",
        business_id=business_id,
        payload={
            "id": gid.remote_id,
            "date": date.isoformat(),
            "dueDate": due_date.isoformat() if due_date else None,
        },
        object_kind=kinds.INVOICE,
        event=EventKind.CREATED,
    )
    return await run_write(context, key, write, execute, builder(context, write))
