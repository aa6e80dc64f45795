"""Root list fields: a Relay window of a Sage list, or of a list read whole.

Paging is keyset paging over Sage's offset pages: a cursor names the last item seen
(``ledgergraph.pagination``), and the next page starts right after it wherever it now is.
The common case costs what an offset would: one read from where the item was, which finds it
still there. Only after edits between pages does a page cost more — reads of whole pages (200
items) stepping from there until the item, or the place its sort key falls, is found.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from ledgergraph import model
from ledgergraph.connectors.sage.resources import Resource
from ledgergraph.kinds import Loading, ObjectKind
from ledgergraph.pagination import MAX_PAGE_SIZE, Anchor, decode_cursor, encode_cursor, page_size
from ledgergraph.resolvers.arguments import business_id_from
from ledgergraph.resolvers.context import Context
from ledgergraph.resolvers.ordering import CREATION, WHOLE, Order
from ledgergraph.resolvers.prefetch import Prefetch
from ledgergraph.schema.relay import ListPage


async def business_of(context: Context, business: str | None) -> str:
    ref = await context.runtime.sage.business_for(context.tenant, business_id_from(business))
    return ref.id


def page_of(items: Sequence[Any], *, offset: int, total: int, order: Order) -> ListPage[Any]:
    cursors = [
        encode_cursor(Anchor(order.name, obj.remote_id, order.key(obj), offset + i))
        for i, obj in enumerate(items)
    ]
    return ListPage.of(list(items), cursors=cursors, offset=offset, total=total)


def _resume(
    items: Sequence[Any], anchor: Anchor, order: Order, *, start: int, total: int
) -> int | None:
    """Where, in ``items`` (the list from ``start`` on), the page after ``anchor`` begins;
    None when it is not among them."""
    for index, obj in enumerate(items):
        if obj.remote_id == anchor.id:
            return index + 1
    if not order.keyed:
        return min(max(anchor.offset - start, 0), len(items)) if start == 0 else None
    after = next((i for i, obj in enumerate(items) if order.is_after(obj, anchor)), None)
    if after is None:
        # Everything here comes before the anchor: the page starts past them, if the list ends.
        return len(items) if items and start + len(items) >= total else None
    if after == 0 and start > 0:
        return None  # The anchor's place is before this stretch.
    return after


class _Sage:
    """One filtered, ordered Sage list of one business."""

    def __init__(
        self, context: Context, resource: Resource, business_id: str, params: dict[str, Any]
    ) -> None:
        self.reads = context.loaders.reads
        self.resource = resource
        self.business_id = business_id
        self.params = params

    async def window(self, offset: int, size: int) -> tuple[list[Any], int]:
        return await self.reads.window(
            self.resource, self.business_id, offset=offset, size=size, filters=self.params
        )

    async def everything(self) -> list[Any]:
        items, total = await self.window(0, MAX_PAGE_SIZE)
        if total > len(items):
            rest, _ = await self.window(len(items), total - len(items))
            items.extend(rest)
        return items

    async def locate(self, anchor: Anchor, order: Order, total: int) -> int:
        """Where the page after ``anchor`` begins, stepping a whole page at a time."""
        probe = min((anchor.offset // MAX_PAGE_SIZE) * MAX_PAGE_SIZE, max(total - 1, 0))
        probe -= probe % MAX_PAGE_SIZE
        for _ in range(total // MAX_PAGE_SIZE + 2):
            items, total = await self.window(probe, MAX_PAGE_SIZE)
            at = _resume(items, anchor, order, start=probe, total=total)
            if at is not None:
                return probe + at
            before = not items or order.is_after(items[0], anchor)
            probe += -MAX_PAGE_SIZE if before else MAX_PAGE_SIZE
            if probe < 0 or probe >= total:
                break
        return min(max(probe, 0), total)


async def sage_window(
    context: Context,
    resource: Resource,
    *,
    business: str | None,
    first: int | None,
    after: str | None,
    filters: dict[str, Any],
    order: Order = CREATION,
    prefetch: Prefetch | None = None,
) -> ListPage[Any]:
    """A window of the Sage list; ``prefetch``: the references the client follows under the
    items, asked for as soon as they arrive (see ``ledgergraph.resolvers.prefetch``)."""
    size = page_size(first)
    anchor = decode_cursor(after, order.name) if after else None
    business_id = await business_of(context, business)
    if prefetch is not None:
        prefetch.begin(context, business_id, size)
    sage = _Sage(context, resource, business_id, {**filters, **order.params})
    if anchor is None:
        items, total = await sage.window(0, size)
        offset = 0
    else:
        # The anchor itself, then the page: where it was is where it usually still is.
        start = anchor.offset
        found, total = await sage.window(start, size + 1)
        at = _resume(found, anchor, order, start=start, total=total)
        if at is not None and (at + size <= len(found) or start + len(found) >= total):
            items, offset = found[at : at + size], start + at
        else:
            offset = at + start if at is not None else await sage.locate(anchor, order, total)
            items, total = await sage.window(offset, size)
    context.loaders.prime(items)
    if prefetch is not None:
        await prefetch.start(context, items)
    return page_of(items, offset=offset, total=total, order=order)


def local_window(
    everything: Sequence[Any], *, first: int | None, after: str | None, order: Order
) -> ListPage[Any]:
    """A window of a list held whole, in ``order``."""
    size = page_size(first)
    offset = 0
    if after:
        anchor = decode_cursor(after, order.name)
        at = _resume(everything, anchor, order, start=0, total=len(everything))
        offset = len(everything) if at is None else at
    return page_of(
        everything[offset : offset + size], offset=offset, total=len(everything), order=order
    )


async def filtered_window(
    context: Context,
    resource: Resource,
    *,
    business_id: str,
    first: int | None,
    after: str | None,
    reads: Sequence[dict[str, Any]],
    keep: Callable[[Any], bool],
    order: Order,
    prefetch: Prefetch | None = None,
) -> ListPage[Any]:
    """A window of what Sage cannot filter: the lists Sage filters by ``reads`` (one set of
    parameters each), read whole, merged, filtered by ``keep`` and ordered here."""
    size = page_size(first)
    if prefetch is not None:
        prefetch.begin(context, business_id, size)
    lists = await asyncio.gather(
        *(_Sage(context, resource, business_id, {**p, **order.params}).everything() for p in reads)
    )
    merged = {obj.remote_id: obj for objs in lists for obj in objs if keep(obj)}
    window = local_window(order.sorted(merged.values()), first=first, after=after, order=order)
    nodes = [edge.node for edge in window.edges]
    context.loaders.prime(nodes)
    if prefetch is not None:
        await prefetch.start(context, nodes)
    return window


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
    page_size(first)
    if after:
        decode_cursor(after, WHOLE.name)
    business_id = await business_of(context, business)
    lists = await asyncio.gather(*(_whole(context, kind, r, business_id) for r in kind.resources))
    everything = [obj for objects in lists for obj in objects if keep(obj)]
    return local_window(everything, first=first, after=after, order=WHOLE)


async def _whole(
    context: Context, kind: ObjectKind, resource: Resource, business_id: str
) -> list[model.Record]:
    loaders = context.loaders
    if kind.loading is Loading.WHOLE_LIST:
        # Through the loader: later references to the list's objects cost nothing.
        return list(await loaders.whole_list(resource).all(business_id))
    return await loaders.reads.everything(resource, business_id)
