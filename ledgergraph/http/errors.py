"""HTTP error answers in GraphQL's error shape, so clients parse one format everywhere."""

from __future__ import annotations

import math
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


def transport_error(status: int, reason: str) -> web.Response:
    """One of Strawberry's HTTP refusals (bad body, batch, mutation over GET...) as JSON."""
    code = next((c for fragment, c in _TRANSPORT_CODES if fragment in reason), "BAD_REQUEST")
    return web.Response(
        body=_body(reason, {"code": code}), status=status, content_type="application/json"
    )
