"""``createContact``: a customer and/or supplier, exactly once per idempotency key."""

from __future__ import annotations

import dataclasses
from typing import Any

from ledgergraph import kinds
from ledgergraph.events import EventKind
from ledgergraph.resolvers.context import Info
from ledgergraph.resolvers.lists import business_of
from ledgergraph.resolvers.mutations.contact_body import contact_body
from ledgergraph.resolvers.mutations.runner import Write, key_for, run_create
from ledgergraph.schema.arguments import IdempotencyKey, WriteBusinessArg
from ledgergraph.schema.inputs import ContactInput


async def create_contact(
    info: Info,
    input: ContactInput,
    idempotency_key: IdempotencyKey = None,
    business: WriteBusinessArg = None,
) -> Any:
    context = info.context
    key = key_for(context, idempotency_key)
    business_id = await business_of(context, business)
    body = contact_body(input)
    write = Write(
        operation="createContact",
        business_id=business_id,
        payload={"input": dataclasses.asdict(input)},
        object_kind=kinds.CONTACT,
        event=EventKind.CREATED,
    )
    return await run_create(context, key, write, body)
