"""``extensions.cost`` tells what an operation cost (Sage calls, cache hits, dependent rounds)
and how old its cached data is, on every transport; ``@maxAge(seconds:)`` bounds that age."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import orjson
import pytest

from ledgergraph.observability.request_context import RequestInfo
from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import SOLO_USER_ID
from ledgergraph.types import ConnectionStatus, TenantId
from tests.support.fixtures import server_fixture, tenant_fixture
from tests.support.rounds import Rounds
from tests.support.server import LiveServer, serve_ledgergraph
from tests.support.tenants import Tenant, connect_tenant
from tests.support.ws import GraphQLWebSocket
from tests.sync.helpers import POLL_INTERVAL, SYNC_SETTINGS, until_live

pytestmark = pytest.mark.redis

server = server_fixture()
acme = tenant_fixture("acme", user_id=SOLO_USER_ID)

# Two dependent rounds at least: the invoices, then their contacts.
INVOICES = "{ invoices(first: 5) { nodes { number contact { name } } } }"
MULTIPART = "multipart/mixed;boundary=graphql;subscriptionSpec=1.0,application/json"


async def _sage_calls(http: httpx.AsyncClient, sandbox: RunningSandbox) -> int:
    """Calls the sandbox answered since its stats were last reset (OAuth included)."""
    stats = (await http.get(f"{sandbox.url}/__sandbox/stats")).json()
    return sum(stats["requests"].values())


async def _reset(http: httpx.AsyncClient, sandbox: RunningSandbox) -> None:
    await http.post(f"{sandbox.url}/__sandbox/stats/reset")


async def _cost(
    server: LiveServer, http: httpx.AsyncClient, query: str, **variables: Any
) -> dict[str, Any]:
    body = await server.graphql(http, "acme", query, variables)
    assert "errors" not in body, body
    cost: dict[str, Any] = body["extensions"]["cost"]
    return cost


async def test_a_cold_query_reports_the_calls_sage_saw_and_their_rounds(
    server: LiveServer, acme: Tenant, http: httpx.AsyncClient
) -> None:
    assert server.runtime is not None
    # Each Sage call takes long enough for calls asked for together to overlap.
    await http.post(f"{server.sandbox.url}/__sandbox/faults", json={"latency_ms": 30})
    await _reset(http, server.sandbox)
    recorder = Rounds(server.sandbox.api_url).watch(server.runtime.http)

    cost = await _cost(server, http, INVOICES)

    assert cost["sageCalls"] == await _sage_calls(http, server.sandbox)
    # The same rounds as counted from outside, by the bench's own recorder.
    assert cost["rounds"] == recorder.count()
    assert 2 <= cost["rounds"] <= cost["sageCalls"]
    assert (cost["cacheHits"], cost["oldestDataAgeSeconds"]) == (0, None)


async def test_a_repeated_query_is_answered_from_the_cache_and_says_how_old_it_is(
    server: LiveServer, acme: Tenant, http: httpx.AsyncClient
) -> None:
    await _cost(server, http, INVOICES)
    answered = time.time()
    await _reset(http, server.sandbox)

    cost = await _cost(server, http, INVOICES)

    assert await _sage_calls(http, server.sandbox) == 0
    assert (cost["sageCalls"], cost["rounds"]) == (0, 0)
    assert cost["cacheHits"] > 0
    # Fetched before the first answer was sent: at least as old as the time since then.
    assert cost["oldestDataAgeSeconds"] >= round(time.time() - answered, 3) - 0.001


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (f"query Fresh @maxAge(seconds: 0) {INVOICES}", {}),
        (f"query Fresh($age: Int!) @maxAge(seconds: $age) {INVOICES}", {"age": 0}),
        (f"query Fresh($age: Int = 0) @maxAge(seconds: $age) {INVOICES}", {}),
    ],
    ids=["literal", "variable", "default"],
)
async def test_max_age_zero_reads_from_sage_again(
    server: LiveServer,
    acme: Tenant,
    http: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any],
) -> None:
    await _cost(server, http, INVOICES)
    await _reset(http, server.sandbox)

    cost = await _cost(server, http, query, **variables)

    assert cost["sageCalls"] == await _sage_calls(http, server.sandbox) > 0
    assert (cost["cacheHits"], cost["oldestDataAgeSeconds"]) == (0, None)


async def test_a_max_age_the_cached_data_is_within_is_answered_from_the_cache(
    server: LiveServer, acme: Tenant, http: httpx.AsyncClient
) -> None:
    await _cost(server, http, INVOICES)

    cost = await _cost(server, http, f"query Recent @maxAge(seconds: 3600) {INVOICES}")

    assert (cost["sageCalls"], cost["rounds"]) == (0, 0)
    assert cost["cacheHits"] > 0


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (f"query Q @maxAge(seconds: -1) {INVOICES}", {}),
        (f"query Q($age: Int!) @maxAge(seconds: $age) {INVOICES}", {"age": -5}),
        (f"query Q($age: Int!) @maxAge(seconds: $age) {INVOICES}", {}),
    ],
    ids=["literal", "variable", "missing"],
)
async def test_a_negative_or_missing_max_age_is_refused_naming_the_argument(
    server: LiveServer,
    acme: Tenant,
    http: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any],
) -> None:
    await _reset(http, server.sandbox)

    body = await server.graphql(http, "acme", query, variables)

    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert (error["extensions"]["field"], error["extensions"]["directive"]) == ("seconds", "maxAge")
    assert "@maxAge(seconds:" in error["message"]
    assert body.get("data") is None
    assert body["extensions"]["cost"]["sageCalls"] == 0
    assert await _sage_calls(http, server.sandbox) == 0


async def test_a_document_without_an_operation_still_reports_a_cost(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    body = await server.graphql(http, "acme", "{ invoices(")

    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert body["extensions"]["cost"] == {
        "sageCalls": 0,
        "cacheHits": 0,
        "rounds": 0,
        "oldestDataAgeSeconds": None,
    }


async def _over_get(
    server: LiveServer, http: httpx.AsyncClient, tenant: Tenant
) -> list[dict[str, Any]]:
    response = await http.get(
        f"{server.url}/graphql",
        params={"query": INVOICES},
        headers={"Authorization": f"Bearer {tenant.token}"},
    )
    return [response.json()]


async def _over_multipart(
    server: LiveServer, http: httpx.AsyncClient, tenant: Tenant
) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {tenant.token}", "Accept": MULTIPART}
    response = await http.post(f"{server.url}/graphql", json={"query": INVOICES}, headers=headers)
    bodies = [
        part.partition(b"\r\n\r\n")[2].strip() for part in response.content.split(b"--graphql")
    ]
    parts = [orjson.loads(body) for body in bodies if body.startswith(b"{")]
    return [part["payload"] for part in parts if "payload" in part]


async def _over_websocket(
    server: LiveServer, http: httpx.AsyncClient, tenant: Tenant
) -> list[dict[str, Any]]:
    async with GraphQLWebSocket.open(server.url, token=tenant.token) as socket:
        # Two operations on one socket at once: each reports its own calls, none twice.
        invoices = await socket.subscribe(INVOICES)
        contacts = await socket.subscribe("{ contacts(first: 3) { nodes { name } } }")
        return [await invoices.next(), await contacts.next()]


@pytest.mark.parametrize("send", [_over_get, _over_multipart, _over_websocket])
async def test_every_transport_reports_the_cost(
    server: LiveServer, acme: Tenant, http: httpx.AsyncClient, send: Any
) -> None:
    await _reset(http, server.sandbox)

    bodies = await send(server, http, acme)

    assert [b for b in bodies if "errors" in b] == []
    costs = [body["extensions"]["cost"] for body in bodies]
    assert sum(c["sageCalls"] for c in costs) == await _sage_calls(http, server.sandbox)
    assert costs[0]["rounds"] >= 2
    assert all(c["sageCalls"] > 0 for c in costs)


def test_a_calls_round_is_one_more_than_the_highest_finished_before_it_started() -> None:
    request = RequestInfo("r")
    operation = request.for_operation()
    invoices = operation.sage_call_started("b1")  # round 1, with the tax rates
    tax_rates = operation.sage_call_started("b1")
    operation.sage_call_ended(invoices)
    contacts = operation.sage_call_started("b1")  # needed the invoices: round 2
    operation.sage_call_ended(contacts)
    operation.sage_call_ended(tax_rates)
    ledger = operation.sage_call_started("b1")  # after both: round 3
    operation.sage_call_ended(ledger)

    assert (operation.sage_calls, operation.rounds) == (4, 3)
    # The request (the access log's count) sees every call of its operations.
    assert (request.sage_calls, request.rounds, request.business) == (4, 3, "b1")


def test_the_oldest_cache_hit_is_the_one_reported_to_the_operation_and_its_request() -> None:
    request = RequestInfo("r")
    operation = request.for_operation()
    operation.cache_hit(fetched_at=200.0)
    operation.cache_hit(fetched_at=100.0)
    operation.cache_hit(fetched_at=300.0)

    assert (operation.cache_hits, operation.oldest_cached_at) == (3, 100.0)
    assert (request.cache_hits, request.oldest_cached_at) == (3, 100.0)
    operation.reset_tally()
    assert (operation.cache_hits, operation.oldest_cached_at) == (0, None)
    assert request.cache_hits == 3


SYNC_EVENTS = "subscription { syncEvents { cursor kind objectType connectionStatus } }"


async def test_each_subscription_event_reports_what_it_cost(
    sandbox: RunningSandbox, redis_url: str, key_prefix: str, http: httpx.AsyncClient
) -> None:
    async with serve_ledgergraph(
        sandbox, redis_url=redis_url, prefix=key_prefix, **SYNC_SETTINGS
    ) as server:
        tenant = await connect_tenant(http, server, "acme", user_id=SOLO_USER_ID)
        assert server.runtime is not None
        async with GraphQLWebSocket.open(server.url, token=tenant.token) as socket:
            operation = await socket.subscribe(SYNC_EVENTS)
            await until_live(operation, server.runtime.events, tenant.name)
            await asyncio.sleep(3 * POLL_INTERVAL)  # polls happen meanwhile: not this event's
            await server.runtime.events.connection_changed(
                TenantId(tenant.name), ConnectionStatus.CONNECTED
            )
            event = await operation.next()

    assert event["data"]["syncEvents"]["kind"] == "CONNECTION"
    assert event["extensions"]["cost"] == {
        "sageCalls": 0,
        "cacheHits": 0,
        "rounds": 0,
        "oldestDataAgeSeconds": None,
    }
