"""A sandbox per test on a loopback port, an HTTP client for it, and a demo user's token.

Override ``sandbox_config`` (or ``sandbox_clock``) in a module or test to change lifetimes and
limits, or to drive time by hand with :class:`tests.sandbox_client.FakeClock`.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox, SandboxConfig, create_sandbox_app, serve_app
from ledgergraph.sandbox.tokens import Clock
from tests.sandbox_client import Probe, authorize, bearer

# Building an SSL context costs ~30 ms per httpx client; the sandbox speaks plain HTTP, so one
# shared context keeps a client per test cheap.
_TLS = ssl.create_default_context()


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    return SandboxConfig(controls=True)


@pytest.fixture
def sandbox_clock() -> Clock:
    return time.monotonic


@pytest.fixture
def probe() -> Probe:
    """Stand-in API routes; a test that asks for ``probe`` gets them in its sandbox."""
    return Probe()


@pytest.fixture
async def sandbox(
    request: pytest.FixtureRequest, sandbox_config: SandboxConfig, sandbox_clock: Clock
) -> AsyncIterator[RunningSandbox]:
    app = create_sandbox_app(sandbox_config, clock=sandbox_clock)
    if "probe" in request.fixturenames:
        request.getfixturevalue("probe").install(app)
    async with serve_app(app) as running:
        yield running


@pytest.fixture
async def http(sandbox: RunningSandbox) -> AsyncIterator[httpx.AsyncClient]:
    """A client for the whole sandbox (OAuth and controls); paths are relative to its root."""
    async with httpx.AsyncClient(base_url=sandbox.url, verify=_TLS) as client:
        yield client


@pytest.fixture
async def token_response(http: httpx.AsyncClient, sandbox: RunningSandbox) -> dict[str, Any]:
    """The demo user's token response, from the real authorization-code flow."""
    return await authorize(http, sandbox.url)


@pytest.fixture
def access_token(token_response: dict[str, Any]) -> str:
    token: str = token_response["access_token"]
    return token


@pytest.fixture
async def api(sandbox: RunningSandbox, access_token: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client for ``/v3.1/`` as the demo user: ``await api.get("contacts")``."""
    async with httpx.AsyncClient(
        base_url=f"{sandbox.api_url}/", headers=bearer(access_token), verify=_TLS
    ) as client:
        yield client
