"""The per-request GraphQL context.

Built for every HTTP request and for every WebSocket *operation* — never once per socket —
so dataloaders and their caches cannot outlive the request that filled them.

It implements ``ledgergraph.schema.request.Request``: what the schema's computed fields
(references, business details) ask of the request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from strawberry.dataloader import DataLoader
from strawberry.types import Info as StrawberryInfo

from ledgergraph import kinds, model
from ledgergraph.auth import Principal
from ledgergraph.connectors.sage.connections import Connection
from ledgergraph.connectors.sage.links import ConnectLinks
from ledgergraph.connectors.sage.reads import SageReads
from ledgergraph.errors import NotFound
from ledgergraph.ids import GlobalId
from ledgergraph.resolvers import attachments, relations
from ledgergraph.resolvers.loaders import Loaders
from ledgergraph.runtime import Runtime
from ledgergraph.schema.request import Request
from ledgergraph.types import BusinessRef, TenantId


@dataclass(slots=True)
class Context:
    runtime: Runtime
    principal: Principal
    headers: Mapping[str, str] = field(default_factory=dict)
    # Set when a mutation answered from its idempotency record (see the IdempotentReplay
    # extension, which reports it in the response's extensions).
    idempotent_replay: bool = False
    _loaders: Loaders | None = None
    _connection: Connection | None = None

    @property
    def tenant(self) -> TenantId:
        return self.principal.tenant

    async def connection(self) -> Connection:
        """The tenant's connection, read once per request."""
        if self._connection is None:
            self._connection = await self.runtime.sage.connection(self.tenant)
        return self._connection

    @property
    def loaders(self) -> Loaders:
        if self._loaders is None:
            reads = SageReads(self.runtime.sage, self.tenant, self.runtime.mappers)
            self._loaders = Loaders(
                reads, batching=self.runtime.settings.dataloaders, visible=self._visible
            )
        return self._loaders

    async def _visible(self) -> Sequence[BusinessRef]:
        return (await self.connection()).available

    def release(self) -> None:
        """The request is answered: let go of what it loaded, now.

        A DataLoader holds its own bound ``load_fn``, a reference cycle, so a dropped loader
        and everything its cache and last batch hold (the request's invoices, lines, contacts)
        would wait for a full garbage collection (a warm request of the bench's mix left ~990
        such objects; ~310 with this). Emptied here, they go by reference counting at once."""
        loaders, self._loaders, self._connection = self._loaders, None, None
        if loaders is None:
            return
        emptied: list[DataLoader[Any, Any]] = [
            loaders.business,
            loaders.financial_settings,
            loaders.nodes,
            *(loaders.of(resource) for kind in kinds.KINDS for resource in kind.resources),
            *loaders.keyed_loaders(),
        ]
        for loader in emptied:
            loader.clear_all()
            loader.batch = None

    def forget(self) -> None:
        """Drop what the request cached (loaders, connection): the next read starts afresh."""
        self._loaders = None
        self._connection = None

    async def load_node(self, gid: GlobalId) -> Any:
        """The object a global ID names, if this tenant can see it (else ``NotFound``): straight
        into the request's loaders, so every ID asked for in one tick is one batch."""
        return await self.loaders.nodes.load(gid)

    # -- Request: what the schema's computed fields ask -------------------------------------

    def referenced(self, business_id: str, ref: model.Ref | None, kind: kinds.ObjectKind) -> Any:
        if ref is None:
            return None
        key = (business_id, ref.id)
        if len(kind.resources) == 1:
            # The loader's own future: no coroutine and no task per reference field (a page
            # of documents follows several references per object).
            found = self.loaders.of(kind.resources[0]).load(key)
            if isinstance(found, asyncio.Future) and found.done() and found.exception() is None:
                # Answered already (a list's prefetch, a warm cache): the object itself, so
                # graphql-core completes it at once instead of awaiting it.
                return found.result()
            return found
        return self.loaders.load(kind, key)

    async def referenced_item(self, line: model.LineItem) -> model.Item | None:
        if line.item is None:
            return None
        # The line says which: one read, not a product miss before the service.
        resource = kinds.SERVICES if line.item_kind is model.ItemKind.SERVICE else kinds.PRODUCTS
        item: model.Item | None = await self.loaders.of(resource).load(
            (line.business_id, line.item.id)
        )
        return item

    async def business_details(self, business_id: str) -> model.Business:
        return await self.loaders.business.load(business_id)

    async def financial_settings(self, business_id: str) -> model.FinancialSettings:
        return await self.loaders.financial_settings.load(business_id)

    async def is_selected_business(self, business_id: str) -> bool:
        selected: BusinessRef | None = (await self.connection()).business
        return selected is not None and selected.id == business_id

    async def new_connect_url(self) -> str:
        return (await ConnectLinks.of(self.runtime).create(self.tenant)).url

    async def current_object(self, gid: GlobalId) -> Any:
        try:
            return await self.load_node(gid)
        except NotFound:
            return None  # deleted again since the event

    async def documents_of(
        self, contact: model.Contact, kind: kinds.ObjectKind, first: int | None, after: str | None
    ) -> Any:
        return await relations.documents_of(self, contact, kind, first=first, after=after)

    async def payments_of(self, document: model.Document) -> list[model.Payment]:
        return await relations.payments_of(self, document)

    async def attachments_of(self, parent: model.Record) -> list[Any]:
        return await attachments.attachments_of(self, parent)

    def attachment_download_url(self, attachment: model.Record) -> str:
        return attachments.download_url(self, attachment)

    async def whole_list(self, business_id: str, kind: kinds.ObjectKind) -> list[Any]:
        return list(await self.loaders.whole_list(kind.resource).all(business_id))


def _implements_request(context: Context) -> Request:
    # mypy checks here that Context provides everything the schema's fields ask for.
    return context


Info = StrawberryInfo[Context, None]
