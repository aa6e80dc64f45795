from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox, SandboxConfig, serve_sandbox
from tests.support.server import LiveServer, serve_ledgergraph


@pytest.fixture
async def sandbox() -> AsyncIterator[RunningSandbox]:
    async with serve_sandbox(SandboxConfig(controls=True, scale=0.2)) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


@pytest.fixture
async def server(
    sandbox: RunningSandbox, redis_url: str, key_prefix: str
) -> AsyncIterator[LiveServer]:
    async with serve_ledgergraph(sandbox, redis_url=redis_url, prefix=key_prefix) as running:
        yield running
