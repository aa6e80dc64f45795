"""Bearer authentication of ``/v3.1/`` requests, plus Sage's error body and request-id header."""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from aiohttp import web
from aiohttp.typedefs import Handler

from ledgergraph.sandbox.api.errors import Problem, SageError
from ledgergraph.sandbox.keys import REQUEST_USER, TOKENS

API_PREFIX = "/v3.1/"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH"})


def sage_error(
    status: int, data_code: str, message: str, *, headers: Mapping[str, str] | None = None
) -> web.Response:
    """Sage's error answer (one problem), for the middlewares that answer before any handler."""
    response = SageError(status, [Problem(data_code, message)]).response()
    response.headers.update(headers or {})
    return response


def unauthorized() -> web.Response:
    return sage_error(401, "AuthorizationFailure", "Access denied.")


def bearer_token(request: web.Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def is_api_request(request: web.Request) -> bool:
    return request.path.startswith(API_PREFIX)


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not is_api_request(request):
        return await handler(request)
    token = bearer_token(request)
    entry = request.app[TOKENS].authenticate(token) if token else None
    if entry is None:
        return unauthorized()
    if request.method in WRITE_METHODS and request.body_exists and not _is_json(request):
        return sage_error(
            415, "UnsupportedMediaType", "Only application/json request bodies are accepted."
        )
    request[REQUEST_USER] = entry.grant.user_id
    return await handler(request)


def _is_json(request: web.Request) -> bool:
    content_type = request.content_type
    return content_type == "application/json" or content_type.endswith("+json")


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Stamp API answers with ``X-Request-Id``, the id Sage asks callers to quote to support."""
    if not is_api_request(request):
        return await handler(request)
    request_id = secrets.token_hex(16)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers["X-Request-Id"] = request_id
        raise
    if not response.prepared:  # a streamed answer has sent its headers already
        response.headers["X-Request-Id"] = request_id
    return response
