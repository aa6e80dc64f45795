"""Fixtures of the interop tests: a live server with a connected tenant, and the Node clients.

These tests drive LedgerGraph with the clients people actually use (Python ``gql``, Node
``graphql-ws``, the ``graphql-http`` audit) exactly as their documentation shows, no shims.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest

from ledgergraph.sandbox.books import SOLO_USER_ID
from ledgergraph.types import TenantId
from tests.support.browser import connect
from tests.support.fixtures import http_fixture, sandbox_fixture, server_fixture
from tests.support.server import LiveServer

CLIENTS = Path(__file__).parents[1] / "clients"

CREATE_CONTACT = """
mutation Create($key: String!, $name: String!) {
  createContact(idempotencyKey: $key, input: {name: $name, kinds: [CUSTOMER]}) {
    id remoteId name
  }
}
"""
# Contact events only, after a cursor taken before subscribing: whenever the subscription is
# registered, the mutation's event is delivered (replayed or live), and nothing else is.
SYNC_EVENTS = """
subscription Contacts($since: String) {
  syncEvents(types: [CONTACT], since: $since) {
    cursor kind objectType objectId remoteId source
  }
}
"""

_names = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Tenant:
    name: str
    token: str

    @property
    def authorization(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


# A development-mode server (GraphiQL, loopback CORS), in this process.
sandbox = sandbox_fixture(scale=0.2)
http = http_fixture()
server = server_fixture()


@pytest.fixture
async def acme(server: LiveServer, http: httpx.AsyncClient) -> Tenant:
    """A tenant connected to the sandbox's one-business Sage user."""
    token = server.token("acme")
    await connect(http, server.url, token, user_id=SOLO_USER_ID)
    return Tenant("acme", token)


async def cursor_now(server: LiveServer, tenant: Tenant) -> str:
    """The tenant's latest event cursor: ``syncEvents(since:)`` it to miss nothing after now."""
    assert server.runtime is not None
    return await server.runtime.events.last_cursor(TenantId(tenant.name))


async def create_contact(
    server: LiveServer, http: httpx.AsyncClient, tenant: Tenant
) -> dict[str, Any]:
    """A mutation made with a plain HTTP client, as another app of the tenant would."""
    n = next(_names)
    body = await server.graphql(
        http, tenant.name, CREATE_CONTACT, {"key": f"interop-{n}", "name": f"Interop {n}"}
    )
    assert "errors" not in body, body
    created: dict[str, Any] = body["data"]["createContact"]
    return created


def assert_event_of(event: Mapping[str, Any], contact: Mapping[str, Any]) -> None:
    assert event["kind"] == "CREATED", event
    assert event["objectType"] == "CONTACT", event
    assert event["source"] == "LEDGERGRAPH", event
    assert event["objectId"] == contact["id"], event
    assert event["remoteId"] == contact["remoteId"], event


# -- Node ----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def node_clients() -> Path:
    """tests/clients with its node_modules installed (``npm ci`` from the committed lock)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are not installed: the Node client tests need them")
    installed = CLIENTS / "node_modules" / ".package-lock.json"
    lock = CLIENTS / "package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=CLIENTS,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, f"npm ci failed in {CLIENTS}:\n{done.stderr}"
    return CLIENTS


@dataclass(slots=True)
class NodeScript:
    """A running Node script whose stdout is JSON lines."""

    process: asyncio.subprocess.Process

    async def line(self, timeout: float = 10.0) -> dict[str, Any]:  # noqa: ASYNC109
        assert self.process.stdout is not None
        async with asyncio.timeout(timeout):
            raw = await self.process.stdout.readline()
        if not raw:
            raise AssertionError(f"the script ended without output: {await self._stderr()}")
        line: dict[str, Any] = json.loads(raw)
        return line

    async def finish(self, timeout: float = 30.0) -> tuple[int, str]:  # noqa: ASYNC109
        """Wait for the script to exit; its exit code and stderr."""
        async with asyncio.timeout(timeout):
            code = await self.process.wait()
        return code, await self._stderr()

    async def _stderr(self) -> str:
        assert self.process.stderr is not None
        return (await self.process.stderr.read()).decode()


class RunNode(Protocol):
    async def __call__(
        self, script: str, *args: str, env: Mapping[str, str] | None = None
    ) -> NodeScript: ...


@pytest.fixture
async def run_node(node_clients: Path) -> AsyncIterator[RunNode]:
    """Start ``node <script> <args>`` in tests/clients; every script is ended after the test."""
    started: list[asyncio.subprocess.Process] = []

    async def run(script: str, *args: str, env: Mapping[str, str] | None = None) -> NodeScript:
        process = await asyncio.create_subprocess_exec(
            "node",
            script,
            *args,
            cwd=node_clients,
            env=os.environ | dict(env or {}),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        started.append(process)
        return NodeScript(process)

    yield run
    for process in started:
        if process.returncode is None:
            process.kill()
            await process.wait()
