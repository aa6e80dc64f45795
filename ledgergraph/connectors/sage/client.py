"""The Sage Accounting v3.1 HTTP client.

One shared ``httpx.AsyncClient`` per process. Every request carries ``Authorization`` and
``X-Business`` — the business always comes from the tenant's connection (or an explicit,
checked ``business`` argument), never from Sage's lead-business default. Reads are retried on
connection errors, 429 and 502/503/504 with backoff and jitter within a time budget; writes are
never blindly retried here (mutations own safe write retries). A 401 on a token believed valid
costs one forced refresh and one retry. Every call first spends from the business's upstream
budget (``security/ratelimit.py``), when one is set: over it, ``RATE_LIMITED`` and no call.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import httpx
import orjson

from ledgergraph.cache.response_cache import ResponseCache
from ledgergraph.connectors.sage.connections import Connection, Connections
from ledgergraph.connectors.sage.errors import error_from_response, retry_after
from ledgergraph.connectors.sage.retry import RETRYABLE_STATUSES, RetryPolicy
from ledgergraph.connectors.sage.tokens import TokenManager
from ledgergraph.errors import (
    BusinessUnavailable,
    NotConnected,
    RateLimited,
    ReauthRequired,
    UpstreamError,
    UpstreamUnavailable,
)
from ledgergraph.events import EventLog
from ledgergraph.security.ratelimit import UpstreamBudget
from ledgergraph.types import BusinessId, BusinessRef, ConnectionStatus, JSONObject, TenantId

MAX_ITEMS_PER_PAGE = 200
UNSCOPED_KINDS = frozenset({"businesses", "user"})


@dataclass(frozen=True, slots=True)
class SageResponse:
    status: int
    body: Any
    headers: httpx.Headers


@dataclass(frozen=True, slots=True)
class Page:
    items: list[JSONObject]
    total: int
    page: int
    items_per_page: int

    @property
    def has_next(self) -> bool:
        return self.page * self.items_per_page < self.total


class SageClient:
    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        api_url: str,
        tokens: TokenManager,
        connections: Connections,
        events: EventLog | None = None,
        retry: RetryPolicy | None = None,
        cache: ResponseCache | None = None,
        max_concurrency: int = 32,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        budget: UpstreamBudget | None = None,
    ) -> None:
        self._http = http
        self._api_url = api_url.rstrip("/")
        self.tokens = tokens
        self.connections = connections
        self._events = events
        self.retry = retry or RetryPolicy()
        self._cache = cache
        # Independent Sage calls go out concurrently, but never more than this at once.
        self._concurrency = asyncio.Semaphore(max_concurrency)
        self._sleep = sleep
        self.budget = budget
        # Cacheable GETs in flight, by (tenant, business, request): a second identical request
        # waits for the first's answer instead of asking Sage again (no stampede on expiry).
        self._inflight: dict[tuple[str, str, str], asyncio.Task[bytes]] = {}

    # -- business resolution ---------------------------------------------------------------

    async def connection(self, tenant: TenantId) -> Connection:
        connection = await self.connections.get(tenant)
        if connection is None:
            raise NotConnected(
                "This tenant has no Sage connection yet: open /connect/sage to connect one."
            )
        return connection

    async def business_for(self, tenant: TenantId, business: str | None = None) -> BusinessRef:
        """The business a request is for: the selected one, or a checked explicit one."""
        connection = await self.connection(tenant)
        if connection.status is ConnectionStatus.REAUTH_REQUIRED:
            raise ReauthRequired(
                connection.reason or "This tenant's Sage connection must be authorized again."
            )
        if business is None:
            if connection.status is ConnectionStatus.BUSINESS_UNAVAILABLE:
                raise BusinessUnavailable(
                    connection.reason
                    or "The selected Sage business is no longer available; select another."
                )
            if connection.business is None:
                raise NotConnected(
                    "No Sage business is selected yet: choose one of availableBusinesses "
                    "with the selectBusiness mutation."
                )
            return connection.business
        if connection.business is not None and connection.business.id == business:
            return connection.business
        for known in connection.available:
            if known.id == business:
                return known
        # Not among the businesses we knew; the user may have gained access since.
        for found in await self.list_businesses(tenant):
            if found.id == business:
                return found
        raise BusinessUnavailable(
            f"Business {business!r} is not among the businesses this Sage user can access."
        )

    async def list_businesses(self, tenant: TenantId) -> list[BusinessRef]:
        """``GET /businesses`` for the tenant; also refreshes the connection's list."""
        items = [item async for item in self._business_items(tenant)]
        refs = tuple(
            BusinessRef(id=BusinessId(str(i["id"])), name=str(i.get("displayed_as", "")))
            for i in items
        )
        connection = await self.connection(tenant)
        known = {b.id: b for b in connection.available}
        merged = tuple(known.get(r.id, r) for r in refs)
        if merged != connection.available:
            await self.connections.update(tenant, lambda c: _with_available(c, merged))
        return list(merged)

    async def _business_items(self, tenant: TenantId) -> AsyncIterator[JSONObject]:
        page = 1
        while True:
            raw = await self._read(
                tenant, None, "/businesses", {"page": page, "items_per_page": MAX_ITEMS_PER_PAGE}
            )
            body = orjson.loads(raw)
            items = body.get("$items", [])
            for item in items:
                yield item
            if not body.get("$next") or not items:
                return
            page += 1

    async def mark_business_unavailable(self, tenant: TenantId, business: BusinessRef) -> None:
        reason = (
            f"The selected Sage business {business.name!r} is no longer available to this "
            "Sage user; select another business or connect again."
        )
        await self.connections.update(
            tenant, lambda c: c.with_status(ConnectionStatus.BUSINESS_UNAVAILABLE, reason)
        )
        if self._events is not None:
            await self._events.connection_changed(tenant, ConnectionStatus.BUSINESS_UNAVAILABLE)

    # -- reads -------------------------------------------------------------------------------

    async def get(
        self,
        tenant: TenantId,
        path: str,
        *,
        business: str | None = None,
        params: dict[str, Any] | None = None,
        cached: bool = True,
    ) -> Any:
        """GET a business-scoped resource, through the response cache when one is set."""
        ref = await self.business_for(tenant, business)
        kind = resource_kind(path)
        request_key = f"{path}?{sorted((params or {}).items())}"
        if cached and self._cache is not None:
            hit = await self._cache.get(tenant, ref.id, kind, request_key)
            if hit is not None:
                return orjson.loads(hit)
        explicit = business is not None
        if not cached:
            raw = await self._fetch(tenant, ref, path, params, explicit=explicit)
        else:
            flight = (tenant, ref.id, request_key)
            task = self._inflight.get(flight)
            if task is None:
                task = asyncio.create_task(
                    self._fetch(tenant, ref, path, params, explicit=explicit, cache_as=request_key)
                )
                self._inflight[flight] = task
                task.add_done_callback(lambda _t: self._inflight.pop(flight, None))
            # Shielded: one waiter giving up does not cancel the others' answer.
            raw = await asyncio.shield(task)
        return orjson.loads(raw) if raw else None

    async def _fetch(
        self,
        tenant: TenantId,
        ref: BusinessRef,
        path: str,
        params: dict[str, Any] | None,
        *,
        explicit: bool,
        cache_as: str | None = None,
    ) -> bytes:
        kind = resource_kind(path)
        try:
            # /businesses and /user are about the Sage user, not one business.
            scoped = kind not in UNSCOPED_KINDS
            raw = await self._read(tenant, ref.id if scoped else None, path, params)
        except UpstreamError as exc:
            await self._check_business_still_there(tenant, ref, exc, explicit=explicit)
            raise
        if cache_as is not None and self._cache is not None:
            await self._cache.put(tenant, ref.id, kind, cache_as, raw)
        return raw

    async def invalidate(self, tenant: TenantId, business: str, *kinds: str) -> None:
        if self._cache is not None:
            await self._cache.invalidate(tenant, business, *kinds)

    async def page(
        self,
        tenant: TenantId,
        path: str,
        *,
        page: int = 1,
        items_per_page: int = 20,
        business: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> Page:
        query = dict(params or {}) | {"page": page, "items_per_page": items_per_page}
        body = await self.get(tenant, path, business=business, params=query)
        return Page(
            items=list(body.get("$items", [])),
            total=int(body.get("$total", 0)),
            page=int(body.get("$page", page)),
            items_per_page=int(body.get("$itemsPerPage", items_per_page)),
        )

    async def pages(
        self,
        tenant: TenantId,
        path: str,
        *,
        business: str | None = None,
        params: dict[str, Any] | None = None,
        items_per_page: int = MAX_ITEMS_PER_PAGE,
    ) -> AsyncIterator[Page]:
        number = 1
        while True:
            current = await self.page(
                tenant,
                path,
                page=number,
                items_per_page=items_per_page,
                business=business,
                params=params,
            )
            yield current
            if not current.has_next or not current.items:
                return
            number += 1

    async def all_items(
        self,
        tenant: TenantId,
        path: str,
        *,
        business: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> list[JSONObject]:
        return [
            item
            async for page in self.pages(tenant, path, business=business, params=params)
            for item in page.items
        ]

    # -- writes ------------------------------------------------------------------------------

    async def send(
        self,
        tenant: TenantId,
        method: str,
        path: str,
        *,
        business: str | None = None,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> SageResponse:
        """One write attempt. Raises ``UpstreamError`` subclasses; never retries by itself
        except once after a 401 (Sage did not process a request it refused to authorize)."""
        ref = await self.business_for(tenant, business)
        token = await self.tokens.access_token(tenant)
        try:
            response = await self._send_once(tenant, method, path, token, ref.id, params, json)
            if response.status_code == 401:
                token = await self.tokens.access_token(tenant, rejected=token)
                response = await self._send_once(tenant, method, path, token, ref.id, params, json)
        except httpx.TransportError as transport:
            # The request may or may not have reached Sage: the caller decides what is safe.
            raise UpstreamUnavailable(
                "The connection to Sage failed during the request; its outcome is unknown.",
                ambiguous=True,
                cause=type(transport).__name__,
            ) from transport
        if response.status_code >= 400:
            error = error_from_response(response)
            await self._check_business_still_there(
                tenant, ref, error, explicit=business is not None
            )
            raise error
        return SageResponse(response.status_code, _json_or_none(response), response.headers)

    # -- transport ---------------------------------------------------------------------------

    async def _read(
        self,
        tenant: TenantId,
        business: str | None,
        path: str,
        params: dict[str, Any] | None,
    ) -> bytes:
        policy = self.retry
        deadline = time.monotonic() + policy.budget
        token = await self.tokens.access_token(tenant)
        refreshed = False
        attempt = 0
        while True:
            try:
                response = await self._send_once(tenant, "GET", path, token, business, params, None)
            except httpx.TransportError as exc:
                error: UpstreamError = UpstreamUnavailable(
                    "Could not reach Sage; retry later.", cause=type(exc).__name__
                )
                wait = policy.backoff(attempt)
            else:
                if response.status_code == 401 and _inactive_subscription(response):
                    raise BusinessUnavailable(
                        "This Sage business has no active subscription; its books cannot be "
                        "read until the subscription is renewed.",
                        status=401,
                    )
                if response.status_code == 401 and not refreshed:
                    refreshed = True
                    token = await self.tokens.access_token(tenant, rejected=token)
                    continue
                if response.status_code < 400:
                    return response.content
                error = error_from_response(response)
                if response.status_code not in RETRYABLE_STATUSES:
                    raise error
                wait = policy.backoff(attempt, retry_after=retry_after(response))
            attempt += 1
            if attempt >= policy.attempts or time.monotonic() + wait > deadline:
                if isinstance(error, RateLimited) and error.retry_after is None:
                    error.retry_after = wait
                raise error
            await self._sleep(wait)

    async def _send_once(
        self,
        tenant: TenantId,
        method: str,
        path: str,
        token: str,
        business: str | None,
        params: dict[str, Any] | None,
        json: Any,
    ) -> httpx.Response:
        if self.budget is not None:
            await self.budget.spend(tenant, business)
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        if business is not None:
            headers["X-Business"] = business
        async with self._concurrency:
            return await self._http.request(
                method, f"{self._api_url}{path}", params=params, json=json, headers=headers
            )

    async def _check_business_still_there(
        self, tenant: TenantId, ref: BusinessRef, exc: UpstreamError, *, explicit: bool
    ) -> None:
        """After a 401/403/404, tell a vanished business apart from an ordinary error."""
        if exc.status not in (401, 403, 404) or exc.extra.get("sageCode") == "RecordNotFound":
            return
        try:
            available = await self.list_businesses(tenant)
        except UpstreamError:
            return
        if any(b.id == ref.id for b in available):
            return
        if not explicit:
            await self.mark_business_unavailable(tenant, ref)
        raise BusinessUnavailable(
            f"The Sage business {ref.name!r} is no longer available to this Sage user; "
            "select another business or connect again."
        ) from exc


def resource_kind(path: str) -> str:
    """``/contacts/abc`` → ``contacts``: the unit of caching and invalidation."""
    return path.strip("/").split("/", 1)[0]


def _with_available(connection: Connection, available: tuple[BusinessRef, ...]) -> Connection:
    return replace(connection, available=available)


def _inactive_subscription(response: httpx.Response) -> bool:
    # Sage's 401 for a lapsed subscription; refreshing the token cannot help with it.
    return b"No active subscription" in response.content


def _json_or_none(response: httpx.Response) -> Any:
    if not response.content:
        return None
    return response.json()
