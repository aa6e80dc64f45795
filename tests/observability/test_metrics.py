"""``GET /metrics``: every family the operations issue lists, with samples from real traffic,
and a Sage-call counter that agrees with what the sandbox itself counted."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import httpx
import pytest

from ledgergraph.events import EventLog
from ledgergraph.observability.metrics import BoundedNames
from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import SOLO_USER_ID
from ledgergraph.types import ConnectionStatus, TenantId
from tests.observability.conftest import Samples, scrape, total
from tests.support.server import LiveServer, serve_ledgergraph
from tests.support.ws import GraphQLWebSocket, Operation
from tests.sync.helpers import (
    SUBSCRIPTION,
    SYNC_SETTINGS,
    connect_tenant,
    create_contact,
    is_marker,
    next_change,
)

pytestmark = pytest.mark.redis

CONTACTS = "query Contacts { contacts(first: 3) { edges { node { name } } } }"
DEEP = """query Deep($first: Int!) { invoices(first: $first) { edges { node {
  number contact { name email }
  lines { taxRate { name } ledgerAccount { code name } } } } } }"""
CREATE = """mutation Create($key: String, $input: ContactInput!) {
  createContact(idempotencyKey: $key, input: $input) { id } }"""
RATE_LIMIT = 20

# (sample, labels that must be among its labels): each must grow during the workload.
GROWING: list[tuple[str, dict[str, str]]] = [
    ("ledgergraph_http_requests_total", {"route": "/graphql", "status": "200"}),
    ("ledgergraph_http_request_duration_seconds_count", {"route": "/graphql"}),
    ("ledgergraph_graphql_operations_total", {"operation": "Contacts", "type": "query"}),
    ("ledgergraph_graphql_operations_total", {"operation": "Create", "type": "mutation"}),
    ("ledgergraph_graphql_operation_duration_seconds_count", {"operation": "Deep"}),
    ("ledgergraph_sage_requests_total", {"resource": "contacts", "method": "GET"}),
    ("ledgergraph_sage_requests_total", {"resource": "oauth_token", "method": "POST"}),
    ("ledgergraph_sage_request_duration_seconds_count", {"resource": "sales_invoices"}),
    ("ledgergraph_sage_rate_limited_total", {"resource": "ledger_accounts"}),
    ("ledgergraph_sage_retries_total", {"resource": "ledger_accounts"}),
    ("ledgergraph_token_refreshes_total", {"outcome": "ok"}),
    ("ledgergraph_token_refresh_duration_seconds_count", {}),
    ("ledgergraph_cache_lookups_total", {"kind": "contacts", "result": "hit"}),
    ("ledgergraph_cache_lookups_total", {"kind": "contacts", "result": "miss"}),
    ("ledgergraph_idempotency_total", {"outcome": "new"}),
    ("ledgergraph_idempotency_total", {"outcome": "replay"}),
    ("ledgergraph_sync_events_published_total", {}),
    ("ledgergraph_sync_poll_lag_seconds_count", {}),
    ("ledgergraph_sync_polls_total", {"outcome": "ok"}),
    ("ledgergraph_websocket_connections_opened_total", {}),
    ("ledgergraph_rate_limited_total", {"limit": "requests"}),
    ("ledgergraph_sage_budget_calls_total", {"priority": "interactive"}),
    ("ledgergraph_sage_budget_calls_total", {"priority": "polling"}),
    ("ledgergraph_sage_budget_calls_total", {"priority": "refresh"}),
    ("ledgergraph_sage_budget_wait_seconds_count", {"priority": "interactive"}),
    ("ledgergraph_sage_too_many_requests_total", {"priority": "interactive"}),
]
# Gauges: non-zero while the workload's subscription is open.
OPEN = ["ledgergraph_sync_subscribers", "ledgergraph_websocket_connections"]


async def _query(
    server: LiveServer, http: httpx.AsyncClient, query: str, **variables: object
) -> None:
    body = await server.graphql(http, "acme", query, variables)
    assert "errors" not in body, body


async def _mixed_workload(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, before: Samples
) -> Samples:
    """Reads (cold and cached), a 429 that is retried, a token refresh, a mutation and its
    replay, a refused burst, and a live subscription that receives a change; returns a scrape
    taken while the subscription is still open."""
    await _query(server, http, CONTACTS)
    await _query(server, http, CONTACTS)
    await http.post(
        f"{sandbox.url}/__sandbox/faults",
        json={"fail": {"path": "/v3.1/ledger_accounts*", "status": 429, "retry_after": 1}},
    )
    await _query(server, http, DEEP, first=3)
    await http.post(f"{sandbox.url}/__sandbox/expire-tokens")
    contact = {"input": {"name": "Metered Ltd", "kinds": ["CUSTOMER"]}, "key": str(uuid.uuid4())}
    await _query(server, http, CREATE, **contact)
    await _query(server, http, CREATE, **contact)
    noisy = await asyncio.gather(
        *(server.graphql(http, "noisy", "{ __typename }") for _ in range(RATE_LIMIT + 5))
    )
    codes = Counter(e["extensions"]["code"] for body in noisy for e in body.get("errors", ()))
    assert codes["RATE_LIMITED"] >= 5, codes
    acme = await connect_tenant(http, server, "watcher", user_id=SOLO_USER_ID)
    assert server.runtime is not None
    async with GraphQLWebSocket.open(server.url, token=acme.token) as socket:
        operation = await socket.subscribe(SUBSCRIPTION)
        seen = await _live(operation, server.runtime.events, TenantId(acme.name))
        if not seen:
            await create_contact(http, sandbox, acme.business_id, "Polled Ltd")
            await next_change(operation, timeout=5)
        # The poll that published the change is counted once it has stored its cursor.
        polls = "ledgergraph_sync_polls_total"
        for _ in range(100):
            during = await scrape(http, server.url)
            if total(during, polls, outcome="ok") > total(before, polls, outcome="ok"):
                break
            await asyncio.sleep(0.05)
        return during


async def _live(operation: Operation, events: EventLog, tenant: TenantId) -> bool:
    """Wait until the subscription follows the stream; True if a change came meanwhile (acme's
    contact, made on the same Sage business, is a change from Sage for this tenant)."""
    for _ in range(30):
        await events.connection_changed(tenant, ConnectionStatus.CONNECTED)
        try:
            data = await operation.data(timeout=0.3)
        except TimeoutError:
            continue
        return not is_marker(data["syncEvents"])
    raise AssertionError("the subscription never went live")


async def test_every_family_has_samples_from_a_mixed_workload(
    sandbox: RunningSandbox, redis_url: str, key_prefix: str, http: httpx.AsyncClient
) -> None:
    settings = SYNC_SETTINGS | {"rate_limit_requests": RATE_LIMIT}
    async with serve_ledgergraph(
        sandbox, redis_url=redis_url, prefix=key_prefix, **settings
    ) as server:
        await connect_tenant(http, server, "acme", user_id=SOLO_USER_ID)
        before = await scrape(http, server.url)
        during = await _mixed_workload(server, sandbox, http, before)

    still = [
        f"{name}{labels}"
        for name, labels in GROWING
        if total(during, name, **labels) <= total(before, name, **labels)
    ]
    assert still == []
    assert [name for name in OPEN if total(during, name) < 1] == []
    assert not any("tenant" in dict(labels) for _, labels in during), "no tenant label by default"


async def test_the_sage_call_counter_equals_the_sandboxs_own_count(
    sandbox: RunningSandbox, redis_url: str, key_prefix: str, http: httpx.AsyncClient
) -> None:
    async with serve_ledgergraph(sandbox, redis_url=redis_url, prefix=key_prefix) as server:
        await connect_tenant(http, server, "acme", user_id=SOLO_USER_ID)
        await http.post(f"{sandbox.url}/__sandbox/stats/reset")
        before = await scrape(http, server.url)
        await http.post(f"{sandbox.url}/__sandbox/expire-tokens")
        await _query(server, http, DEEP, first=5)
        await _query(server, http, CONTACTS)
        counted = {"name": "Counted Ltd", "kinds": ["CUSTOMER"]}
        await _query(server, http, CREATE, input=counted, key=str(uuid.uuid4()))
        after = await scrape(http, server.url)
        stats = (await http.get(f"{sandbox.url}/__sandbox/stats")).json()

    sandboxs: Counter[str] = Counter()
    for route, n in stats["requests"].items():
        method, path = route.split(" ", 1)
        resource = path.removeprefix("/v3.1/").split("/")[0] if "/v3.1/" in path else "oauth"
        sandboxs[f"{method} {resource}"] += n
    ours: Counter[str] = Counter()
    for (name, labels), value in after.items():
        if name != "ledgergraph_sage_requests_total":
            continue
        delta = value - before.get((name, labels), 0.0)
        label = dict(labels)
        resource = "oauth" if label["resource"].startswith("oauth_") else label["resource"]
        if delta:
            ours[f"{label['method']} {resource}"] += int(delta)
    assert sandboxs["POST oauth"] >= 1, "the workload refreshed a token"
    assert ours == sandboxs


async def test_per_tenant_families_only_when_asked_for(
    sandbox: RunningSandbox, redis_url: str, key_prefix: str, http: httpx.AsyncClient
) -> None:
    async with serve_ledgergraph(
        sandbox, redis_url=redis_url, prefix=key_prefix, metrics_tenant_labels=True
    ) as server:
        tenant = await connect_tenant(http, server, "acme", user_id=SOLO_USER_ID)
        await _query(server, http, CONTACTS)
        samples = await scrape(http, server.url)

    labels = {"tenant": "acme", "business": tenant.business_id}
    assert total(samples, "ledgergraph_tenant_graphql_operations_total", **labels) >= 1
    assert total(samples, "ledgergraph_tenant_sage_requests_total", **labels) >= 1


async def test_metrics_can_be_turned_off(sandbox: RunningSandbox, http: httpx.AsyncClient) -> None:
    async with serve_ledgergraph(sandbox, metrics=False) as server:
        response = await http.get(f"{server.url}/metrics")

    assert response.status_code == 404


def test_operation_names_are_bounded() -> None:
    label = BoundedNames(limit=3)

    assert label(None) == "anonymous"
    assert label("not a name!") == "other"
    assert [label(f"Op{i}") for i in range(5)] == ["Op0", "Op1", "Op2", "other", "other"]
    assert label("Op1") == "Op1"
