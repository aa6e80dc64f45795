"""Root list fields: a Relay window of a Sage list, or of a reference list read once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ledgergraph.connectors.sage.resources import Resource
from ledgergraph.resolvers.arguments import business_id_from
from ledgergraph.resolvers.context import Context
from ledgergraph.resolvers.loaders import ReferenceLoader
from ledgergraph.schema.pagination import Connection, build_connection, page_window


async def business_of(context: Context, business: str | None) -> str:
    ref = await context.runtime.sage.business_for(context.tenant, business_id_from(business))
    return ref.id


async def sage_window(
    context: Context,
    resource: Resource,
    *,
    business: str | None,
    first: int | None,
    after: str | None,
    filters: dict[str, Any],
) -> Connection[Any]:
    offset, size = page_window(first, after)
    business_id = await business_of(context, business)
    items, total = await context.loaders.reads.window(
        resource, business_id, offset=offset, size=size, filters=filters
    )
    context.loaders.prime(items)
    return build_connection(items, offset=offset, total=total)


async def reference_window(
    context: Context,
    loader: ReferenceLoader[Any],
    *,
    business: str | None,
    first: int | None,
    after: str | None,
    keep: Callable[[Any], bool] = lambda _obj: True,
) -> Connection[Any]:
    offset, size = page_window(first, after)
    business_id = await business_of(context, business)
    everything = [obj for obj in await loader.all(business_id) if keep(obj)]
    return build_connection(
        everything[offset : offset + size], offset=offset, total=len(everything)
    )
