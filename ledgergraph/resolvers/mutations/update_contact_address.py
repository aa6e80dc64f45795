"""``updateContactAddress``: change one of a contact's addresses (Sage's
``PUT /addresses/{id}``), exactly once per idempotency key."""

from __future__ import annotations

from typing import Any

import strawberry

from ledgergraph import kinds
from ledgergraph.resolvers.context import Info
from ledgergraph.resolvers.mutations.contact_people_body import address_body, refuse_unmaking_main
from ledgergraph.resolvers.mutations.runner import key_for
from ledgergraph.resolvers.mutations.targets import target, update_from_input
from ledgergraph.schema.arguments import IdempotencyKey
from ledgergraph.schema.contact_people import ContactAddressUpdateInput


async def update_contact_address(
    info: Info,
    id: strawberry.ID,
    input: ContactAddressUpdateInput,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    context = info.context
    key = key_for(context, idempotency_key)
    address = await target(context, str(id), kinds.CONTACT_ADDRESS.type_name)
    mapper = await context.loaders.reads.mapper(address.business_id)
    body = address_body(input, address.business_id, mapper.country_code)
    refuse_unmaking_main(input.is_main, "address")
    return await update_from_input(
        context, key, "updateContactAddress", kinds.CONTACT_ADDRESS, address, input, body
    )
