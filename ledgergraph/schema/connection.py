"""GraphQL types of the tenant's Sage connection, and of the links that connect it."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

import strawberry

from ledgergraph.connectors.sage.connections import Connection as StoredConnection
from ledgergraph.schema.business import Business
from ledgergraph.schema.request import Info
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


def _business(root: strawberry.Parent[SageConnection]) -> Any:
    return None if root.record is None else root.record.business


def _available_businesses(root: strawberry.Parent[SageConnection]) -> Any:
    return list(root.record.available if root.record else ())


async def _connect_url(info: Info) -> str:
    return await info.context.new_connect_url()


@strawberry.type(name="SageConnection", description="The tenant's connection to Sage Accounting.")
class SageConnection:
    status: ConnectionStatusEnum
    message: str | None = strawberry.field(description="What to do next, when not CONNECTED.")
    record: strawberry.Private[StoredConnection | None]
    business: Business | None = strawberry.field(
        resolver=_business,
        description="The business every request goes to (sent as X-Business).",
    )
    available_businesses: list[Business] = strawberry.field(
        resolver=_available_businesses,
        description="The Sage user's businesses; pick one with selectBusiness.",
    )
    connect_url: str = strawberry.field(
        resolver=_connect_url,
        description="A one-time, short-lived link (see createConnectLink) a browser opens to "
        "connect or reconnect; a new one each time it is asked for.",
    )

    @classmethod
    def of(cls, stored: StoredConnection | None) -> SageConnection:
        """The GraphQL view of the tenant's stored connection (None: never connected)."""
        if stored is None:
            return cls(
                status=ConnectionStatusEnum.NOT_CONNECTED,
                message="Not connected to Sage yet: open connectUrl in a browser to connect.",
                record=None,
            )
        message = None if stored.status is ConnectionStatus.CONNECTED else stored.reason
        return cls(status=ConnectionStatusEnum(stored.status.value), message=message, record=stored)
