"""``updateContact``: change a contact, exactly once per idempotency key."""

from __future__ import annotations

import dataclasses
from typing import Any

import strawberry

from ledgergraph.connectors.sage import resources as r
from ledgergraph.errors import BadUserInput
from ledgergraph.events import EventKind
from ledgergraph.resolvers.context import Info
from ledgergraph.resolvers.mutations.contact_body import contact_body
from ledgergraph.resolvers.mutations.create_invoice import IdempotencyKey
from ledgergraph.resolvers.mutations.runner import Write, key_for, run_write
from ledgergraph.schema.global_id import GlobalId
from ledgergraph.schema.inputs import ContactUpdateInput


async def update_contact(
    info: Info,
    id: strawberry.ID,
    input: ContactUpdateInput,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    context = info.context
    key = key_for(context, idempotency_key)
    gid = GlobalId.decode(str(id), expect="Contact")
    business_id = (await context.runtime.sage.business_for(context.tenant, gid.business_id)).id
    body = contact_body(input)
    if not body:
        raise BadUserInput("input changes nothing: give at least one field.", field="input")
    reads = context.loaders.reads

    async def execute(idempotency_id: str) -> dict[str, Any]:
        return await context.runtime.writes.write(
            "PUT",
            context.tenant,
            business_id,
            f"{r.CONTACTS.path}/{gid.remote_id}",
            "contact",
            body,
            idempotency_id,
        )

    async def build(payload: dict[str, Any]) -> Any:
        return r.CONTACTS.build(await reads.mapper(business_id), payload)

    write = Write(
        operation="updateContact",
        business_id=business_id,
        payload={"id": gid.remote_id, "input": dataclasses.asdict(input)},
        object_type="CONTACT",
        kind=EventKind.UPDATED,
        invalidates=("contacts",),
    )
    return await run_write(context, key, write, execute, build)
