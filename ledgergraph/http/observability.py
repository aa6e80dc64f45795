"""Per-request observability: request ids, HTTP metrics, the access log, server spans, and the
``/metrics`` route.

An inbound ``X-Request-Id`` (a sensible one: up to 128 characters of ``[A-Za-z0-9._:@/+=-]``)
is used as the request's id, else one is generated; either way every response echoes it, and
every log line written while the request runs carries it.
"""

from __future__ import annotations

import logging
import time
from typing import Final

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler

from ledgergraph.observability import metrics, request_context, tracing
from ledgergraph.observability.logs import ACCESS_LOGGER, FIELDS
from ledgergraph.observability.request_context import REQUEST_ID_HEADER, RequestInfo

__all__ = ["add_routes", "echo_request_id", "observe"]

access_log = logging.getLogger(ACCESS_LOGGER)
INFO: Final = web.RequestKey("ledgergraph.request_info", RequestInfo)
_WEBSOCKET_OPEN: Final = web.RequestKey("ledgergraph.websocket_open", bool)
UNMATCHED = "unmatched"
# Probes and scrapes every few seconds: their access lines are DEBUG, not INFO.
_QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})


def route_of(request: web.Request) -> str:
    """The route template (``/admin/tenants/{tenant}``): a bounded label, no ids in it."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else UNMATCHED


@web.middleware
async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
    info = RequestInfo(request_context.request_id_from(request.headers.get(REQUEST_ID_HEADER)))
    request[INFO] = info
    token = request_context.begin(info)
    route = route_of(request)
    started = time.perf_counter()
    status = 500
    try:
        with tracing.server_span(request.method, route, request.path, request.headers) as span:
            try:
                response = await handler(request)
            except web.HTTPException as exc:
                status = exc.status
                tracing.set_status(span, status)
                raise
            except BaseException as exc:
                tracing.set_status(span, None, exc)
                raise
            status = response.status
            tracing.set_status(span, status)
            return response
    finally:
        elapsed = time.perf_counter() - started
        if request.get(_WEBSOCKET_OPEN):
            metrics.WEBSOCKETS_OPEN.dec()
        metrics.HTTP_REQUESTS.labels(request.method, route, str(status)).inc()
        metrics.HTTP_LATENCY.labels(request.method, route).observe(elapsed)
        _access(request, route, status, elapsed, info)
        request_context.end(token)


def _access(
    request: web.Request, route: str, status: int, elapsed: float, info: RequestInfo
) -> None:
    level = logging.DEBUG if route in _QUIET_ROUTES and status < 400 else logging.INFO
    if not access_log.isEnabledFor(level):
        return
    latency_ms = round(elapsed * 1000, 1)
    fields = {
        "method": request.method,
        "path": request.path,
        "route": route,
        "status": status,
        "latency_ms": latency_ms,
        "sage_calls": info.sage_calls,
        "remote": request.remote,
        "user_agent": request.headers.get(hdrs.USER_AGENT),
    }
    operation = f" {info.operation}" if info.operation else ""
    access_log.log(
        level,
        "%s %s%s %d %.1f ms",
        request.method,
        request.path,
        operation,
        status,
        latency_ms,
        extra={FIELDS: fields},
    )


async def echo_request_id(request: web.Request, response: web.StreamResponse) -> None:
    """``on_response_prepare``: every answer (errors and WebSocket upgrades included) names
    the request id; browsers may read it across origins."""
    info = request.get(INFO)
    if info is None:
        return
    response.headers[REQUEST_ID_HEADER] = info.request_id
    if hdrs.ACCESS_CONTROL_ALLOW_ORIGIN in response.headers:
        exposed = response.headers.get(hdrs.ACCESS_CONTROL_EXPOSE_HEADERS)
        response.headers[hdrs.ACCESS_CONTROL_EXPOSE_HEADERS] = (
            f"{exposed}, {REQUEST_ID_HEADER}" if exposed else REQUEST_ID_HEADER
        )
    if isinstance(response, web.WebSocketResponse) and not request.get(_WEBSOCKET_OPEN):
        request[_WEBSOCKET_OPEN] = True
        metrics.WEBSOCKETS_OPEN.inc()
        metrics.WEBSOCKETS_OPENED.inc()


async def scrape(request: web.Request) -> web.Response:
    return web.Response(
        body=metrics.exposition(), headers={hdrs.CONTENT_TYPE: metrics.CONTENT_TYPE_LATEST}
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/metrics", scrape)
