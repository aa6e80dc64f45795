"""The per-request GraphQL context.

Built for every HTTP request and for every WebSocket *operation* — never once per socket —
so dataloaders and their caches cannot outlive the request that filled them.

It implements ``ledgergraph.schema.request.Request``: what the schema's computed fields
(references, business details) ask of the request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from strawberry.types import Info as StrawberryInfo

from ledgergraph import kinds, model
from ledgergraph.auth import Principal
from ledgergraph.connectors.sage.connections import Connection
from ledgergraph.connectors.sage.links import ConnectLinks
from ledgergraph.connectors.sage.reads import SageReads
from ledgergraph.errors import NotFound
from ledgergraph.ids import GlobalId
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
            self._loaders = Loaders(reads, batching=self.runtime.settings.dataloaders)
        return self._loaders

    def forget(self) -> None:
        """Drop what the request cached (loaders, connection): the next read starts afresh."""
        self._loaders = None
        self._connection = None

    async def load_node(self, gid: GlobalId) -> Any:
        """The object a global ID names, if this tenant can see it (else ``NotFound``)."""
        connection = await self.connection()
        business = next((b for b in connection.available if b.id == gid.business_id), None)
        if business is None:
            # Checked against the caller's own connection before any Sage call.
            raise NotFound(f"No {gid.type_name} with this ID is visible to this tenant.")
        kind = kinds.kind_named(gid.type_name)
        if kind is None:
            raise NotFound(f"There is no object type {gid.type_name!r}.")
        if kind is kinds.BUSINESS:
            return business
        found = await self.loaders.load(kind, (gid.business_id, gid.remote_id))
        if found is None:
            raise NotFound(f"No {gid.type_name} with this ID exists in the business.")
        return found

    # -- Request: what the schema's computed fields ask -------------------------------------

    async def referenced(
        self, business_id: str, ref: model.Ref | None, kind: kinds.ObjectKind
    ) -> Any:
        if ref is None:
            return None
        return await self.loaders.load(kind, (business_id, ref.id))

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


def _implements_request(context: Context) -> Request:
    # mypy checks here that Context provides everything the schema's fields ask for.
    return context


Info = StrawberryInfo[Context, None]
