"""``updateContact``: change a contact, exactly once per idempotency key."""

from __future__ import annotations

from typing import Any

import strawberry

from ledgergraph import kinds
from ledgergraph.resolvers.context import Info
from ledgergraph.resolvers.mutations.contact_body import contact_body
from ledgergraph.resolvers.mutations.runner import key_for
from ledgergraph.resolvers.mutations.targets import target, update_from_input
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
    contact = await target(context, str(id), kinds.CONTACT.type_name)
    body = contact_body(input)
    return await update_from_input(
        context, key, "updateContact", kinds.CONTACT, contact, input, body
    )
