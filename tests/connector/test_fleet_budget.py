"""The Sage app's budget end to end: LedgerGraph servers sharing one Redis, against a sandbox
that enforces Sage's per-app limits (tiny ones, so the tests are fast) and counts its peak of
requests in flight."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from ledgergraph.connectors.sage.budget import AppBudget
from ledgergraph.errors import UpstreamUnavailable
from ledgergraph.sandbox import RateLimits, RunningSandbox
from ledgergraph.sandbox.books import SOLO_USER_ID
from ledgergraph.types import TenantId
from tests.support.fixtures import http_fixture, sandbox_fixture, server_fixture
from tests.support.server import LiveServer
from tests.support.tenants import connect_tenant

pytestmark = pytest.mark.redis

CAP = 4
sandbox = sandbox_fixture(scale=0.2, limits=RateLimits(concurrent=CAP))
http = http_fixture()
FLEET: dict[str, Any] = {
    "sage_app_in_flight": CAP,
    "sage_app_tenant_in_flight": 0,
    "sync_enabled": False,
}
server = server_fixture(**FLEET)
second = server_fixture(name="second", **FLEET)
shared = server_fixture(
    name="shared", **(FLEET | {"sage_app_tenant_in_flight": 2, "rate_limit_requests": 0})
)
ADMIN_KEY = "an-admin-key-long-enough-for-the-settings"
admin = server_fixture(name="admin", **(FLEET | {"admin_api_key": ADMIN_KEY}))
DAY_BUDGET = 60
frugal = server_fixture(name="frugal", **(FLEET | {"sage_app_per_day": DAY_BUDGET}))
# Contacts cached briefly, kept for stale answers long after.
LENIENT = FLEET | {"response_cache_ttls": {"contacts": 0.2}, "response_cache_stale_window": 60}
lenient = server_fixture(
    name="lenient", **(LENIENT | {"sage_app_per_day": DAY_BUDGET, "sage_app_max_wait": 0.2})
)

CONTACTS = "{ contacts(first: 1) { nodes { id } } }"
BOUNDED_CONTACTS = "query($s: Int!) @maxAge(seconds: $s) { contacts(first: 1) { nodes { id } } }"
CREATE_CONTACT = """mutation($key: String, $input: ContactInput!) {
  createContact(idempotencyKey: $key, input: $input) { id } }"""


async def _stats(http: httpx.AsyncClient, sandbox: RunningSandbox) -> dict[str, Any]:
    stats: dict[str, Any] = (await http.get(f"{sandbox.url}/__sandbox/stats")).json()
    return stats


async def _slow_sage(http: httpx.AsyncClient, sandbox: RunningSandbox, ms: int) -> None:
    response = await http.post(f"{sandbox.url}/__sandbox/faults", json={"latency_ms": ms})
    assert response.status_code == 200
    await http.post(f"{sandbox.url}/__sandbox/stats/reset")


async def _spend_all_but_one(budget: AppBudget) -> None:
    """Today's budget spent but for one call (counted as token refreshes would be)."""
    left = (await budget.usage()).remaining
    await asyncio.gather(*(budget.charge("acme") for _ in range(left - 1)))
    assert (await budget.usage()).remaining == 1


async def _read(server: LiveServer, tenant: str) -> Any:
    assert server.runtime is not None
    return await server.runtime.sage.get(TenantId(tenant), "/contacts", cached=False)


async def test_two_servers_never_have_more_sage_calls_in_flight_than_the_cap(
    server: LiveServer, second: LiveServer, http: httpx.AsyncClient
) -> None:
    await connect_tenant(http, server, "acme", user_id=SOLO_USER_ID)
    await _slow_sage(http, server.sandbox, 40)

    answers = await asyncio.gather(*(_read(s, "acme") for s in [server, second] * 10))

    stats = await _stats(http, server.sandbox)
    assert all("$items" in answer for answer in answers)
    assert stats["rate_limited"] == 0
    assert stats["peak_in_flight"] == CAP


async def test_a_noisy_tenant_is_held_to_its_share_while_another_tenant_is_served(
    shared: LiveServer, http: httpx.AsyncClient
) -> None:
    for tenant in ("noisy", "quiet"):
        await connect_tenant(http, shared, tenant, user_id=SOLO_USER_ID)
    await _slow_sage(http, shared.sandbox, 40)
    budget = shared.runtime.sage_budget if shared.runtime else None
    assert budget is not None
    noise = [asyncio.create_task(_read(shared, "noisy")) for _ in range(12)]
    while budget.waiting_calls()["interactive"] == 0:  # noqa: ASYNC110
        await asyncio.sleep(0.005)
    holding = (await budget.usage()).usage.holding

    await _read(shared, "quiet")

    still_noisy = sum(not task.done() for task in noise)
    await asyncio.gather(*noise)
    assert holding == {"noisy": 2}
    assert still_noisy > 0
    assert (await _stats(http, shared.sandbox))["rate_limited"] == 0


