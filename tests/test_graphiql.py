"""GraphiQL in a browser: the page and every asset it needs come from this server."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from ledgergraph.sandbox import SandboxConfig, serve_sandbox
from tests.support.server import LiveServer, serve_ledgergraph


@pytest.fixture
async def server() -> AsyncIterator[LiveServer]:
    async with (
        serve_sandbox(SandboxConfig(controls=True, scale=0.1)) as sandbox,
        serve_ledgergraph(sandbox) as running,
    ):
        yield running


async def test_graphiql_loads_without_any_third_party_host(server: LiveServer) -> None:
    async with httpx.AsyncClient() as http:
        page = await http.get(f"{server.url}/graphql", headers={"Accept": "text/html"})
        assets = re.findall(r'(?:src|href)="(/graphiql-assets/[^"]+)"', page.text)
        fetched = [await http.get(f"{server.url}{asset}") for asset in assets]

    assert page.status_code == 200
    assert "unpkg.com" not in page.text
    assert len(assets) == 7
    assert all(r.status_code == 200 and r.content for r in fetched)
    assert "LedgerGraph" in page.text


async def test_a_sandbox_free_server_does_not_prefill_a_token(server: LiveServer) -> None:
    async with httpx.AsyncClient() as http:
        page = await http.get(f"{server.url}/graphql", headers={"Accept": "text/html"})
    assert "const defaultHeaders = {};" in page.text
