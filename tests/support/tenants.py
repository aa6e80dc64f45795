"""Tenants connected to the sandbox through the real connect flow."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from tests.support.browser import connect
from tests.support.server import LiveServer


@dataclass(frozen=True, slots=True)
class Tenant:
    name: str
    token: str
    business_id: str


async def connect_tenant(
    http: httpx.AsyncClient,
    server: LiveServer,
    name: str,
    *,
    user_id: str,
    choose: str | None = None,
) -> Tenant:
    """Connect ``name`` to the Sage user ``user_id`` (on business ``choose``, if given)."""
    token = server.token(name)
    await connect(http, server.url, token, user_id=user_id, choose=choose)
    body = await server.graphql(http, name, "{ connection { status business { remoteId } } }")
    connection = body["data"]["connection"]
    assert connection["status"] == "CONNECTED", body
    return Tenant(name, token, connection["business"]["remoteId"])
