"""The Sage Accounting v3.1 HTTP client.

One shared ``httpx.AsyncClient`` per process. Every request carries ``Authorization`` and
``X-Business`` — the business always comes from the tenant's connection (or an explicit,
checked ``business`` argument), never from Sage's lead-business default.

Every Sage call of the API — reads, writes, the passthrough and the sync poller — goes through
one transport policy, ``SageClient.exchange``:

* each attempt first spends from the business's upstream budget (``security/ratelimit.py``),
  when one is set: over it, ``RATE_LIMITED`` and no call;
* at most ``max_concurrency`` calls are in flight at once in this client, and each attempt
  holds a slot of the Sage app's fleet-wide budget (``budget.py``: in flight, per day, by
  priority and fair between tenants) while it runs: no slot within the wait bound,
  ``RATE_LIMITED``; the day spent, ``SAGE_QUOTA_EXHAUSTED`` — either way Sage is not called,
  and a write refused so fails to its caller, never queued;
* a 401 on a token believed valid costs one forced refresh and one more attempt (Sage did not
  process a request it refused to authorize);
* connection errors, 429 and 502/503/504 are retried with backoff and jitter, at least Sage's
  ``Retry-After``, within the ``RetryPolicy``'s attempts and time budget — for a GET always, for
  a write only when repeating it cannot do it twice (Sage's ``idempotency_id`` in its body, or
  an ``already_done`` check asked before each repeat).

``get`` and ``send`` turn Sage's errors into LedgerGraph's; the passthrough keeps Sage's answer.
A cached read the Sage budget refuses is answered from the cache's stale entry when there is
one (``ResponseCache.stale``): data of a known age rather than an error. Writes never are.
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import httpx
import orjson

from ledgergraph.cache.local_entries import LocalEntry
from ledgergraph.cache.response_cache import ResponseCache
from ledgergraph.connectors.sage import departures
from ledgergraph.connectors.sage.budget import BUDGETED, AppBudget
from ledgergraph.connectors.sage.connections import Connection, Connections
from ledgergraph.connectors.sage.departures import DEPARTED
from ledgergraph.connectors.sage.errors import error_from_response, retry_after
from ledgergraph.connectors.sage.priority import current_priority
from ledgergraph.connectors.sage.retry import RETRYABLE_STATUSES, RetryPolicy
from ledgergraph.connectors.sage.tokens import TokenManager
from ledgergraph.errors import (
    BusinessUnavailable,
    LedgerGraphError,
    NotConnected,
    RateLimited,
    ReauthRequired,
    SageQuotaExhausted,
    UpstreamError,
    UpstreamUnavailable,
)
from ledgergraph.events import EventLog
from ledgergraph.observability import metrics
from ledgergraph.security.ratelimit import UpstreamBudget
from ledgergraph.types import BusinessId, BusinessRef, ConnectionStatus, JSONObject, TenantId

MAX_ITEMS_PER_PAGE = 200
UNSCOPED_KINDS = frozenset({"businesses", "user"})

AlreadyDone = Callable[[], Awaitable[bool]]


@dataclass(frozen=True, slots=True)
class SageResponse:
    status: int
    body: Any
    headers: httpx.Headers


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
        app_budget: AppBudget | None = None,
    ) -> None:
        self._http = http
        self._api_url = api_url.rstrip("/")
        self.tokens = tokens
        self.connections = connections
        self._events = events
        # The policy of reads that name none; writes and the passthrough name their own.
        self.retry = retry or RetryPolicy()
        self._cache = cache
        # Independent Sage calls go out concurrently, but never more than this at once.
        self._concurrency = asyncio.Semaphore(max_concurrency)
        self._sleep = sleep
        self.budget = budget
        # The Sage app's budget, shared by every tenant and every worker.
        self.app_budget = app_budget
        # Cacheable GETs in flight, by (tenant, business, request): a second identical request
        # waits for the first's answer instead of asking Sage again (no stampede on expiry).
        self._inflight: dict[tuple[str, str, str], asyncio.Task[bytes]] = {}

    @property
    def response_cache(self) -> ResponseCache | None:
        """The cache reads go through (``None``: caching is off)."""
        return self._cache

    def with_policy(self, retry: RetryPolicy, *, max_concurrency: int | None = None) -> SageClient:
        """This client reading under ``retry`` (and, if given, a concurrency cap of its own):
        the same HTTP client, tokens, connections, response cache and Sage budget."""
        twin = copy.copy(self)
        twin.retry = retry
        if max_concurrency is not None:
            twin._concurrency = asyncio.Semaphore(max_concurrency)
        return twin

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
        """``GET /businesses`` for the tenant, remembered as the connection's ``available``."""
        items = [item async for item in self._business_items(tenant)]
        refs = tuple(
            BusinessRef(id=BusinessId(str(i["id"])), name=str(i.get("displayed_as", "")))
            for i in items
        )
        return list(await self._remember_businesses(tenant, refs))

    async def _business_items(self, tenant: TenantId) -> AsyncIterator[JSONObject]:
        page = 1
        while True:
            response = await self.exchange(
                tenant,
                "GET",
                "/businesses",
                business=None,
                params={"page": page, "items_per_page": MAX_ITEMS_PER_PAGE},
            )
            if response.status_code >= 400:
                raise _error(response)
            body = orjson.loads(response.content)
            items = body.get("$items", [])
            for item in items:
                yield item
            if not body.get("$next") or not items:
                return
            page += 1

    # -- what Sage's answers change in the connection record --------------------------------
    #
    # A read only reports, except for what Sage alone knows about the connection: which
    # businesses its user can access. These two methods are the only places where the client
    # writes the connection record (the connect flow and the token manager own the rest).

    async def _remember_businesses(
        self, tenant: TenantId, listed: tuple[BusinessRef, ...]
    ) -> tuple[BusinessRef, ...]:
        """Sage's list of the user's businesses becomes ``available`` (keeping the country and
        currency learned at connect time): later requests check a business against it."""
        connection = await self.connection(tenant)
        known = {b.id: b for b in connection.available}
        merged = tuple(known.get(r.id, r) for r in listed)
        if merged != connection.available:
            await self.connections.update(tenant, lambda c: replace(c, available=merged))
        return merged

    async def mark_business_unavailable(self, tenant: TenantId, business: BusinessRef) -> None:
        """The selected business is gone from the Sage user's list (Sage said so): the
        connection turns BUSINESS_UNAVAILABLE, with one CONNECTION event, however many
        requests (or pollers) find out at once."""
        reason = (
            f"The selected Sage business {business.name!r} is no longer available to this "
            "Sage user; select another business or connect again."
        )
        if not _affects(await self.connection(tenant), business):
            return
        changed = False

        def mark(current: Connection) -> Connection:
            nonlocal changed
            changed = _affects(current, business)
            if not changed:
                return current  # changed meanwhile: selected another, or reported already
            return current.with_status(ConnectionStatus.BUSINESS_UNAVAILABLE, reason)

        await self.connections.update(tenant, mark)
        if changed and self._events is not None:
            await self._events.connection_changed(tenant, ConnectionStatus.BUSINESS_UNAVAILABLE)

    async def _check_business_still_there(
        self, tenant: TenantId, ref: BusinessRef, exc: UpstreamError
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
        await self.mark_business_unavailable(tenant, ref)
        raise BusinessUnavailable(
            f"The Sage business {ref.name!r} is no longer available to this Sage user; "
            "select another business or connect again."
        ) from exc

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
            hit = await self._cache.lookup(tenant, ref.id, kind, request_key)
            if hit is not None:
                # Decoded once per process and shared: callers read payloads, never change them.
                return hit.json()
        if not cached:
            raw = await self._fetch(tenant, ref, path, params)
        else:
            flight = (tenant, ref.id, request_key)
            task = self._inflight.get(flight)
            if task is None:
                task = asyncio.create_task(
                    self._fetch(tenant, ref, path, params, cache_as=request_key)
                )
                self._inflight[flight] = task
                task.add_done_callback(lambda _t: self._inflight.pop(flight, None))
            elif (departed := DEPARTED.get()) is not None:
                departed()  # another read's call, on its way for both
            try:
                # Shielded: one waiter giving up does not cancel the others' answer.
                raw = await asyncio.shield(task)
            except (SageQuotaExhausted, RateLimited) as exc:
                stale = await self._stale(tenant, ref.id, kind, request_key, exc)
                if stale is None:
                    raise
                return stale.json()
        return orjson.loads(raw) if raw else None

    async def _stale(
        self, tenant: TenantId, business: str, kind: str, request_key: str, refusal: UpstreamError
    ) -> LocalEntry | None:
        """The cached answer past its TTL, when LedgerGraph's Sage budget (the app's or the
        business's) refused the read: Sage was not asked, and old data of a known age beats
        an error. Not for Sage's own refusals, nor for any other error."""
        by_budget = isinstance(refusal, SageQuotaExhausted) or "budget" in refusal.extra
        if self._cache is None or not by_budget:
            return None
        return await self._cache.stale(tenant, business, kind, request_key)

    async def _fetch(
        self,
        tenant: TenantId,
        ref: BusinessRef,
        path: str,
        params: dict[str, Any] | None,
        *,
        cache_as: str | None = None,
    ) -> bytes:
        kind = resource_kind(path)
        # /businesses and /user are about the Sage user, not one business.
        scoped = kind not in UNSCOPED_KINDS
        try:
            response = await self.exchange(
                tenant, "GET", path, business=ref.id if scoped else None, params=params
            )
            await self._raise_for_error(tenant, ref, response)
        except BaseException:
            # Other processes waiting on this fill fetch at once instead of at its lease's end.
            if cache_as is not None and self._cache is not None:
                await self._cache.abandon(tenant, ref.id, kind, cache_as)
            raise
        raw = response.content
        if cache_as is not None and self._cache is not None:
            await self._cache.put(tenant, ref.id, kind, cache_as, raw)
        return raw

    async def invalidate(self, tenant: TenantId, business: str, *kinds: str) -> None:
        if self._cache is not None:
            await self._cache.invalidate(tenant, business, *kinds)

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
        retry: RetryPolicy | None = None,
        idempotent: bool = False,
        already_done: AlreadyDone | None = None,
    ) -> SageResponse:
        """A write, through ``exchange`` (see there for when it is repeated); Sage's errors
        raised as ``UpstreamError`` subclasses, ``ambiguous`` when the outcome is unknown."""
        ref = await self.business_for(tenant, business)
        response = await self.exchange(
            tenant,
            method,
            path,
            business=ref.id,
            params=params,
            json=json,
            retry=retry,
            idempotent=idempotent,
            already_done=already_done,
        )
        await self._raise_for_error(tenant, ref, response)
        return SageResponse(response.status_code, _json_or_none(response), response.headers)

    # -- transport ---------------------------------------------------------------------------

    async def exchange(
        self,
        tenant: TenantId,
        method: str,
        path: str,
        *,
        business: str | None,
        params: Any = None,
        json: Any = None,
        retry: RetryPolicy | None = None,
        idempotent: bool = False,
        already_done: AlreadyDone | None = None,
    ) -> httpx.Response:
        """Sage's answer to one request, whatever its status: the one transport policy.

        Repeated per ``retry`` (default: this client's) on connection errors, 429 and 502-504
        — a GET always; a write only if ``idempotent`` (its body carries Sage's
        ``idempotency_id``) or if ``already_done`` (asked before each repeat; True: the earlier
        attempt took effect, answered as a 204). After the last attempt the retryable answer
        is returned; a connection error is raised as ``UpstreamUnavailable``, ``ambiguous``
        for a write, since the request may have reached Sage.
        """
        repeatable = method == "GET" or idempotent or already_done is not None
        policy = (retry or self.retry) if repeatable else RetryPolicy.none()
        deadline = time.monotonic() + policy.budget
        token = await self.tokens.access_token(tenant)
        refreshed = False
        attempt = 0
        # What the attempt before a repeat got, in case a budget refuses the repeat.
        earlier: httpx.Response | httpx.TransportError | None = None
        while True:
            response: httpx.Response | None = None
            failure: httpx.TransportError | None = None
            try:
                response = await self._attempt(method, path, tenant, business, token, params, json)
            except httpx.TransportError as exc:
                failure = exc
                wait = policy.backoff(attempt)
            except (RateLimited, SageQuotaExhausted):
                # No budget for a repeat: answer as when the attempts run out.
                if isinstance(earlier, httpx.Response):
                    return earlier
                if earlier is not None:
                    raise _unreachable(method, earlier) from earlier
                raise
            else:
                if response.status_code == 401 and not refreshed:
                    if _inactive_subscription(response):
                        return response  # no token can help with that
                    refreshed = True
                    token = await self.tokens.access_token(tenant, rejected=token)
                    continue
                if response.status_code not in RETRYABLE_STATUSES:
                    return response
                wait = policy.backoff(attempt, retry_after=retry_after(response))
            attempt += 1
            if attempt >= policy.attempts or time.monotonic() + wait > deadline:
                if response is not None:
                    return response
                assert failure is not None
                raise _unreachable(method, failure) from failure
            earlier = response if response is not None else failure
            await self._sleep(wait)
            if already_done is not None and await already_done():
                return httpx.Response(204)

    async def _attempt(
        self,
        method: str,
        path: str,
        tenant: TenantId,
        business: str | None,
        token: str,
        params: Any,
        json: Any,
    ) -> httpx.Response:
        if self.budget is not None:
            await self.budget.spend(tenant, business)
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        if business is not None:
            headers["X-Business"] = business
        async with self._concurrency:
            if self.app_budget is None:
                response = await self._send(method, path, params, json, headers)
            else:
                async with self.app_budget.call(tenant, business):
                    response = await self._send(method, path, params, json, headers)
        if response.status_code == 429:
            metrics.SAGE_TOO_MANY_REQUESTS.labels(current_priority().name.lower()).inc()
        return response

    async def _send(
        self, method: str, path: str, params: Any, json: Any, headers: dict[str, str]
    ) -> httpx.Response:
        # The URL is the configured API and the caller's path; httpx encodes the params. The
        # extension tells the budget's request hook this call has been counted already; a
        # read that waits for its call to leave is told by the transport's trace.
        extensions: dict[str, Any] = {BUDGETED: True}
        departed = DEPARTED.get()
        if departed is not None:
            extensions["trace"] = departures.trace(departed)
        return await self._http.request(
            method,
            f"{self._api_url}{path}",
            params=params,
            json=json,
            headers=headers,
            extensions=extensions,
        )

    async def _raise_for_error(
        self, tenant: TenantId, ref: BusinessRef, response: httpx.Response
    ) -> None:
        if response.status_code < 400:
            return
        error = _error(response)
        if isinstance(error, UpstreamError):
            await self._check_business_still_there(tenant, ref, error)
        raise error


