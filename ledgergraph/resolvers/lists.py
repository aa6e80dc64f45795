"""Root list fields: a Relay window of a Sage list, or of a list read whole."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from ledgergraph.connectors.sage.resources import Resource
from ledgergraph.kinds import Loading, ObjectKind
from ledgergraph.pagination import page_window
from ledgergraph.resolvers.arguments import business_id_from
from ledgergraph.resolvers.context import Context
from ledgergraph.schema.relay import ListPage


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
) -> ListPage[Any]:
    offset, size = page_window(first, after)
    business_id = await business_of(context, business)
    items, total = await context.loaders.reads.window(
        resource, business_id, offset=offset, size=size, filters=filters
    )
    context.loaders.prime(items)
    return ListPage.of(items, offset=offset, total=total)


async def whole_list_window(
    context: Context,
    kind: ObjectKind,
    *,
    business: str | None,
    first: int | None,
    after: str | None,
    keep: Callable[[Any], bool] = lambda _obj: True,
) -> ListPage[Any]:
    """A window of every object of ``kind``: its resources read whole, then filtered."""
    offset, size = page_window(first, after)
    business_id = await business_of(context, business)
    lists = await asyncio.gather(*(_whole(context, kind, r, business_id) for r in kind.resources))
    everything = [obj for objects in lists for obj in objects if keep(obj)]
    return ListPage.of(everything[offset : offset + size], offset=offset, total=len(everything))


async def _whole(
    context: Context, kind: ObjectKind, resource: Resource, business_id: str
) -> list[Any]:
    loaders = context.loaders
    if kind.loading is Loading.WHOLE_LIST:
        # Through the loader: later references to the list's objects cost nothing.
        return await loaders.whole_list(resource).all(business_id)
    return await loaders.reads.everything(resource, business_id)
