"""HTTP error answers in GraphQL's error shape, so clients parse one format everywhere."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import orjson
from aiohttp import web

from ledgergraph.errors import LedgerGraphError, RateLimited, ServiceUnavailable, Unauthenticated

# Strawberry's own refusals (plain-text reasons) and the stable codes they get here.
_TRANSPORT_CODES = (
    ("Batching is not enabled", "BATCHING_NOT_SUPPORTED"),
    ("Too many operations", "BATCHING_NOT_SUPPORTED"),
    ("not allowed when using GET", "OPERATION_NOT_ALLOWED"),
    ("only supports GET and POST", "METHOD_NOT_ALLOWED"),
    ("Not Found", "NOT_FOUND"),
)


def error_body(error: LedgerGraphError) -> bytes:
    return _body(error.message, dict(error.extensions))


def _body(message: str, extensions: dict[str, Any]) -> bytes:
    payload: dict[str, Any] = {"errors": [{"message": message, "extensions": extensions}]}
    return orjson.dumps(payload)


def http_error(error: LedgerGraphError) -> web.HTTPException:
    headers: dict[str, str] = {}
    cls: type[web.HTTPException] = web.HTTPBadRequest
    if isinstance(error, Unauthenticated):
        cls = web.HTTPUnauthorized
        headers["WWW-Authenticate"] = 'Bearer realm="ledgergraph"'
    elif isinstance(error, RateLimited):
        cls = web.HTTPTooManyRequests
        if error.retry_after is not None:
            headers["Retry-After"] = str(max(1, math.ceil(error.retry_after)))
    elif isinstance(error, ServiceUnavailable):
        cls = web.HTTPServiceUnavailable
    return cls(
        text=error_body(error).decode(), content_type="application/json", headers=headers or None
    )


def transport_error(
    status: int, reason: str, content_type: str = "application/json", *, code: str | None = None
) -> web.Response:
    """One of Strawberry's HTTP refusals (bad body, batch, mutation over GET...) as JSON."""
    code = code or next(
        (c for fragment, c in _TRANSPORT_CODES if fragment in reason), "BAD_REQUEST"
    )
    return web.Response(
        body=_body(reason, {"code": code}),
        status=status,
        content_type=content_type,
        charset="utf-8",
    )


class StreamingTransportRequired(LedgerGraphError):
    """A subscription sent as a plain HTTP request: its results need a stream."""

    code = "STREAMING_TRANSPORT_REQUIRED"


SUBSCRIPTION_TRANSPORTS = ("graphql-transport-ws", "multipart/mixed;subscriptionSpec=1.0")


def streaming_transport_required() -> web.HTTPException:
    return http_error(
        StreamingTransportRequired(
            "Subscriptions stream their results: open a WebSocket to /graphql with the "
            "graphql-transport-ws subprotocol, or send this request with the header "
            "Accept: multipart/mixed;subscriptionSpec=1.0.",
            transports=list(SUBSCRIPTION_TRANSPORTS),
        )
    )


# Statuses of a request refused before it executed (GraphQL over HTTP with
# application/graphql-response+json): the client's document or variables (400) unless the
# server failed.
_REQUEST_ERROR_STATUS = {
    "INTERNAL_SERVER_ERROR": 500,
    "SERVICE_UNAVAILABLE": 503,
}


def request_error_status(codes: Iterable[str]) -> int:
    return max((_REQUEST_ERROR_STATUS.get(code, 400) for code in codes), default=400)
