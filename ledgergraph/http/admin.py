"""Operator endpoints under ``/admin/``, behind the admin API key (``LEDGERGRAPH_ADMIN_API_KEY``).

    GET  /admin/tenants                        every tenant and its connection status
    GET  /admin/tenants/{tenant}               one tenant
    POST /admin/tenants/{tenant}/disconnect    forget (and revoke) the tenant's Sage tokens
    POST /admin/tenants/{tenant}/connect-link  a one-time link that connects the tenant to Sage
                                               (JSON body, optional: {"returnUrl", "ttlSeconds"})
    POST /admin/tenants/{tenant}/api-keys      a new tenant API key, shown this once
                                               (JSON body: {"scope": "read"|"write", "name"})
    GET  /admin/tenants/{tenant}/api-keys      the tenant's API keys (prefixes, never secrets)
    POST /admin/tenants/{tenant}/api-keys/{prefix}/revoke   refused from the next request on
    POST /admin/tenants/{tenant}/api-keys/{prefix}/rotate   a new key; the old one works for
                                               {"graceSeconds"} more (default 86400)
    GET  /admin/tenants/{tenant}/mapping-overrides   the tenant's mapping overrides
    PUT  /admin/tenants/{tenant}/mapping-overrides   replace them (JSON body: {"tax_rates":
                                               {...}, "ledger_accounts": {...}}), checked
                                               against the selected business (?business=<id>)
    *    /admin/tenants/{tenant}/sage/{path}   the Sage passthrough (``http/passthrough.py``)
    GET  /admin/sage-usage                     today's use of the Sage app's budget, fleet-wide,
                                               and the heaviest tenants (?top=N, default 10)

The key is read from ``Authorization: Bearer <key>`` or ``X-Admin-Key`` only: a key in the URL
would end up in browser histories, proxy and access logs, so a request carrying one there is
refused outright. Keys are compared in constant time. Without a configured key these routes
do not exist (404).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any, Final

from aiohttp import web

from ledgergraph.auth import TENANT_ID, Scope
from ledgergraph.cache import StoreError
from ledgergraph.connectors.sage.connections import Connection
from ledgergraph.connectors.sage.links import ConnectLinks
from ledgergraph.connectors.sage.reads import SageReads
from ledgergraph.errors import (
    BadUserInput,
    LedgerGraphError,
    NotConnected,
    ServiceUnavailable,
    Unauthenticated,
)
from ledgergraph.http.errors import error_body
from ledgergraph.http.keys import RUNTIME
from ledgergraph.http.passthrough import ADMIN_ROUTE, admin_passthrough
from ledgergraph.ids import encode
from ledgergraph.resolvers import mapping_overrides
from ledgergraph.resolvers.loaders import Loaders
from ledgergraph.security.api_keys import parse_scope
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


AdminHandler = Callable[[web.Request], Awaitable[web.Response]]
TenantHandler = Callable[[web.Request, TenantId], Awaitable[web.Response]]


def _admin(handler: AdminHandler) -> AdminHandler:
    """The route answers only to the admin key."""

    async def route(request: web.Request) -> web.Response:
        if (refused := _refusal(request)) is not None:
            return refused
        return await handler(request)

    return route


def _for_tenant(handler: TenantHandler) -> AdminHandler:
    """An admin route about the ``{tenant}`` in its path (a valid tenant id)."""

    async def route(request: web.Request) -> web.Response:
        value = request.match_info["tenant"]
        if not TENANT_ID.match(value):
            return _error(BadUserInput("Not a tenant id."), 400)
        return await handler(request, TenantId(value))

    return _admin(route)


def _error(
    error: LedgerGraphError, status: int, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=error_body(error),
        status=status,
        content_type="application/json",
        headers=_NO_STORE | (headers or {}),
    )


async def _json_object(request: web.Request) -> dict[str, Any] | web.Response:
    raw = await request.read()
    try:
        body = json.loads(raw) if raw.strip() else {}
    except ValueError:
        return _error(BadUserInput("The body must be JSON."), 400)
    if not isinstance(body, dict):
        return _error(BadUserInput("The body must be a JSON object."), 400)
    return body


def _business(ref: BusinessRef | None) -> dict[str, Any] | None:
    if ref is None:
        return None
    return {
        "id": encode("Business", ref.id, ref.id),
        "remoteId": ref.id,
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


MAX_TOP = 1000


@_admin
async def sage_usage(request: web.Request) -> web.Response:
    """Today's calls against the Sage app's daily budget, slots in flight, and the tenants
    that spent the most (their calls today and slots held now)."""
    raw = request.query.get("top", "10")
    if not raw.isdigit() or not 0 <= int(raw) <= MAX_TOP:
        return _error(BadUserInput(f"top must be a whole number from 0 to {MAX_TOP}."), 400)
    budget = request.app[RUNTIME].sage_budget
    if budget is None:
        return web.json_response({"enabled": False}, headers=_NO_STORE)
    try:
        usage = await budget.usage(top=int(raw))
    except StoreError:
        return _error(ServiceUnavailable("LedgerGraph's store is unavailable; retry shortly."), 503)
    return web.json_response({"enabled": True, **usage.as_json()}, headers=_NO_STORE)


@_admin
async def list_tenants(request: web.Request) -> web.Response:
    connections = request.app[RUNTIME].connections
    described = []
    for tenant in sorted(await connections.tenants()):
        connection = await connections.get(tenant)
        if connection is not None:
            described.append(_describe(connection))
    return web.json_response({"tenants": described}, headers=_NO_STORE)


@_for_tenant
async def show_tenant(request: web.Request, tenant: TenantId) -> web.Response:
    connection = await request.app[RUNTIME].connections.get(tenant)
    if connection is None:
        return _error(NotConnected(f"No tenant {tenant!r} has connected."), 404)
    return web.json_response(_describe(connection), headers=_NO_STORE)


@_for_tenant
async def disconnect_tenant(request: web.Request, tenant: TenantId) -> web.Response:
    runtime = request.app[RUNTIME]
    if await runtime.connections.get(tenant) is None:
        return _error(NotConnected(f"No tenant {tenant!r} has connected."), 404)
    connection = await runtime.connect.disconnect(tenant)
    return web.json_response(_describe(connection), headers=_NO_STORE)


@_for_tenant
async def create_connect_link(request: web.Request, tenant: TenantId) -> web.Response:
    body = await _link_request(request)
    if isinstance(body, web.Response):
        return body
    return_url, ttl = body
    try:
        link = await ConnectLinks.of(request.app[RUNTIME]).create(
            tenant, return_url=return_url, ttl=ttl
        )
    except BadUserInput as exc:
        return _error(exc, 400)
    return web.json_response(
        {"url": link.url, "expiresAt": link.expires_at.isoformat()}, status=201, headers=_NO_STORE
    )


async def _link_request(request: web.Request) -> tuple[str | None, float | None] | web.Response:
    body = await _json_object(request)
    if isinstance(body, web.Response):
        return body
    return_url, ttl = body.get("returnUrl"), body.get("ttlSeconds")
    if return_url is not None and not isinstance(return_url, str):
        return _error(BadUserInput("returnUrl must be a string.", field="returnUrl"), 400)
    if ttl is not None and (isinstance(ttl, bool) or not isinstance(ttl, int | float)):
        return _error(BadUserInput("ttlSeconds must be a number.", field="ttlSeconds"), 400)
    return return_url, None if ttl is None else float(ttl)


# -- tenant API keys -------------------------------------------------------------------------

DEFAULT_GRACE = 24 * 3600.0


def _api_key_error(exc: LedgerGraphError) -> web.Response:
    return _error(exc, 404 if exc.code == "NOT_FOUND" else 400)


@_for_tenant
async def create_api_key(request: web.Request, tenant: TenantId) -> web.Response:
    body = await _json_object(request)
    if isinstance(body, web.Response):
        return body
    name = body.get("name")
    if name is not None and not isinstance(name, str):
        return _error(BadUserInput("name must be a string.", field="name"), 400)
    try:
        scope = parse_scope(body.get("scope", Scope.READ.value))
        key, record = await request.app[RUNTIME].api_keys.create(tenant, scope, name=name)
    except LedgerGraphError as exc:
        return _api_key_error(exc)
    described = record.describe(record.created_at)
    return web.json_response({"key": key, **described}, status=201, headers=_NO_STORE)


@_for_tenant
async def list_api_keys(request: web.Request, tenant: TenantId) -> web.Response:
    now = time.time()
    found = await request.app[RUNTIME].api_keys.for_tenant(tenant)
    return web.json_response({"apiKeys": [k.describe(now) for k in found]}, headers=_NO_STORE)


@_for_tenant
async def revoke_api_key(request: web.Request, tenant: TenantId) -> web.Response:
    try:
        record = await request.app[RUNTIME].api_keys.revoke(tenant, request.match_info["prefix"])
    except LedgerGraphError as exc:
        return _api_key_error(exc)
    return web.json_response(record.describe(time.time()), headers=_NO_STORE)


@_for_tenant
async def rotate_api_key(request: web.Request, tenant: TenantId) -> web.Response:
    body = await _json_object(request)
    if isinstance(body, web.Response):
        return body
    grace = body.get("graceSeconds", DEFAULT_GRACE)
    if isinstance(grace, bool) or not isinstance(grace, int | float):
        return _error(BadUserInput("graceSeconds must be a number.", field="graceSeconds"), 400)
    try:
        key, record = await request.app[RUNTIME].api_keys.rotate(
            tenant, request.match_info["prefix"], grace=float(grace)
        )
    except LedgerGraphError as exc:
        return _api_key_error(exc)
    described = record.describe(record.created_at)
    return web.json_response(
        {"key": key, **described, "replaces": request.match_info["prefix"]},
        status=201,
        headers=_NO_STORE,
    )


# -- mapping overrides -----------------------------------------------------------------------

_OVERRIDE_STATUS = {"BAD_USER_INPUT": 400, "NOT_FOUND": 404, "NOT_CONNECTED": 404}


def _overrides(tenant: TenantId, connection: Connection | None) -> web.Response:
    data = mapping_overrides.stored(connection).to_json()
    return web.json_response({"tenant": tenant, "overrides": data}, headers=_NO_STORE)


@_for_tenant
async def show_mapping_overrides(request: web.Request, tenant: TenantId) -> web.Response:
    connection = await request.app[RUNTIME].connections.get(tenant)
    if connection is None:
        return _error(NotConnected(f"No tenant {tenant!r} has connected."), 404)
    return _overrides(tenant, connection)


@_for_tenant
async def replace_mapping_overrides(request: web.Request, tenant: TenantId) -> web.Response:
    runtime = request.app[RUNTIME]
    if await runtime.connections.get(tenant) is None:
        return _error(NotConnected(f"No tenant {tenant!r} has connected."), 404)
    body = await _json_object(request)
    if isinstance(body, web.Response):
        return body
    try:
        overrides = mapping_overrides.parse(body)
        business = await runtime.sage.business_for(tenant, request.query.get("business"))
        loaders = Loaders(SageReads(runtime.sage, tenant, runtime.mappers))
        await mapping_overrides.check_ids(loaders, business.id, overrides)
        kept = await mapping_overrides.store(runtime.connections, tenant, overrides)
    except LedgerGraphError as exc:
        return _error(exc, _OVERRIDE_STATUS.get(exc.code, 409))
    return web.json_response({"tenant": tenant, "overrides": kept.to_json()}, headers=_NO_STORE)


@_admin
async def sage_passthrough(request: web.Request) -> web.Response:
    return await admin_passthrough(request)


def add_routes(app: web.Application, key: str) -> None:
    app[ADMIN_KEY] = AdminKey(key)
    app.router.add_get("/admin/tenants", list_tenants)
    app.router.add_get("/admin/sage-usage", sage_usage)
    app.router.add_get("/admin/tenants/{tenant}", show_tenant)
    app.router.add_post("/admin/tenants/{tenant}/disconnect", disconnect_tenant)
    app.router.add_post("/admin/tenants/{tenant}/connect-link", create_connect_link)
    app.router.add_post("/admin/tenants/{tenant}/api-keys", create_api_key)
    app.router.add_get("/admin/tenants/{tenant}/api-keys", list_api_keys)
    app.router.add_post("/admin/tenants/{tenant}/api-keys/{prefix}/revoke", revoke_api_key)
    app.router.add_post("/admin/tenants/{tenant}/api-keys/{prefix}/rotate", rotate_api_key)
    app.router.add_get("/admin/tenants/{tenant}/mapping-overrides", show_mapping_overrides)
    app.router.add_put("/admin/tenants/{tenant}/mapping-overrides", replace_mapping_overrides)
    app.router.add_route("*", ADMIN_ROUTE, sage_passthrough)
