"""Resolvers of the tenant's Sage connection: read it, choose a business, disconnect."""

from __future__ import annotations

import strawberry

from ledgergraph.connectors.sage.connections import Connection
from ledgergraph.resolvers.context import Context, Info
from ledgergraph.schema.connection import ConnectedBusiness, ConnectionStatusEnum, ConnectionType
from ledgergraph.types import ConnectionStatus


def to_graphql(context: Context, connection: Connection | None) -> ConnectionType:
    url = f"{context.runtime.public_url.rstrip('/')}/connect/sage"
    if connection is None:
        return ConnectionType(
            status=ConnectionStatusEnum.NOT_CONNECTED,
            business=None,
            available_businesses=[],
            message="Not connected to Sage yet: open connectUrl in a browser to connect.",
            connect_url=url,
        )
    message = connection.reason
    if connection.status is ConnectionStatus.CONNECTED:
        message = None
    return ConnectionType(
        status=ConnectionStatusEnum(connection.status.value),
        business=ConnectedBusiness.from_ref(connection.business) if connection.business else None,
        available_businesses=[ConnectedBusiness.from_ref(b) for b in connection.available],
        message=message,
        connect_url=url,
    )


async def resolve_connection(info: Info) -> ConnectionType:
    context = info.context
    return to_graphql(context, await context.runtime.connections.get(context.tenant))


async def resolve_select_business(info: Info, id: strawberry.ID) -> ConnectionType:
    context = info.context
    return to_graphql(context, await context.runtime.connect.select(context.tenant, str(id)))


async def resolve_disconnect(info: Info) -> ConnectionType:
    context = info.context
    return to_graphql(context, await context.runtime.connect.disconnect(context.tenant))
