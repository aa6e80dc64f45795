"""Sage's ``idempotency_id``: a repeated POST/PUT gets the first response back.

The id travels inside the resource's root object and is never echoed. Within the business
and for ``config.idempotency_ttl`` seconds, a repeat returns exactly the first status and
body and changes nothing; the same id on another resource type is refused with
``IdempotencyResourceMismatch`` (HTTP status undocumented; 422 chosen, like other
validation refusals). Outcomes below 500 are remembered, validation errors included: they
are Sage's decision about that request.
"""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from ledgergraph.sandbox.api.errors import Problem, SageError
from ledgergraph.sandbox.api.scope import Scope


def mismatch() -> SageError:
    return SageError(
        422, [Problem("IdempotencyResourceMismatch", "Entity type mismatch", "idempotency_id")]
    )


def once(
    scope: Scope, resource: str, idempotency_id: str | None, run: Callable[[], web.Response]
) -> web.Response:
    if idempotency_id is None or scope.out_of_band:
        return run()
    memory = scope.books.idempotency
    remembered = memory.recall(idempotency_id)
    if remembered is not None:
        if remembered.resource != resource:
            raise mismatch()
        return _response(remembered.status, remembered.body)
    try:
        response = run()
    except SageError as error:
        response = error.response()
    if response.status < 500:
        body = response.body if isinstance(response.body, bytes) else b""
        memory.remember(
            idempotency_id,
            resource=resource,
            status=response.status,
            body=body,
            ttl=scope.config.idempotency_ttl,
        )
    return response


def _response(status: int, body: bytes) -> web.Response:
    if status == 204:
        return web.Response(status=204)
    return web.Response(status=status, body=body, content_type="application/json")
