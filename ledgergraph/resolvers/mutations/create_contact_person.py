"""``createContactPerson``: add a person at one of a contact's addresses (Sage's
``POST /contact_persons``), exactly once per idempotency key."""

from __future__ import annotations

import dataclasses
from typing import Any

from ledgergraph import kinds
from ledgergraph.events import EventKind
from ledgergraph.resolvers.context import Info
from ledgergraph.resolvers.mutations.contact_people_body import person_body
from ledgergraph.resolvers.mutations.runner import Write, key_for, run_create
from ledgergraph.resolvers.mutations.targets import target
from ledgergraph.schema.arguments import IdempotencyKey
from ledgergraph.schema.contact_people import ContactPersonInput


async def create_contact_person(
    info: Info, input: ContactPersonInput, idempotency_key: IdempotencyKey = None
) -> Any:
    context = info.context
    key = key_for(context, idempotency_key)
    address = await target(
        context, str(input.address_id), kinds.CONTACT_ADDRESS.type_name, "input.addressId"
    )
    business_id = address.business_id
    body = person_body(input, business_id)
    write = Write(
        operation="createContactPerson",
        business_id=business_id,
        payload={"input": dataclasses.asdict(input)},
        object_kind=kinds.CONTACT_PERSON,
        event=EventKind.CREATED,
    )
    return await run_create(context, key, write, body)
