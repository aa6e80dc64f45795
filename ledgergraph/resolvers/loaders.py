"""Per-request dataloaders, keyed by (business, Sage id): they de-duplicate and batch.

One loader per Sage resource of ``ledgergraph.kinds.KINDS``, of the kind's loading style. They
live in the request's context only (never a WebSocket connection's), so their in-process caches
die with the request; the response cache behind ``SageReads`` is what lasts.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from strawberry.dataloader import DataLoader

from ledgergraph import kinds, model
from ledgergraph.connectors.sage.reads import SageReads
from ledgergraph.connectors.sage.resources import Resource

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
            *(self._reads.many(self.resource, b, ids) for b, ids in grouped.items())
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
        self._lists: dict[str, asyncio.Task[list[Any]]] = {}

    def all(self, business: str) -> asyncio.Task[list[Any]]:
        task = self._lists.get(business)
        if task is None:
            task = asyncio.ensure_future(self._everything(business))
            self._lists[business] = task
        return task

    async def _everything(self, business: str) -> list[Any]:
        return await self._reads.everything(self.resource, business)

    async def _load(self, keys: Sequence[Key]) -> list[Any]:
        if not self._batching:
            # The naive baseline the benchmark compares against: one GET per reference.
            return [await self._reads.one(self.resource, b, i) for b, i in keys]
        businesses = list(dict.fromkeys(b for b, _ in keys))
        lists = await asyncio.gather(*(self.all(b) for b in businesses))
        index: dict[Key, Any] = {
            (b, obj.remote_id): obj
            for b, objs in zip(businesses, lists, strict=True)
            for obj in objs
        }
        return [index.get(key) for key in keys]


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


class Loaders:
    """The loaders of one request: one per Sage resource of every kind, built from ``KINDS``."""

    def __init__(self, reads: SageReads, *, batching: bool = True) -> None:
        """``batching=False`` turns batching and de-duplication off (a benchmark baseline)."""
        self.reads = reads
        self.batching = batching
        self.business = BusinessDetailsLoader(reads)
        self.financial_settings = FinancialSettingsLoader(reads)
        self._by_resource: dict[str, DataLoader[Key, Any]] = {}
        for kind in kinds.KINDS:
            for resource in kind.resources:
                loader = WholeListLoader if kind.loading is kinds.Loading.WHOLE_LIST else ByIdLoader
                self._by_resource[resource.name] = loader(reads, resource, batching=batching)

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
        for obj in objects:
            kind = next((k for k in kinds.KINDS if type(obj) is k.model), None)
            if kind is not None and len(kind.resources) == 1:
                self.of(kind.resource).prime((obj.business_id, obj.remote_id), obj)
