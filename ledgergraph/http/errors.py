"""HTTP error answers in GraphQL's error shape, so clients parse one format everywhere."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from ledgergraph.errors import LedgerGraphError, Unauthenticated


def error_body(error: LedgerGraphError) -> bytes:
    payload: dict[str, Any] = {
        "errors": [{"message": error.message, "extensions": dict(error.extensions)}]
    }
    return orjson.dumps(payload)


def http_error(error: LedgerGraphError) -> web.HTTPException:
    status = 401 if isinstance(error, Unauthenticated) else 400
    cls: type[web.HTTPException] = web.HTTPUnauthorized if status == 401 else web.HTTPBadRequest
    headers = {"WWW-Authenticate": 'Bearer realm="ledgergraph"'} if status == 401 else None
    return cls(text=error_body(error).decode(), content_type="application/json", headers=headers)
