"""Resolvers of the tenant's Sage connection: read it, choose a business, disconnect, and mint
connect links."""

from __future__ import annotations

from typing import Annotated

import strawberry

from ledgergraph.connectors.sage.links import ConnectLinks
from ledgergraph.resolvers.arguments import business_id
from ledgergraph.resolvers.context import Info
from ledgergraph.schema.connection import ConnectLinkType, SageConnection


async def resolve_connection(info: Info) -> SageConnection:
    context = info.context
    return SageConnection.of(await context.runtime.connections.get(context.tenant))


async def resolve_select_business(
    info: Info,
    id: Annotated[
        strawberry.ID,
        strawberry.argument(description="The business's global ID (Business.id)."),
    ],
) -> SageConnection:
    context = info.context
    business = business_id(str(id), field="id")
    return SageConnection.of(await context.runtime.connect.select(context.tenant, business))


async def resolve_disconnect(info: Info) -> SageConnection:
    context = info.context
    return SageConnection.of(await context.runtime.connect.disconnect(context.tenant))


async def resolve_create_connect_link(
    info: Info,
    return_url: Annotated[
        str | None,
        strawberry.argument(
            description="Where the browser goes afterwards, with connected=1&business=<id> or "
            "connected=0&error=... appended; must be allowed by "
            "LEDGERGRAPH_CONNECT_RETURN_URLS (default: LEDGERGRAPH_CONNECT_RETURN_URL)."
        ),
    ] = None,
) -> ConnectLinkType:
    context = info.context
    link = await ConnectLinks.of(context.runtime).create(context.tenant, return_url=return_url)
    return ConnectLinkType(url=link.url, expires_at=link.expires_at)
