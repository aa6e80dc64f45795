"""Operator endpoints under ``/admin/``, behind the admin API key (``LEDGERGRAPH_ADMIN_API_KEY``).

    GET  /admin/tenants                        every tenant and its connection status
    GET  /admin/tenants/{tenant}               one tenant
    POST /admin/tenants/{tenant}/disconnect    forget (and revoke) the tenant's Sage tokens

The key is read from ``Authorization: Bearer <key>`` or ``X-Admin-Key`` only: a key in the URL
would end up in browser histories, proxy and access logs, so a request carrying one there is
refused outright. Keys are compared in constant time. Without a configured key these routes
do not exist (404).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, Final

from aiohttp import web

from ledgergraph.auth import TENANT_ID
from ledgergraph.connectors.sage.connections import Connection
from ledgergraph.errors import BadUserInput, LedgerGraphError, NotConnected, Unauthenticated
from ledgergraph.http.errors import error_body
from ledgergraph.http.keys import RUNTIME
from ledgergraph.types import BusinessRef, TenantId

__all__ = ["AdminKey", "add_routes"]

# Query parameters that look like someone put a credential in the URL.
_URL_CREDENTIALS = frozenset({"key", "admin_key", "adminkey", "api_key", "apikey", "token"})


class AdminKey:
    def __init__(self, key: str) -> None:
        # Digests of equal length: the comparison time says nothing about the key's length.
        self._digest = hashlib.sha256(key.encode()).digest()

    def matches(self, presented: str | None) -> bool:
        if not presented:
            return False
        return hmac.compare_digest(hashlib.sha256(presented.encode()).digest(), self._digest)


ADMIN_KEY: Final = web.AppKey("ledgergraph.admin_key", AdminKey)
_NO_STORE = {"Cache-Control": "no-store"}


def _presented(request: web.Request) -> str | None:
    header = request.headers.get("X-Admin-Key")
    if header:
        return header.strip()
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def _refusal(request: web.Request) -> web.Response | None:
    if any(name.lower() in _URL_CREDENTIALS for name in request.query):
        return _error(
            BadUserInput(
                "Send the admin key in the Authorization or X-Admin-Key header, never in the URL."
            ),
            400,
        )
    if not request.app[ADMIN_KEY].matches(_presented(request)):
        return _error(
            Unauthenticated("Send the admin API key as 'Authorization: Bearer <key>'."),
            401,
            {"WWW-Authenticate": 'Bearer realm="ledgergraph-admin"'},
        )
    return None


def _error(
    error: LedgerGraphError, status: int, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=error_body(error),
        status=status,
        content_type="application/json",
        headers=_NO_STORE | (headers or {}),
    )


def _tenant(request: web.Request) -> TenantId | web.Response:
    value = request.match_info["tenant"]
    if not TENANT_ID.match(value):
        return _error(BadUserInput("Not a tenant id."), 400)
    return TenantId(value)


def _business(ref: BusinessRef | None) -> dict[str, Any] | None:
    if ref is None:
        return None
    return {
        "id": ref.id,
        "name": ref.name,
        "countryCode": ref.country_code,
        "currency": ref.currency,
    }


def _describe(connection: Connection) -> dict[str, Any]:
    return {
        "tenant": connection.tenant,
        "status": connection.status.value,
        "business": _business(connection.business),
        "availableBusinesses": [_business(b) for b in connection.available],
        "reason": connection.reason,
        "updatedAt": connection.updated_at or None,
    }


async def list_tenants(request: web.Request) -> web.Response:
    if (refused := _refusal(request)) is not None:
        return refused
    connections = request.app[RUNTIME].connections
    described = []
    for tenant in sorted(await connections.tenants()):
        connection = await connections.get(tenant)
        if connection is not None:
            described.append(_describe(connection))
    return web.json_response({"tenants": described}, headers=_NO_STORE)


async def show_tenant(request: web.Request) -> web.Response:
    if (refused := _refusal(request)) is not None:
        return refused
    tenant = _tenant(request)
    if isinstance(tenant, web.Response):
        return tenant
    connection = await request.app[RUNTIME].connections.get(tenant)
    if connection is None:
        return _error(NotConnected(f"No tenant {tenant!r} has connected."), 404)
    return web.json_response(_describe(connection), headers=_NO_STORE)


async def disconnect_tenant(request: web.Request) -> web.Response:
    if (refused := _refusal(request)) is not None:
        return refused
    tenant = _tenant(request)
    if isinstance(tenant, web.Response):
        return tenant
    runtime = request.app[RUNTIME]
    if await runtime.connections.get(tenant) is None:
        return _error(NotConnected(f"No tenant {tenant!r} has connected."), 404)
    connection = await runtime.connect.disconnect(tenant)
    return web.json_response(_describe(connection), headers=_NO_STORE)


def add_routes(app: web.Application, key: str) -> None:
    app[ADMIN_KEY] = AdminKey(key)
    app.router.add_get("/admin/tenants", list_tenants)
    app.router.add_get("/admin/tenants/{tenant}", show_tenant)
    app.router.add_post("/admin/tenants/{tenant}/disconnect", disconnect_tenant)
