"""``updateContact``: change a contact, exactly once per idempotency key."""

from __future__ import annotations

import dataclasses
from typing import Any

import strawberry

from ledgergraph import kinds
from ledgergraph.errors import BadUserInput
from ledgergraph.events import EventKind
from ledgergraph.ids import GlobalId
from ledgergraph.resolvers.context import Info
from ledgergraph.resolvers.mutations.contact_body import contact_body
from ledgergraph.resolvers.mutations.runner import Write, builder, key_for, run_write
from ledgergraph.schema.arguments import IdempotencyKey
from ledgergraph.schema.inputs import ContactUpdateInput


async def update_contact(
    info: Info,
    id: strawberry.ID,
    input: ContactUpdateInput,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    context = info.context
    key = key_for(context, idempotency_key)
    gid = GlobalId.decode(str(id), expect=kinds.CONTACT.type_name)
    business_id = (await context.runtime.sage.business_for(context.tenant, gid.business_id)).id
    body = contact_body(input)
    if not body:
        raise BadUserInput("input changes nothing: give at least one field.", field="input")
    resource = kinds.CONTACT.resource

    async def execute(idempotency_id: str) -> dict[str, Any]:
        return await context.runtime.writes.write(
            "PUT",
            context.tenant,
            business_id,
            f"{resource.path}/{gid.remote_id}",
            resource.root,
            body,
            idempotency_id,
        )

    write = Write(
        operation="updateContact",
        business_id=business_id,
        payload={"id": gid.remote_id, "input": dataclasses.asdict(input)},
        object_kind=kinds.CONTACT,
        event=EventKind.UPDATED,
    )
    return await run_write(context, key, write, execute, builder(context, write))
