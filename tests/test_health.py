"""``/healthz`` says the process is up and which release it runs; ``/readyz`` that its store
answers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from ledgergraph import __version__
from ledgergraph.sandbox import SandboxConfig, serve_sandbox
from tests.support.server import LiveServer, serve_ledgergraph


@pytest.fixture
async def server() -> AsyncIterator[LiveServer]:
    async with (
        serve_sandbox(SandboxConfig(scale=0.1)) as sandbox,
        serve_ledgergraph(sandbox) as running,
    ):
        yield running


async def test_healthz_names_the_running_version(server: LiveServer) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{server.url}/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": __version__}


async def test_readyz_answers_ready_while_the_store_answers(server: LiveServer) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{server.url}/readyz")
    assert (response.status_code, response.json()) == (200, {"status": "ready"})
