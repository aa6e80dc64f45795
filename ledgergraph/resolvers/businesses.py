"""Resolvers of the businesses the tenant's Sage user can access."""

from __future__ import annotations

from typing import Any

import strawberry

from ledgergraph.resolvers.arguments import business_id_from
from ledgergraph.resolvers.context import Info


async def resolve_businesses(info: Info) -> Any:
    context = info.context
    connection = await context.connection()
    known = {b.id: b for b in connection.available}
    found = await context.runtime.sage.list_businesses(context.tenant)
    return [known.get(b.id, b) for b in found]


async def resolve_business(info: Info, id: strawberry.ID | None = None) -> Any:
    context = info.context
    wanted = business_id_from(id, field="id")
    return await context.runtime.sage.business_for(context.tenant, wanted)
