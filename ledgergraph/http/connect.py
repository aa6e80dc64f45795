"""``/connect/sage``, ``/oauth/sage/callback`` and the business chooser: the browser side of
the connect flow (the logic is in ``connectors/sage/connect.py``)."""

from __future__ import annotations

from aiohttp import web

from ledgergraph.errors import ConnectFlowError, LedgerGraphError
from ledgergraph.http import pages
from ledgergraph.http.errors import error_body
from ledgergraph.http.keys import RUNTIME
from ledgergraph.types import BusinessRef, TenantId


def _wants_html(request: web.Request) -> bool:
    accept = request.headers.get("Accept", "")
    return "text/html" in accept or not accept or accept == "*/*"


def _failure(request: web.Request, error: LedgerGraphError, status: int = 400) -> web.Response:
    if _wants_html(request):
        return web.Response(
            text=pages.error(error.message), status=status, content_type="text/html"
        )
    return web.Response(body=error_body(error), status=status, content_type="application/json")


async def start(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    try:
        link = request.query.get("link")
        if link:
            tenant: TenantId = await runtime.connect.redeem_link(link)
        else:
            tenant = runtime.authenticator.authenticate(request.headers.get("Authorization")).tenant
        url = await runtime.connect.start(tenant)
    except LedgerGraphError as exc:
        return _failure(request, exc, 401 if exc.code == "UNAUTHENTICATED" else 400)
    raise web.HTTPFound(url)


async def callback(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    try:
        result = await runtime.connect.complete(
            state=request.query.get("state"),
            code=request.query.get("code"),
            error=request.query.get("error"),
        )
    except LedgerGraphError as exc:
        return _failure(request, exc)
    connection = result.connection
    if result.needs_choice:
        token = runtime.connect.chooser_token(connection.tenant)
        return web.Response(
            text=pages.chooser(connection.available, token), content_type="text/html"
        )
    return _finished(request, connection.business)


async def select(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    form = await request.post()
    try:
        tenant = runtime.connect.tenant_from_chooser(str(form.get("chooser", "")))
        connection = await runtime.connect.select(tenant, str(form.get("business_id", "")))
    except LedgerGraphError as exc:
        return _failure(request, exc)
    return _finished(request, connection.business)


def _finished(request: web.Request, business: BusinessRef | None) -> web.Response:
    return_url = request.app[RUNTIME].settings.connect_return_url
    if return_url:
        raise web.HTTPFound(return_url)
    if business is None:
        return _failure(request, ConnectFlowError("No business was selected."))
    return web.Response(text=pages.success(business), content_type="text/html")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/connect/sage", start)
    app.router.add_get("/oauth/sage/callback", callback)
    app.router.add_post("/connect/sage/select", select)
