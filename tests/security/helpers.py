"""What the security tests share: raw GraphQL calls, Sage call counting, tenants."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from ledgergraph.sandbox import RunningSandbox
from tests.support.server import LiveServer
from tests.support.tenants import Tenant as Tenant
from tests.support.tenants import connect_tenant as connect_tenant

# The admin API key of the security tests' admin_server, and its header.
ADMIN_KEY = "admin-key-for-tests-0123456789abcdef"
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: Any
    elapsed: float
    headers: httpx.Headers

    @property
    def codes(self) -> list[str]:
        errors = self.body.get("errors", []) if isinstance(self.body, dict) else []
        return [e.get("extensions", {}).get("code", "") for e in errors]

    @property
    def error(self) -> dict[str, Any]:
        assert isinstance(self.body, dict), self.body
        assert self.body.get("errors"), self.body
        first: dict[str, Any] = self.body["errors"][0]
        return first


async def post(
    http: httpx.AsyncClient,
    server: LiveServer,
    query: str | None = None,
    variables: Mapping[str, Any] | None = None,
    *,
    token: str | None = None,
    json: Any = None,
    headers: Mapping[str, str] | None = None,
) -> Answer:
    """POST /graphql and time it (wall clock, request sent to answer read)."""
    sent = dict(headers or {})
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    payload = json if json is not None else {"query": query, "variables": dict(variables or {})}
    started = time.perf_counter()
    response = await http.post(f"{server.url}/graphql", json=payload, headers=sent)
    elapsed = time.perf_counter() - started
    try:
        body = response.json()
    except ValueError:
        body = response.text
    return Answer(response.status_code, body, elapsed, response.headers)


async def sage_stats(http: httpx.AsyncClient, sandbox: RunningSandbox) -> dict[str, Any]:
    stats: dict[str, Any] = (await http.get(f"{sandbox.url}/__sandbox/stats")).json()
    return stats


async def sage_api_calls(http: httpx.AsyncClient, sandbox: RunningSandbox) -> int:
    """Requests LedgerGraph has sent to Sage's API so far (OAuth excluded)."""
    stats = await sage_stats(http, sandbox)
    return sum(n for route, n in stats["requests"].items() if " /v3.1/" in route)
