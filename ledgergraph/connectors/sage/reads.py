"""Reads of unified objects for one tenant: pages, single objects, batches, whole lists.

Every method here costs as few Sage calls as the request allows: a window of a list is served
by one page where the window fits one, a batch of ids by whichever is cheaper of one GET per id
or the pages of the whole list, and reference lists once per request.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from ledgergraph import model
from ledgergraph.connectors.sage import mapping
from ledgergraph.connectors.sage.client import MAX_ITEMS_PER_PAGE, SageClient
from ledgergraph.connectors.sage.resources import Mapper, Resource
from ledgergraph.errors import NotFound
from ledgergraph.types import BusinessRef, TenantId


class MapperFactory(Protocol):
    def __call__(
        self,
        country_code: str | None,
        overrides: Mapping[str, Any] | None = None,
        *,
        business_id: str,
        currency: str | None = None,
    ) -> Mapper: ...


# At or below this many ids, a batch is fetched one GET per id without listing first.
SMALL_BATCH = 3
FULL = {"attributes": "all"}
# Sage sends a contact's balance only when asked for it.
_ASKED: dict[str, dict[str, str]] = {"contacts": {"show_balance": "true"}}


def _full(resource: Resource) -> dict[str, str]:
    return {**FULL, **_ASKED.get(resource.name, {})}


class SageReads:
    def __init__(self, client: SageClient, tenant: TenantId, mappers: MapperFactory) -> None:
        self._client = client
        self.tenant = tenant
        self._mappers = mappers
        self._mapper_cache: dict[str, Mapper] = {}

    async def business(self, business: str | None) -> BusinessRef:
        return await self._client.business_for(self.tenant, business)

    async def _country_free_mapper(self, business_id: str) -> Mapper:
        connection = await self._client.connection(self.tenant)
        return self._mappers(None, connection.overrides, business_id=business_id)

    async def mapper(self, business_id: str) -> Mapper:
        mapper = self._mapper_cache.get(business_id)
        if mapper is None:
            connection = await self._client.connection(self.tenant)
            ref = await self._client.business_for(self.tenant, business_id)
            country, currency = ref.country_code, ref.currency
            if country is None or currency is None:
                details, settings = await asyncio.gather(
                    self._client.get(
                        self.tenant, f"/businesses/{business_id}", business=business_id
                    ),
                    self._client.get(self.tenant, "/financial_settings", business=business_id),
                )
                country = country or (details.get("country") or {}).get("id")
                currency = currency or (settings.get("base_currency") or {}).get("id")
            mapper = self._mappers(
                country, connection.overrides, business_id=business_id, currency=currency
            )
            self._mapper_cache[business_id] = mapper
        return mapper

    async def business_details(self, business_id: str) -> model.Business:
        """``/businesses/{id}``: about the user's business, readable even when its
        subscription has lapsed (its books are not)."""
        details = await self._client.get(
            self.tenant, f"/businesses/{business_id}", business=business_id
        )
        mapper = await self._country_free_mapper(business_id)
        return mapper.business(details, None)

    async def financial_settings(self, business_id: str) -> model.FinancialSettings:
        payload = await self._client.get(self.tenant, "/financial_settings", business=business_id)
        return mapping.financial_settings(payload)

    async def window(
        self,
        resource: Resource,
        business_id: str,
        *,
        offset: int,
        size: int,
        filters: Mapping[str, Any] | None = None,
    ) -> tuple[list[Any], int]:
        """Items ``offset .. offset+size`` of the filtered list, and the list's total."""
        per_page, pages = _pages_for(offset, size)
        bodies = await self._pages(resource, business_id, pages, per_page=per_page, filters=filters)
        first_index = (pages[0] - 1) * per_page
        items = [item for body in bodies for item in body.get("$items", [])]
        total = int(bodies[0].get("$total", 0)) if bodies else 0
        selected = items[offset - first_index : offset - first_index + size]
        if offset >= total:
            selected = []
        mapper = await self.mapper(business_id)
        return [resource.build(mapper, item) for item in selected], total

    async def one(self, resource: Resource, business_id: str, remote_id: str) -> Any | None:
        try:
            payload = await self._client.get(
                self.tenant,
                f"{resource.path}/{remote_id}",
                business=business_id,
                params=_ASKED.get(resource.name),
            )
        except NotFound:
            return None
        return resource.build(await self.mapper(business_id), payload)

    async def everything(self, resource: Resource, business_id: str) -> list[Any]:
        payloads = await self._all_payloads(resource, business_id)
        mapper = await self.mapper(business_id)
        return [resource.build(mapper, p) for p in payloads]

    async def many(
        self, resource: Resource, business_id: str, remote_ids: Iterable[str]
    ) -> dict[str, Any]:
        """The objects with these ids (absent ones missing from the result)."""
        wanted = list(dict.fromkeys(remote_ids))
        if len(wanted) <= SMALL_BATCH:
            return await self._by_get(resource, business_id, wanted)
        mapper = await self.mapper(business_id)
        (first,) = await self._pages(resource, business_id, [1])
        found = {str(p["id"]): p for p in first.get("$items", [])}
        missing = [i for i in wanted if i not in found]
        pages = _page_count(first)
        result = {i: resource.build(mapper, found[i]) for i in wanted if i in found}
        if not missing:
            return result
        # The rest of the list, unless one GET per missing id costs fewer calls.
        if pages - 1 <= len(missing):
            bodies = await self._pages(resource, business_id, range(2, pages + 1))
            rest = {str(p["id"]): p for body in bodies for p in body.get("$items", [])}
            result.update({i: resource.build(mapper, rest[i]) for i in missing if i in rest})
            return result
        result.update(await self._by_get(resource, business_id, missing))
        return result

    async def _by_get(
        self, resource: Resource, business_id: str, remote_ids: list[str]
    ) -> dict[str, Any]:
        found = await asyncio.gather(*(self.one(resource, business_id, i) for i in remote_ids))
        return {i: obj for i, obj in zip(remote_ids, found, strict=True) if obj is not None}

    async def _all_payloads(self, resource: Resource, business_id: str) -> list[dict[str, Any]]:
        (first,) = await self._pages(resource, business_id, [1])
        rest = await self._pages(resource, business_id, range(2, _page_count(first) + 1))
        return [item for body in (first, *rest) for item in body.get("$items", [])]

    async def _pages(
        self,
        resource: Resource,
        business_id: str,
        numbers: Iterable[int],
        *,
        per_page: int = MAX_ITEMS_PER_PAGE,
        filters: Mapping[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """These pages of the (filtered) list with every attribute, asked for at once: the one
        way this module pages, so equal pages share one cache entry and one call."""
        bodies: list[dict[str, Any]] = await asyncio.gather(
            *(
                self._client.get(
                    self.tenant,
                    resource.path,
                    business=business_id,
                    params={
                        **_full(resource),
                        **(filters or {}),
                        "page": p,
                        "items_per_page": per_page,
                    },
                )
                for p in numbers
            )
        )
        return bodies


def _page_count(first: Mapping[str, Any]) -> int:
    """How many full-size pages the list has, from its first page."""
    return math.ceil(int(first.get("$total", 0)) / MAX_ITEMS_PER_PAGE)


def _pages_for(offset: int, size: int) -> tuple[int, list[int]]:
    """(items_per_page, page numbers) covering ``offset .. offset+size`` in fewest calls."""
    for per_page in (min(size, MAX_ITEMS_PER_PAGE), MAX_ITEMS_PER_PAGE):
        start = (offset // per_page) * per_page
        if offset + size <= start + per_page:
            return per_page, [offset // per_page + 1]
    per_page = min(size, MAX_ITEMS_PER_PAGE)
    first, last = offset // per_page, (offset + size - 1) // per_page
    return per_page, list(range(first + 1, last + 2))
