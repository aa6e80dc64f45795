"""Per-request dataloaders, keyed by (business, Sage id): they de-duplicate and batch.

One loader per Sage resource of ``ledgergraph.kinds.KINDS``, of the kind's loading style, and
one by global ID in front of them (``node``, ``nodes``, ``invoice(id:)``...). They live in the
request's context only (never a WebSocket connection's), so their in-process caches die with
the request; the response cache behind ``SageReads`` is what lasts.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

from strawberry.dataloader import DataLoader

from ledgergraph import kinds, model
from ledgergraph.connectors.sage.reads import Listing, SageReads
from ledgergraph.connectors.sage.resources import Resource
from ledgergraph.errors import NotFound
from ledgergraph.ids import GlobalId
from ledgergraph.types import BusinessRef

L = TypeVar("L", bound=DataLoader[Any, Any])

Key = tuple[str, str]  # (business id, Sage id)


def _by_business(keys: Sequence[Key]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for business, remote_id in keys:
        grouped[business].append(remote_id)
    return grouped


class ByIdLoader(DataLoader[Key, Any]):
    """Objects of one resource by id: one batch per business, as cheap as ``many`` makes it."""

    def __init__(self, reads: SageReads, resource: Resource, *, batching: bool = True) -> None:
        super().__init__(load_fn=self._load, max_batch_size=None if batching else 1, cache=batching)
        self._reads = reads
        self.resource = resource

    async def _load(self, keys: Sequence[Key]) -> list[Any]:
        grouped = _by_business(keys)
        found = await asyncio.gather(
            *(
                self._reads.begin(self._reads.many(self.resource, b, ids))
                for b, ids in grouped.items()
            )
        )
        merged = {
            (b, i): obj for b, objs in zip(grouped, found, strict=True) for i, obj in objs.items()
        }
        return [merged.get(key) for key in keys]


class WholeListLoader(DataLoader[Key, Any]):
    """Reference data by id, served from the business's whole list (fetched once)."""

    def __init__(self, reads: SageReads, resource: Resource, *, batching: bool = True) -> None:
        super().__init__(load_fn=self._load, max_batch_size=None if batching else 1, cache=batching)
        self._reads = reads
        self._batching = batching
        self.resource = resource
        self._lists: dict[str, asyncio.Task[Listing]] = {}

    async def all(self, business: str) -> list[Any]:
        return (await self._listing(business)).all()

    def begin(self, business: str) -> None:
        """Start reading the business's list now, for loads to come."""
        if self._batching:
            self._listing(business)

    def _listing(self, business: str) -> asyncio.Task[Listing]:
        task = self._lists.get(business)
        if task is None:
            task = self._reads.begin(self._reads.listing(self.resource, business))
            self._lists[business] = task
        return task

    async def _load(self, keys: Sequence[Key]) -> list[Any]:
        if not self._batching:
            # The naive baseline the benchmark compares against: one GET per reference.
            return [await self._reads.one(self.resource, b, i) for b, i in keys]
        businesses = list(dict.fromkeys(b for b, _ in keys))
        listings = await asyncio.gather(*(self._listing(b) for b in businesses))
        by_business = dict(zip(businesses, listings, strict=True))
        return [by_business[b].get(remote_id) for b, remote_id in keys]


class BusinessDetailsLoader(DataLoader[str, model.Business]):
    def __init__(self, reads: SageReads) -> None:
        super().__init__(load_fn=self._load)
        self._reads = reads

    async def _load(self, keys: Sequence[str]) -> list[model.Business]:
        return list(await asyncio.gather(*(self._reads.business_details(k) for k in keys)))


class FinancialSettingsLoader(DataLoader[str, model.FinancialSettings]):
    def __init__(self, reads: SageReads) -> None:
        super().__init__(load_fn=self._load)
        self._reads = reads

    async def _load(self, keys: Sequence[str]) -> list[model.FinancialSettings | BaseException]:
        # One business's failure (a lapsed subscription) must not fail the others' fields.
        return list(
            await asyncio.gather(
                *(self._reads.financial_settings(k) for k in keys), return_exceptions=True
            )
        )


# The businesses the tenant's connection can see (read once per batch of global IDs).
Visible = Callable[[], Awaitable[Sequence[BusinessRef]]]


