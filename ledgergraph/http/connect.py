"""``/connect/sage``, ``/oauth/sage/callback`` and the business chooser: the browser side of
the connect flow (the logic is in ``connectors/sage/connect.py``).

A browser starts with a one-time link (``/connect/sage?link=...``, no headers needed); an API
client may start with its tenant JWT in ``Authorization`` instead. Afterwards the browser goes
to the attempt's return URL (signed into the link; default ``LEDGERGRAPH_CONNECT_RETURN_URL``)
with ``connected=1&business=<global id>``, or ``connected=0&error=...`` — or, with no return
URL, sees a page saying what happened.
"""

from __future__ import annotations

from typing import NoReturn

from aiohttp import web

from ledgergraph.connectors.sage.connect import Attempt, ConnectAttemptFailed
from ledgergraph.connectors.sage.links import return_to
from ledgergraph.errors import ConnectFlowError, LedgerGraphError, Unauthenticated
from ledgergraph.http import pages
from ledgergraph.http.errors import error_body
from ledgergraph.http.keys import RUNTIME
from ledgergraph.ids import encode
from ledgergraph.types import BusinessRef

# Link tokens and OAuth states are in these URLs: keep them out of caches and Referer headers.
_PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _wants_html(request: web.Request) -> bool:
    accept = request.headers.get("Accept", "")
    return "text/html" in accept or not accept or accept == "*/*"


def _failure(request: web.Request, error: LedgerGraphError, status: int = 400) -> web.Response:
    if _wants_html(request):
        return web.Response(
            text=pages.error(error.message),
            status=status,
            content_type="text/html",
            headers=_PRIVATE,
        )
    return web.Response(
        body=error_body(error), status=status, content_type="application/json", headers=_PRIVATE
    )


def _redirect(url: str) -> NoReturn:
    raise web.HTTPFound(url, headers=_PRIVATE)


async def start(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    try:
        link = request.query.get("link")
        header = request.headers.get("Authorization")
        if link:
            attempt = await runtime.connect.redeem_link(link)
        elif not header:
            raise Unauthenticated(
                "Open a connect link (from the createConnectLink mutation or "
                "connection.connectUrl), or send the tenant's token as "
                "'Authorization: Bearer <JWT>'."
            )
        else:
            attempt = Attempt(runtime.authenticator.authenticate(header).tenant)
        url = await runtime.connect.start(attempt.tenant, return_url=attempt.return_url)
    except LedgerGraphError as exc:
        return _failure(request, exc, 401 if exc.code == "UNAUTHENTICATED" else 400)
    _redirect(url)


async def callback(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    try:
        result = await runtime.connect.complete(
            state=request.query.get("state"),
            code=request.query.get("code"),
            error=request.query.get("error"),
        )
    except ConnectAttemptFailed as exc:
        back = exc.return_url or runtime.settings.connect_return_url
        if back:
            _redirect(return_to(back, connected="0", error=exc.code, message=exc.message))
        return _failure(request, exc)
    except LedgerGraphError as exc:
        # The state did not verify: nothing says where this browser came from.
        return _failure(request, exc)
    connection = result.connection
    if result.needs_choice:
        token = runtime.connect.chooser_token(connection.tenant, return_url=result.return_url)
        return web.Response(
            text=pages.chooser(connection.available, token),
            content_type="text/html",
            headers=_PRIVATE,
        )
    return _finished(request, connection.business, result.return_url)


async def select(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    form = await request.post()
    try:
        attempt = runtime.connect.open_chooser(str(form.get("chooser", "")))
        connection = await runtime.connect.select(attempt.tenant, str(form.get("business_id", "")))
    except LedgerGraphError as exc:
        return _failure(request, exc)
    return _finished(request, connection.business, attempt.return_url)


def _finished(
    request: web.Request, business: BusinessRef | None, return_url: str | None
) -> web.Response:
    back = return_url or request.app[RUNTIME].settings.connect_return_url
    if business is None:
        return _failure(request, ConnectFlowError("No business was selected."))
    if back:
        _redirect(
            return_to(back, connected="1", business=encode("Business", business.id, business.id))
        )
    return web.Response(text=pages.success(business), content_type="text/html", headers=_PRIVATE)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/connect/sage", start)
    app.router.add_get("/oauth/sage/callback", callback)
    app.router.add_post("/connect/sage/select", select)