def resource_kind(path: str) -> str:
    """``/contacts/abc`` → ``contacts``: the unit of caching and invalidation."""
    return path.strip("/").split("/", 1)[0]


def _affects(connection: Connection, vanished: BusinessRef) -> bool:
    """Whether a vanished business changes this connection: it is the selected business of
    a connection still CONNECTED (another business vanishing changes nothing selected)."""
    selected = connection.business
    return (
        selected is not None
        and selected.id == vanished.id
        and connection.status is ConnectionStatus.CONNECTED
    )


def _error(response: httpx.Response) -> LedgerGraphError:
    if response.status_code == 401 and _inactive_subscription(response):
        return BusinessUnavailable(
            "This Sage business has no active subscription; its books cannot be read or "
            "written until the subscription is renewed.",
            status=401,
        )
    return error_from_response(response)


def _unreachable(method: str, failure: httpx.TransportError) -> UpstreamUnavailable:
    if method == "GET":
        return UpstreamUnavailable(
            "Could not reach Sage; retry later.", cause=type(failure).__name__
        )
    # The request may or may not have reached Sage: the caller decides what is safe.
    return UpstreamUnavailable(
        "The connection to Sage failed during the request; its outcome is unknown.",
        ambiguous=True,
        cause=type(failure).__name__,
    )


def _inactive_subscription(response: httpx.Response) -> bool:
    # Sage's 401 for a lapsed subscription; refreshing the token cannot help with it.
    return b"No active subscription" in response.content


def _json_or_none(response: httpx.Response) -> Any:
    if not response.content:
        return None
    return response.json()
