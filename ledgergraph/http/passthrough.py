"""The Sage passthrough over HTTP (the rules are in ``connectors/sage/passthrough.py``).

    GET|POST|PUT|DELETE /sage/{path}                        a tenant API key
                                                            (Authorization: Bearer lgk_...)
    GET|POST|PUT|DELETE /admin/tenants/{tenant}/sage/{path} the admin API key

``?business=`` picks the business (default: the selected one); other query parameters go to
Sage. Writes need ``Idempotency-Key`` and a ``write`` key (or the admin key). The answer is
Sage's status and JSON body; LedgerGraph's own refusals are in GraphQL's error shape with a
code. Tenant JWTs are not accepted here: they are minted for a signed-in user of a front end,
and raw Sage access is for a tenant's back-end integrations (API keys) and operators.

Every call is logged on ``ledgergraph.audit``: who, tenant, method, path (no query values),
business, status, duration.
"""

from __future__ import annotations

import logging
import time

from aiohttp import web

from ledgergraph.auth import TENANT_ID, Principal
from ledgergraph.connectors.sage.passthrough import (
    METHODS,
    Passthrough,
    PassthroughRequest,
    SageAnswer,
    business_argument,
    check_params,
    check_path,
    json_body,
)
from ledgergraph.errors import (
    BadUserInput,
    BusinessUnavailable,
    ConnectionProblem,
    InsufficientScope,
    LedgerGraphError,
    NotFound,
    RateLimited,
    ServiceUnavailable,
    Unauthenticated,
    UpstreamError,
)
from ledgergraph.http.errors import error_body
from ledgergraph.http.keys import RUNTIME
from ledgergraph.idempotency import IdempotencyInProgress, IdempotencyKeyReused
from ledgergraph.runtime import Runtime
from ledgergraph.types import TenantId

__all__ = ["add_routes", "admin_passthrough", "tenant_passthrough"]

audit = logging.getLogger("ledgergraph.audit")
TENANT_ROUTE = "/sage/{path:.*}"
ADMIN_ROUTE = "/admin/tenants/{tenant}/sage/{path:.*}"
_NO_STORE = {"Cache-Control": "no-store"}


def passthrough_of(runtime: Runtime) -> Passthrough:
    return Passthrough(
        runtime.sage,
        runtime.idempotency,
        read_retry=runtime.sage.retry,
        write_retry=runtime.writes.retry,
    )


def _status(error: LedgerGraphError) -> int:
    if isinstance(error, Unauthenticated):
        return 401
    if isinstance(error, InsufficientScope | BusinessUnavailable):
        return 403
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, ConnectionProblem | IdempotencyInProgress | IdempotencyKeyReused):
        return 409
    if isinstance(error, RateLimited):
        return 429
    if isinstance(error, ServiceUnavailable):
        return 503
    if isinstance(error, UpstreamError):
        return 502
    if isinstance(error, BadUserInput):
        return 400
    return 500


def refusal(error: LedgerGraphError) -> web.Response:
    headers = dict(_NO_STORE)
    if isinstance(error, Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="ledgergraph"'
    if isinstance(error, RateLimited) and error.retry_after is not None:
        headers["Retry-After"] = str(max(1, round(error.retry_after + 0.5)))
    return web.Response(
        body=error_body(error),
        status=_status(error),
        content_type="application/json",
        headers=headers,
    )


def _raw_path(request: web.Request, head: str) -> str:
    """The undecoded path after ``head``: what is checked is what arrived, before any layer
    could decode ``%2e%2e`` or ``%2f`` into something else."""
    raw = request.raw_path.split("?", 1)[0]
    if not raw.startswith(head):
        raise BadUserInput("The Sage path must follow /sage/ directly.", field="path")
    return raw[len(head) :]


async def _forward(
    request: web.Request, tenant: TenantId, principal: Principal | None, head: str
) -> web.Response:
    runtime = request.app[RUNTIME]
    started = time.perf_counter()
    who = "admin" if principal is None else f"api-key:{principal.api_key}"
    path = "/" + request.match_info.get("path", "")[:200]
    answer: SageAnswer | None = None
    status = 500
    try:
        if request.method not in METHODS:
            raise BadUserInput(f"Method {request.method} is not passed to Sage.")
        path = check_path(_raw_path(request, head), runtime.settings.sage_passthrough_paths)
        query = [(k, v) for k, v in request.query.items() if k != "business"]
        call = PassthroughRequest(
            method=request.method,
            path=path,
            params=check_params(query),
            business=business_argument(request.query.get("business")),
            body=json_body(request.method, await request.read()),
            idempotency_key=request.headers.get("Idempotency-Key"),
            can_write=principal is None or principal.can_write,
        )
        answer = await passthrough_of(runtime).call(tenant, call)
        status = answer.status
    except LedgerGraphError as exc:
        status = _status(exc)
        return refusal(exc)
    finally:
        audit.info(
            "sage passthrough: %s tenant=%s %s %s business=%s status=%d%s %.0f ms",
            who,
            tenant,
            request.method,
            path,
            answer.business if answer else "-",
            status,
            " (replay)" if answer and answer.replayed else "",
            (time.perf_counter() - started) * 1000,
        )
    assert answer is not None
    headers = dict(_NO_STORE)
    if answer.replayed:
        headers["Idempotent-Replay"] = "true"
    return web.Response(
        body=answer.body, status=answer.status, content_type="application/json", headers=headers
    )


async def tenant_passthrough(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    try:
        principal = await runtime.authenticate(request.headers.get("Authorization"))
        if principal.api_key is None:
            raise InsufficientScope(
                "The Sage passthrough takes a tenant API key (Authorization: Bearer lgk_...), "
                "not a tenant JWT; an operator creates one with ledgergraph api-keys create.",
            )
        if runtime.requests is not None:
            await runtime.requests.admit(principal.tenant)
    except LedgerGraphError as exc:
        audit.info(
            "sage passthrough refused: %s %s: %s",
            request.method,
            request.path[:200],
            exc.code,
        )
        return refusal(exc)
    return await _forward(request, principal.tenant, principal, "/sage/")


async def admin_passthrough(request: web.Request) -> web.Response:
    """Behind the admin key (checked by ``admin.py`` before this runs)."""
    value = request.match_info["tenant"]
    if not TENANT_ID.match(value):
        return refusal(BadUserInput("Not a tenant id."))
    tenant = TenantId(value)
    runtime = request.app[RUNTIME]
    if runtime.requests is not None:
        try:
            await runtime.requests.admit(tenant)
        except LedgerGraphError as exc:
            return refusal(exc)
    return await _forward(request, tenant, None, f"/admin/tenants/{tenant}/sage/")


def add_routes(app: web.Application) -> None:
    app.router.add_route("*", TENANT_ROUTE, tenant_passthrough)
