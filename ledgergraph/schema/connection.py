"""GraphQL types of the tenant's Sage connection, and of the links that connect it."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import cast

import strawberry

from ledgergraph.connectors.sage.connections import Connection
from ledgergraph.connectors.sage.links import ConnectLinks
from ledgergraph.resolvers.context import Info
from ledgergraph.schema.business import Business
from ledgergraph.types import ConnectionStatus


@strawberry.enum(description="Whether the tenant's Sage connection can serve requests.")
class ConnectionStatusEnum(Enum):
    CONNECTED = ConnectionStatus.CONNECTED.value
    NOT_CONNECTED = ConnectionStatus.NOT_CONNECTED.value
    REAUTH_REQUIRED = ConnectionStatus.REAUTH_REQUIRED.value
    BUSINESS_UNAVAILABLE = ConnectionStatus.BUSINESS_UNAVAILABLE.value


@strawberry.type(
    name="ConnectLink",
    description="A one-time, short-lived URL that a browser opens, with no headers, to connect "
    "this tenant to Sage.",
)
class ConnectLinkType:
    url: str = strawberry.field(
        description="<public URL>/connect/sage?link=<token>: works once, until expiresAt."
    )
    expires_at: dt.datetime = strawberry.field(description="When the link stops working.")


@strawberry.type(name="SageConnection", description="The tenant's connection to Sage Accounting.")
class SageConnection:
    status: ConnectionStatusEnum

    @strawberry.field(description="The business every request goes to (sent as X-Business).")
    def business(self) -> Business | None:
        if self.record is None or self.record.business is None:
            return None
        return cast(Business, self.record.business)

    @strawberry.field(description="The Sage user's businesses; pick one with selectBusiness.")
    def available_businesses(self) -> list[Business]:
        return cast(list[Business], list(self.record.available if self.record else ()))

    message: str | None = strawberry.field(description="What to do next, when not CONNECTED.")
    record: strawberry.Private[Connection | None]

    @strawberry.field(
        description="A one-time, short-lived link (see createConnectLink) a browser opens to "
        "connect or reconnect; a new one each time it is asked for."
    )
    async def connect_url(self, info: Info) -> str:
        context = info.context
        return (await ConnectLinks.of(context.runtime).create(context.tenant)).url
