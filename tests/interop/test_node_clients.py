"""Node clients: ``graphql-ws`` (with ``ws``) receives subscription events, and the
``graphql-http`` audit finds LedgerGraph conformant to GraphQL over HTTP with no warning.

The scripts live in tests/clients (an npm package with a committed lock, installed by
``npm ci`` when needed); they are skipped only where node or npm is absent."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.interop.conftest import (
    RunNode,
    Tenant,
    assert_event_of,
    create_contact,
    cursor_now,
)
from tests.support.server import LiveServer

pytestmark = pytest.mark.redis


async def test_graphql_ws_receives_the_event_of_a_mutation(
    server: LiveServer, http: httpx.AsyncClient, acme: Tenant, run_node: RunNode
) -> None:
    since = await cursor_now(server, acme)
    url = server.url.replace("http://", "ws://", 1) + "/graphql"
    script = await run_node("subscribe.mjs", url, "1", since, env={"LEDGERGRAPH_TOKEN": acme.token})

    assert await script.line() == {"type": "connected"}
    contact = await create_contact(server, http, acme)
    line = await script.line()
    code, stderr = await script.finish()

    assert line["type"] == "next", line
    assert_event_of(line["event"], contact)
    assert code == 0, stderr


async def test_graphql_ws_reports_a_refused_connection(
    server: LiveServer, run_node: RunNode
) -> None:
    """The script's error path works, so the test above cannot pass by accident."""
    url = server.url.replace("http://", "ws://", 1) + "/graphql"
    script = await run_node("subscribe.mjs", url, env={"LEDGERGRAPH_TOKEN": "not-a-jwt"})

    line = await script.line()
    code, _ = await script.finish()

    assert line["type"] == "error", line
    assert line["error"]["code"] == 4403, line
    assert code == 1


async def test_the_graphql_over_http_audit_passes_without_warnings(
    server: LiveServer, run_node: RunNode
) -> None:
    script = await run_node(
        "audit.mjs", f"{server.url}/graphql", env={"LEDGERGRAPH_TOKEN": server.token("acme")}
    )
    code, stderr = await script.finish(timeout=60)
    assert code == 0, stderr
    assert script.process.stdout is not None
    results = json.loads(await script.process.stdout.read())

    failing = [r for r in results if r["status"] in ("warn", "error")]
    assert len(results) >= 60, results
    assert not failing, "\n".join(
        f"{r['status']} {r['id']} {r['name']}: {r['reason']}" for r in failing
    )
