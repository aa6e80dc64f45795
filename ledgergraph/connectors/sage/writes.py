"""Writes to Sage that are safe to retry.

Every create/update carries Sage's body-level ``idempotency_id`` (derived from the tenant,
business and the client's key), so the client's transport (``SageClient.exchange``) may repeat
a POST or PUT after a timeout, a reset after sending, a 429 or a 502-504 without creating a
second object at Sage. A DELETE carries no such id: it is repeated only after asking whether
the earlier attempt took effect. A 4xx Sage decided is final and never retried; a failure
whose outcome is unknown is raised with ``ambiguous`` set.
"""

from __future__ import annotations

from typing import Any, Literal

from ledgergraph.connectors.sage.client import AlreadyDone, SageClient, SageResponse
from ledgergraph.connectors.sage.retry import RetryPolicy
from ledgergraph.types import TenantId


class SageWrites:
    def __init__(self, client: SageClient, *, retry: RetryPolicy | None = None) -> None:
        self._client = client
        self.retry = retry or RetryPolicy(attempts=5, budget=30.0)

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
        response = await self._client.send(
            tenant,
            method,
            path,
            business=business,
            json=payload,
            retry=self.retry,
            idempotent=True,
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
        already_done: AlreadyDone,
    ) -> SageResponse:
        """DELETE carries no idempotency id: before a retry, ask ``already_done`` whether the
        previous attempt took effect (e.g. the invoice is VOID now)."""
        return await self._client.send(
            tenant,
            "DELETE",
            path,
            business=business,
            params=params,
            retry=self.retry,
            already_done=already_done,
        )
