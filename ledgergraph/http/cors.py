"""CORS for ``/graphql``: browsers on the configured origins may call it, others may not.

Tenant tokens travel in the ``Authorization`` header, never in cookies, so no credentials are
allowed cross-origin and a page on a foreign origin cannot act with anyone's identity anyway;
the allow-list keeps it from even reading answers. Error answers (401, 429) carry the same
headers, so a browser app can read why it was refused. WebSocket handshakes are left to the
view's own origin check (``allowed_origins``).
"""

from __future__ import annotations

from collections.abc import Collection

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

__all__ = ["cors_middleware", "normalize_origin"]

PATHS = frozenset({"/graphql"})
ALLOW_METHODS = "GET, POST, OPTIONS"
ALLOW_HEADERS = "Authorization, Content-Type, Idempotency-Key, Accept"
EXPOSE_HEADERS = "Retry-After"
MAX_AGE = "600"


def normalize_origin(origin: str) -> str:
    return origin.strip().rstrip("/").lower()


def cors_middleware(origins: Collection[str]) -> Middleware:
    allowed = frozenset(normalize_origin(o) for o in origins)
    any_origin = "*" in allowed

    def permitted(origin: str) -> bool:
        return any_origin or normalize_origin(origin) in allowed

    @web.middleware
    async def cors(request: web.Request, handler: Handler) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if (
            origin is None
            or request.path not in PATHS
            or request.headers.get("Upgrade", "").lower() == "websocket"
        ):
            return await handler(request)
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            if not permitted(origin):
                return web.Response(
                    status=403, text="Origin not allowed", headers={"Vary": "Origin"}
                )
            return web.Response(
                status=204,
                headers=_headers(origin)
                | {
                    "Access-Control-Allow-Methods": ALLOW_METHODS,
                    "Access-Control-Allow-Headers": ALLOW_HEADERS,
                    "Access-Control-Max-Age": MAX_AGE,
                },
            )
        try:
            response = await handler(request)
        except web.HTTPException as refused:
            if permitted(origin):
                refused.headers.update(_headers(origin))
            raise
        if not response.prepared:
            if permitted(origin):
                response.headers.update(_headers(origin))
            else:
                response.headers.setdefault("Vary", "Origin")
        return response

    return cors


def _headers(origin: str) -> dict[str, str]:
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Expose-Headers": EXPOSE_HEADERS,
        "Vary": "Origin",
    }
