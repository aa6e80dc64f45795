"""``updateContactPerson``: change a person at a contact (Sage's
``PUT /contact_persons/{id}``), exactly once per idempotency key."""

from __future__ import annotations

from typing import Any

import strawberry

from ledgergraph import kinds
from ledgergraph.resolvers.context import Info
from ledgergraph.resolvers.mutations.contact_people_body import person_body, refuse_unmaking_main
from ledgergraph.resolvers.mutations.runner import key_for
from ledgergraph.resolvers.mutations.targets import target, update_from_input
from ledgergraph.schema.arguments import IdempotencyKey
from ledgergraph.schema.contact_people import ContactPersonUpdateInput


async def update_contact_person(
    info: Info,
    id: strawberry.ID,
    input: ContactPersonUpdateInput,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    context = info.context
    key = key_for(context, idempotency_key)
    person = await target(context, str(id), kinds.CONTACT_PERSON.type_name)
    body = person_body(input, person.business_id)
    refuse_unmaking_main(input.is_main, "person")
    return await update_from_input(
        context, key, "updateContactPerson", kinds.CONTACT_PERSON, person, input, body
    )
