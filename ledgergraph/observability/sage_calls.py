"""Every Sage request, observed where it leaves the process: the transport under the shared
``httpx.AsyncClient``. Counts and times it by resource, method and status, notes 429s and
retries, adds it to its GraphQL request's tally, and wraps it in a client span.

A retry is recognised as the same method and URL sent again by the same task right after an
attempt that failed in a way the Sage client retries (429, 5xx, 401 with a refresh, no answer).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from contextvars import ContextVar

import httpx

from ledgergraph.observability import metrics, request_context, tracing

__all__ = ["ObservedTransport", "resource_of"]

_RESOURCE = re.compile(r"[a-z][a-z_]{0,39}")
_FAILED_ATTEMPT_STATUSES = frozenset({401, 429, 500, 502, 503, 504})
# (method, URL) of this task's last failed attempt: the next identical request is its retry.
_last_failure: ContextVar[tuple[str, str] | None] = ContextVar(
    "ledgergraph_sage_last_failure", default=None
)


def resource_of(url: httpx.URL, *, api_prefixes: Iterable[str], oauth: dict[str, str]) -> str:
    """A bounded label: the API resource (first path segment), ``oauth_*``, or ``other``."""
    text = str(url.copy_with(query=None))
    for prefix in api_prefixes:
        if text.startswith(prefix):
            segment = text[len(prefix) :].lstrip("/").split("/", 1)[0]
            return segment if _RESOURCE.fullmatch(segment) else metrics.OTHER
    for endpoint, label in oauth.items():
        if endpoint and text == endpoint:
            return label
    return metrics.OTHER


class ObservedTransport(httpx.AsyncBaseTransport):
    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        api_url: str,
        token_url: str,
        revoke_url: str,
    ) -> None:
        self._inner = inner
        self._api_prefixes = (api_url.rstrip("/") + "/",)
        self._oauth = {
            str(httpx.URL(token_url).copy_with(query=None)) if token_url else "": "oauth_token",
            str(httpx.URL(revoke_url).copy_with(query=None)) if revoke_url else "": "oauth_revoke",
        }

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        method = request.method
        resource = resource_of(request.url, api_prefixes=self._api_prefixes, oauth=self._oauth)
        attempt = (method, str(request.url))
        if _last_failure.get() == attempt:
            metrics.SAGE_RETRIES.labels(resource, method).inc()
        _last_failure.set(None)
        business = request.headers.get("X-Business")
        info = request_context.current()
        if info is None:
            return await self._observed(request, method, resource, attempt)
        # Counted for ``extensions.cost`` as well: calls, and rounds (see RequestInfo.rounds).
        rounds = info.sage_call_started(business)
        if metrics.tenant_labels() and info.tenant is not None:
            metrics.TENANT_SAGE_REQUESTS.labels(info.tenant, business or "").inc()
        try:
            return await self._observed(request, method, resource, attempt)
        finally:
            info.sage_call_ended(rounds)

    async def _observed(
        self, request: httpx.Request, method: str, resource: str, attempt: tuple[str, str]
    ) -> httpx.Response:
        started = time.perf_counter()
        with tracing.client_span(method, resource, request.url.host, request.url.path) as span:
            try:
                response = await self._inner.handle_async_request(request)
            except BaseException as exc:
                _last_failure.set(attempt)
                metrics.SAGE_REQUESTS.labels(resource, method, "error").inc()
                metrics.SAGE_LATENCY.labels(resource, method).observe(time.perf_counter() - started)
                tracing.set_status(span, None, exc)
                raise
            status = response.status_code
            tracing.set_status(span, status)
        metrics.SAGE_REQUESTS.labels(resource, method, str(status)).inc()
        metrics.SAGE_LATENCY.labels(resource, method).observe(time.perf_counter() - started)
        if status == 429:
            metrics.SAGE_RATE_LIMITED.labels(resource).inc()
        if status in _FAILED_ATTEMPT_STATUSES:
            _last_failure.set(attempt)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()
