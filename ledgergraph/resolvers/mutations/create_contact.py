"""``createContact``: a customer and/or supplier, exactly once per idempotency key."""

from __future__ import annotations

from typing import Any

from ledgergraph import kinds
from ledgergraph.resolvers.context import Context, Info
from ledgergraph.resolvers.mutations.contact_body import contact_body
from ledgergraph.resolvers.mutations.runner import create_from_input
from ledgergraph.schema.arguments import IdempotencyKey, WriteBusinessArg
from ledgergraph.schema.inputs import ContactInput


# Its refusals rank after the business's, so it is the body, not a ``validate``.
async def _body(context: Context, business_id: str, data: ContactInput) -> dict[str, Any]:
    return contact_body(data)


async def create_contact(
    info: Info,
    input: ContactInput,
    idempotency_key: IdempotencyKey = None,
    business: WriteBusinessArg = None,
) -> Any:
    return await create_from_input(
        info.context,
        "createContact",
        kinds.CONTACT,
        input,
        key_argument=idempotency_key,
        business=business,
        body=_body,
    )
