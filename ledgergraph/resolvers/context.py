"""The per-request GraphQL context.

Built for every HTTP request and for every WebSocket *operation* — never once per socket —
so dataloaders and their caches cannot outlive the request that filled them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from strawberry.types import Info as StrawberryInfo

from ledgergraph.auth import Principal
from ledgergraph.connectors.sage.connections import Connection
from ledgergraph.connectors.sage.reads import SageReads
from ledgergraph.resolvers.loaders import Loaders
from ledgergraph.runtime import Runtime
from ledgergraph.types import TenantId


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


Info = StrawberryInfo[Context, None]