class NodeLoader(DataLoader[GlobalId, Any]):
    """Objects by global ID: every ``node``, ``nodes`` and by-ID field of one tick, one batch.

    Which businesses the tenant may see is read once per batch, inside it. Read before each
    ``load`` instead — a Redis round trip per field — the fields would reach the by-id loaders
    in different ticks, and 50 aliases of ``node`` would split into several Sage batches.
    An ID that is not the tenant's, or names nothing, fails with ``NotFound`` on its own.
    """

    def __init__(self, loaders: Loaders, visible: Visible) -> None:
        batching = loaders.batching
        super().__init__(load_fn=self._load, max_batch_size=None if batching else 1, cache=batching)
        self._loaders = loaders
        self._visible = visible

    async def _load(self, keys: Sequence[GlobalId]) -> list[Any]:
        available: dict[str, BusinessRef] = {b.id: b for b in await self._visible()}
        # One task per ID, all started in this tick: their loads share the by-id batches.
        found: list[Any] = await asyncio.gather(
            *(self._one(gid, available) for gid in keys), return_exceptions=True
        )
        return found

    async def _one(self, gid: GlobalId, available: Mapping[str, BusinessRef]) -> Any:
        business = available.get(gid.business_id)
        if business is None:
            # Checked against the caller's own connection before any Sage call.
            raise NotFound(f"No {gid.type_name} with this ID is visible to this tenant.")
        kind = kinds.kind_named(gid.type_name)
        if kind is None:
            raise NotFound(f"There is no object type {gid.type_name!r}.")
        if kind is kinds.BUSINESS:
            return business
        found = await self._loaders.load(kind, (gid.business_id, gid.remote_id))
        if found is None:
            raise NotFound(f"No {gid.type_name} with this ID exists in the business.")
        return found


async def _nothing_visible() -> Sequence[BusinessRef]:
    return ()


class Loaders:
    """The loaders of one request: one per Sage resource of every kind, built from ``KINDS``,
    one by global ID, and those other modules add on first use (``keyed``)."""

    def __init__(
        self, reads: SageReads, *, batching: bool = True, visible: Visible = _nothing_visible
    ) -> None:
        """``batching=False`` turns batching and de-duplication off (a benchmark baseline);
        ``visible``: the businesses global IDs may name (the tenant's connection's)."""
        self.reads = reads
        self.batching = batching
        self.business = BusinessDetailsLoader(reads)
        self.financial_settings = FinancialSettingsLoader(reads)
        self._by_resource: dict[str, DataLoader[Key, Any]] = {}
        for kind in kinds.KINDS:
            for resource in kind.resources:
                loader = WholeListLoader if kind.loading is kinds.Loading.WHOLE_LIST else ByIdLoader
                self._by_resource[resource.name] = loader(reads, resource, batching=batching)
        self.nodes = NodeLoader(self, visible)
        self._keyed: dict[str, DataLoader[Any, Any]] = {}

    def keyed(self, name: str, make: Callable[[], L]) -> L:
        """The request's loader called ``name``, made by ``make`` on first use: loaders that
        other modules define (reverse relations) live as long as these do."""
        loader = self._keyed.get(name)
        if loader is None:
            made = make()
            self._keyed[name] = made
            return made
        return cast(L, loader)

    def keyed_loaders(self) -> list[DataLoader[Any, Any]]:
        """The loaders ``keyed`` made (for the request's release: see ``Context.release``)."""
        return list(self._keyed.values())

    def of(self, resource: Resource) -> DataLoader[Key, Any]:
        """The loader of ``resource`` by (business, Sage id)."""
        return self._by_resource[resource.name]

    def whole_list(self, resource: Resource) -> WholeListLoader:
        """The loader of a resource read as whole lists (``Loading.WHOLE_LIST``)."""
        loader = self._by_resource[resource.name]
        if not isinstance(loader, WholeListLoader):
            raise TypeError(f"{resource.name} is loaded by id, not as a whole list")
        return loader

    async def load(self, kind: kinds.ObjectKind, key: Key) -> Any | None:
        """An object of ``kind`` by (business, Sage id), from the first resource that has it."""
        for resource in kind.resources:
            found = await self.of(resource).load(key)
            if found is not None:
                return found
        return None

    def prime(self, objects: Sequence[model.Record]) -> None:
        """Remember objects a list already returned, so resolving them costs nothing."""
        if not self.batching:
            return
        # A page's objects are of one type or a few: each type's kind is looked up once.
        kind_of: dict[type, kinds.ObjectKind | None] = {}
        for obj in objects:
            cls = type(obj)
            if cls not in kind_of:
                kind_of[cls] = next((k for k in kinds.KINDS if cls is k.model), None)
            kind = kind_of[cls]
            if kind is not None and len(kind.resources) == 1:
                self.of(kind.resource).prime((obj.business_id, obj.remote_id), obj)