async def test_requests_fail_with_sage_quota_exhausted_once_the_day_is_spent(
    frugal: LiveServer, http: httpx.AsyncClient
) -> None:
    await connect_tenant(http, frugal, "acme", user_id=SOLO_USER_ID)
    assert frugal.runtime is not None
    assert frugal.runtime.sage_budget is not None
    budget = frugal.runtime.sage_budget
    await _spend_all_but_one(budget)
    await http.post(f"{frugal.sandbox.url}/__sandbox/stats/reset")

    last = await _read(frugal, "acme")
    query = await frugal.graphql(http, "acme", CONTACTS)
    write = await frugal.graphql(
        http,
        "acme",
        CREATE_CONTACT,
        {"key": "refused-1", "input": {"name": "Refused Ltd", "kinds": ["CUSTOMER"]}},
    )

    assert "$items" in last
    for body in (query, write):
        extensions = body["errors"][0]["extensions"]
        assert extensions["code"] == "SAGE_QUOTA_EXHAUSTED", body
        assert extensions["resetsAt"].endswith("T00:00:00Z")
    stats = await _stats(http, frugal.sandbox)
    assert stats["requests"] == {"GET /v3.1/contacts": 1}


async def test_the_admin_route_shows_todays_usage_and_the_heaviest_tenants(
    admin: LiveServer, http: httpx.AsyncClient
) -> None:
    for tenant in ("acme", "beta"):
        await connect_tenant(http, admin, tenant, user_id=SOLO_USER_ID)
    assert admin.runtime is not None
    assert admin.runtime.sage_budget is not None
    before = dict((await admin.runtime.sage_budget.usage()).usage.heaviest)
    for _ in range(5):
        await _read(admin, "acme")
    headers = {"X-Admin-Key": ADMIN_KEY}

    usage = (await http.get(f"{admin.url}/admin/sage-usage?top=1", headers=headers)).json()
    bad = await http.get(f"{admin.url}/admin/sage-usage?top=lots", headers=headers)

    [heaviest] = usage["heaviestTenants"]
    assert heaviest["tenant"] == "acme"
    assert heaviest["calls"] == before.get("acme", 0) + 5  # each call counted once
    assert usage["used"] > heaviest["calls"]  # beta's calls too
    assert usage["limit"] - usage["used"] == usage["remaining"]
    assert usage["inFlight"] == 0
    assert bad.status_code == 400


async def test_a_retry_the_day_has_no_budget_for_answers_with_the_attempt_before_it(
    frugal: LiveServer, http: httpx.AsyncClient
) -> None:
    await connect_tenant(http, frugal, "acme", user_id=SOLO_USER_ID)
    assert frugal.runtime is not None
    assert frugal.runtime.sage_budget is not None
    budget = frugal.runtime.sage_budget
    await _spend_all_but_one(budget)
    fault = {"fail": {"path": "/v3.1/contacts", "status": 503, "count": 1}}
    assert (await http.post(f"{frugal.sandbox.url}/__sandbox/faults", json=fault)).is_success
    await http.post(f"{frugal.sandbox.url}/__sandbox/stats/reset")

    with pytest.raises(UpstreamUnavailable):
        await _read(frugal, "acme")

    assert (await _stats(http, frugal.sandbox))["statuses"] == {"503": 1}


async def _no_budget_left(
    server: LiveServer, http: httpx.AsyncClient, why: str
) -> list[asyncio.Task[Any]]:
    """The day spent (``spent``), or every slot held by slow reads for longer than a call
    may wait (``busy``); the reads holding them, to be awaited."""
    assert server.runtime is not None
    budget = server.runtime.sage_budget
    assert budget is not None
    if why == "spent":
        await _spend_all_but_one(budget)
        await budget.charge("acme")
        return []
    await _slow_sage(http, server.sandbox, 1500)
    hogs = [asyncio.create_task(_read(server, "hog")) for _ in range(CAP)]
    while (await budget.usage()).usage.in_flight < CAP:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    return hogs


@pytest.mark.parametrize(
    ("why", "refused"), [("spent", "SAGE_QUOTA_EXHAUSTED"), ("busy", "RATE_LIMITED")]
)
async def test_a_read_the_budget_refuses_is_answered_from_the_cache_past_its_ttl(
    lenient: LiveServer, http: httpx.AsyncClient, why: str, refused: str
) -> None:
    server = lenient
    for tenant in ("acme", "hog"):
        await connect_tenant(http, server, tenant, user_id=SOLO_USER_ID)
    fresh = await server.graphql(http, "acme", CONTACTS)
    await asyncio.sleep(0.3)  # past the contacts' TTL
    hogs = await _no_budget_left(server, http, why)
    await http.post(f"{server.sandbox.url}/__sandbox/stats/reset")

    stale = await server.graphql(http, "acme", CONTACTS)
    bounded = await server.graphql(http, "acme", BOUNDED_CONTACTS, {"s": 0})
    never_cached = await server.graphql(http, "acme", "{ invoices(first: 1) { nodes { id } } }")

    await asyncio.gather(*hogs)
    assert "stale" not in fresh["extensions"]
    assert stale["data"] == fresh["data"]
    assert stale["extensions"]["stale"] is True
    assert stale["extensions"]["cost"]["sageCalls"] == 0
    assert stale["extensions"]["cost"]["oldestDataAgeSeconds"] >= 0.3
    for body in (bounded, never_cached):
        assert body["errors"][0]["extensions"]["code"] == refused, body
        assert "stale" not in body["extensions"]
    stats = await _stats(http, server.sandbox)
    assert set(stats["requests"]) <= {"GET /v3.1/contacts"}  # the hogs' reads, if any
