"""CORS for ``/graphql``: browsers on allowed origins may call it, others may not.

Allowed are the configured origins (``LEDGERGRAPH_CORS_ORIGINS``; ``*`` for any) and, outside
production mode, any page served from this machine (``http://localhost:<port>``,
``http://127.0.0.1:<port>``, ``http://[::1]:<port>``, or https), so a front-end dev server on
its own port works with nothing configured. In production only the configured list counts.

Tenant tokens travel in the ``Authorization`` header, never in cookies, so no credentials are
allowed cross-origin and a page on a foreign origin cannot act with anyone's identity anyway;
the allow-list keeps it from even reading answers. The middleware answers preflights; every
answer of ``/graphql`` -- errors (401, 429) and streamed subscriptions included -- gets its
headers as it is sent (``cors_headers``), so a browser app can read why it was refused.
WebSocket handshakes are left to the view's origin check, which asks the same
``AllowedOrigins``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

__all__ = ["AllowedOrigins", "cors_headers", "cors_middleware", "normalize_origin"]

PATHS = frozenset({"/graphql"})
ALLOW_METHODS = "GET, POST, OPTIONS"
ALLOW_HEADERS = (
    "Authorization, Content-Type, Idempotency-Key, Accept, GraphQL-Preflight, "
    "Apollo-Require-Preflight"
)
EXPOSE_HEADERS = "Retry-After"
MAX_AGE = "600"
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def normalize_origin(origin: str) -> str:
    return origin.strip().rstrip("/").lower()


@dataclass(frozen=True, slots=True)
class AllowedOrigins:
    """Which browser origins may use ``/graphql`` (HTTP and WebSocket alike)."""

    listed: frozenset[str]
    loopback: bool = False

    @classmethod
    def of(cls, origins: Collection[str], *, loopback: bool = False) -> AllowedOrigins:
        return cls(frozenset(normalize_origin(o) for o in origins), loopback)

    def permits(self, origin: str) -> bool:
        normalized = normalize_origin(origin)
        return (
            "*" in self.listed
            or normalized in self.listed
            or (self.loopback and _is_loopback(normalized))
        )


def _is_loopback(origin: str) -> bool:
    try:
        parts = urlsplit(origin)
        parts.port  # noqa: B018 -- raises ValueError on a malformed port
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and parts.hostname in LOOPBACK_HOSTS
        and parts.username is None
        and not parts.path
        and not parts.query
        and not parts.fragment
    )


def _applies(request: web.Request) -> str | None:
    """The Origin of a cross-origin-capable ``/graphql`` request (not a WebSocket handshake)."""
    origin = request.headers.get("Origin")
    if (
        origin is None
        or request.path not in PATHS
        or request.headers.get("Upgrade", "").lower() == "websocket"
    ):
        return None
    return origin


def cors_middleware(origins: AllowedOrigins) -> Middleware:
    """Answers preflights: 204 with the allowed methods and headers, or 403."""

    @web.middleware
    async def cors(request: web.Request, handler: Handler) -> web.StreamResponse:
        origin = _applies(request)
        if (
            origin is None
            or request.method != "OPTIONS"
            or "Access-Control-Request-Method" not in request.headers
        ):
            return await handler(request)
        if not origins.permits(origin):
            return web.Response(status=403, text="Origin not allowed", headers={"Vary": "Origin"})
        return web.Response(
            status=204,
            headers=_headers(origin)
            | {
                "Access-Control-Allow-Methods": ALLOW_METHODS,
                "Access-Control-Allow-Headers": ALLOW_HEADERS,
                "Access-Control-Max-Age": MAX_AGE,
            },
        )

    return cors


def cors_headers(
    origins: AllowedOrigins,
) -> Callable[[web.Request, web.StreamResponse], Awaitable[None]]:
    """An ``on_response_prepare`` hook: the CORS headers of every answer, as it is sent."""

    async def add(request: web.Request, response: web.StreamResponse) -> None:
        origin = _applies(request)
        if origin is None or "Access-Control-Allow-Origin" in response.headers:
            return
        if origins.permits(origin):
            response.headers.update(_headers(origin))
        else:
            response.headers.setdefault("Vary", "Origin")

    return add


def _headers(origin: str) -> dict[str, str]:
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Expose-Headers": EXPOSE_HEADERS,
        "Vary": "Origin",
    }
