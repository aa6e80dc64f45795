"""``createContactAddress``: add an address to a contact (Sage's ``POST /addresses``),
exactly once per idempotency key."""

from __future__ import annotations

import dataclasses
from typing import Any

from ledgergraph import kinds
from ledgergraph.events import EventKind
from ledgergraph.resolvers.context import Info
from ledgergraph.resolvers.mutations.contact_people_body import address_body
from ledgergraph.resolvers.mutations.runner import Write, key_for, run_create
from ledgergraph.resolvers.mutations.targets import target
from ledgergraph.schema.arguments import IdempotencyKey
from ledgergraph.schema.contact_people import ContactAddressInput


async def create_contact_address(
    info: Info, input: ContactAddressInput, idempotency_key: IdempotencyKey = None
) -> Any:
    context = info.context
    key = key_for(context, idempotency_key)
    contact = await target(
        context, str(input.contact_id), kinds.CONTACT.type_name, "input.contactId"
    )
    business_id = contact.business_id
    mapper = await context.loaders.reads.mapper(business_id)
    body = address_body(input, business_id, mapper.country_code)
    write = Write(
        operation="createContactAddress",
        business_id=business_id,
        payload={"input": dataclasses.asdict(input)},
        object_kind=kinds.CONTACT_ADDRESS,
        event=EventKind.CREATED,
    )
    return await run_create(context, key, write, body)
