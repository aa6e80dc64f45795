"""Writes to Sage that are safe to retry.

Every create/update carries Sage's body-level ``idempotency_id`` (derived from the tenant,
business and the client's key), so a POST retried after a timeout, a reset after sending, a
5xx or a 429 cannot create a second object at Sage. Retries honour ``Retry-After``, back off
with jitter and stop at a budget; a 4xx Sage decided is final and never retried.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, Literal

import httpx

from ledgergraph.connectors.sage.client import SageClient, SageResponse
from ledgergraph.connectors.sage.retry import RetryPolicy
from ledgergraph.errors import RateLimited, UpstreamUnavailable
from ledgergraph.types import TenantId

Attempt = Callable[[], Awaitable[SageResponse]]


class SageWrites:
    def __init__(
        self,
        client: SageClient,
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._client = client
        self.retry = retry or RetryPolicy(attempts=5, budget=30.0)
        self._sleep = sleep

    async def write(
        self,
        method: Literal["POST", "PUT"],
        tenant: TenantId,
        business: str,
        path: str,
        root: str,
        body: dict[str, Any],
        idempotency_id: str,
    ) -> dict[str, Any]:
        """Create (POST) or update (PUT) with Sage's ``idempotency_id`` in the root object."""
        payload = {root: {**body, "idempotency_id": idempotency_id}}
        response = await self._with_retries(
            lambda: self._client.send(tenant, method, path, business=business, json=payload)
        )
        result: dict[str, Any] = response.body
        return result

    async def delete(
        self,
        tenant: TenantId,
        business: str,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        already_done: Callable[[], Awaitable[bool]],
    ) -> SageResponse | None:
        """DELETE carries no idempotency id: before a retry, ask ``already_done`` whether the
        previous attempt took effect (e.g. the invoice is VOID now)."""
        first = True

        async def attempt() -> SageResponse:
            nonlocal first
            if not first and await already_done():
                return SageResponse(200, None, httpx.Headers())
            first = False
            return await self._client.send(tenant, "DELETE", path, business=business, params=params)

        return await self._with_retries(attempt)

    async def _with_retries(self, attempt: Attempt) -> SageResponse:
        policy = self.retry
        deadline = time.monotonic() + policy.budget
        tries = 0
        while True:
            try:
                return await attempt()
            except (UpstreamUnavailable, RateLimited) as exc:
                tries += 1
                retry_after = exc.retry_after if isinstance(exc, RateLimited) else None
                wait = policy.backoff(tries - 1, retry_after=retry_after)
                if tries >= policy.attempts or time.monotonic() + wait > deadline:
                    raise
                await self._sleep(wait)
