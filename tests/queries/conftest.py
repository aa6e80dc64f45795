from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox, SandboxConfig, serve_sandbox
from ledgergraph.sandbox.books import DEMO_USER_ID
from tests.support.browser import connect
from tests.support.server import LiveServer, serve_ledgergraph


@pytest.fixture
async def sandbox() -> AsyncIterator[RunningSandbox]:
    async with serve_sandbox(SandboxConfig(controls=True)) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=60) as client:
        yield client


@pytest.fixture
async def server(
    sandbox: RunningSandbox, redis_url: str, key_prefix: str, http: httpx.AsyncClient
) -> AsyncIterator[LiveServer]:
    """Tenant ``acme`` connected to the demo user, on its British business."""
    async with serve_ledgergraph(sandbox, redis_url=redis_url, prefix=key_prefix) as running:
        british = business_in(sandbox, "GB")
        await connect(
            http, running.url, running.token("acme"), user_id=DEMO_USER_ID, choose=british
        )
        yield running


def business_in(sandbox: RunningSandbox, country: str) -> str:
    world = sandbox.world
    return next(
        b.id
        for b in world.businesses.values()
        if b.country_code == country and b.id in world.users[DEMO_USER_ID].business_ids
    )


async def data(server: LiveServer, http: httpx.AsyncClient, query: str, **variables: Any) -> Any:
    body = await server.graphql(http, "acme", query, variables)
    assert "errors" not in body, body["errors"]
    return body["data"]


async def sage_calls(http: httpx.AsyncClient, sandbox: RunningSandbox) -> dict[str, int]:
    stats = (await http.get(f"{sandbox.url}/__sandbox/stats")).json()
    return {k: v for k, v in stats["requests"].items() if " /v3.1/" in k}


async def reset_stats(http: httpx.AsyncClient, sandbox: RunningSandbox) -> None:
    await http.post(f"{sandbox.url}/__sandbox/stats/reset")
