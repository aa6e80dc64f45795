"""``voidInvoice``: void a sales invoice (Sage's DELETE), exactly once per idempotency key.

A DELETE carries no Sage idempotency id, so before retrying an ambiguous attempt LedgerGraph
reads the invoice: if it is VOID already, the first attempt worked.
"""

from __future__ import annotations

from typing import Any

import strawberry

from ledgergraph import kinds
from ledgergraph.errors import BadUserInput
from ledgergraph.events import EventKind
from ledgergraph.ids import GlobalId
from ledgergraph.resolvers.context import Info
from ledgergraph.resolvers.mutations.runner import Write, builder, key_for, run_write
from ledgergraph.schema.arguments import IdempotencyKey


async def void_invoice(
    info: Info, id: strawberry.ID, reason: str, idempotency_key: IdempotencyKey = None
) -> Any:
    context = info.context
    key = key_for(context, idempotency_key)
    if not reason.strip():
        raise BadUserInput("reason must say why the invoice is voided.", field="reason")
    gid = GlobalId.decode(str(id), expect=kinds.INVOICE.type_name)
    business_id = (await context.runtime.sage.business_for(context.tenant, gid.business_id)).id
    path = f"{kinds.INVOICE.resource.path}/{gid.remote_id}"
    sage = context.runtime.sage

    async def current() -> dict[str, Any]:
        payload: dict[str, Any] = await sage.get(
            context.tenant, path, business=business_id, cached=False
        )
        return payload

    async def is_void() -> bool:
        return ((await current()).get("status") or {}).get("id") == "VOID"

    async def execute(_idempotency_id: str) -> dict[str, Any]:
        if not await is_void():
            await context.runtime.writes.delete(
                context.tenant,
                business_id,
                path,
                {"void_reason": reason},
                already_done=is_void,
            )
        return await current()

    write = Write(
        operation="voidInvoice",
        business_id=business_id,
        payload={"id": gid.remote_id, "reason": reason},
        object_kind=kinds.INVOICE,
        event=EventKind.UPDATED,
    )
    return await run_write(context, key, write, execute, builder(context, write))
