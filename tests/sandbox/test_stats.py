"""The counters behind GET /__sandbox/stats."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import DEMO_USER_ID
from tests.sandbox_client import Probe, refresh


@pytest.fixture(autouse=True)
def _probe_routes(probe: Probe) -> None:
    """Gives every sandbox here the stand-in ``/v3.1/probes`` routes."""


async def _stats(http: httpx.AsyncClient) -> dict[str, Any]:
    response = await http.get("/__sandbox/stats")
    assert response.status_code == 200
    stats: dict[str, Any] = response.json()
    return stats


async def test_token_grants_are_counted_by_grant_type_and_invalid_grants_apart(
    http: httpx.AsyncClient, sandbox: RunningSandbox, token_response: dict[str, Any]
) -> None:
    await refresh(http, sandbox.url, token_response["refresh_token"])
    await refresh(http, sandbox.url, token_response["refresh_token"])

    stats = await _stats(http)

    assert stats["token_grants"] == {"authorization_code": 1, "refresh_token": 1}
    assert stats["invalid_grant"] == 1


async def test_api_requests_are_counted_by_canonical_route_and_status(
    http: httpx.AsyncClient, api: httpx.AsyncClient
) -> None:
    await http.post("/__sandbox/stats/reset")
    for key in ("a", "b"):
        await api.get(f"probes/{key}")
    await api.post("probes", content=b"x", headers={"Content-Type": "text/plain"})

    stats = await _stats(http)

    assert stats["requests"] == {"GET /v3.1/probes/{key}": 2, "POST /v3.1/probes": 1}
    assert stats["statuses"] == {"200": 2, "415": 1}


async def test_requests_are_counted_by_business_and_missing_x_business_is_noticed(
    http: httpx.AsyncClient, sandbox: RunningSandbox, api: httpx.AsyncClient
) -> None:
    lead = sandbox.world.users[DEMO_USER_ID].lead_business_id
    await api.get("probes", headers={"X-Business": lead})
    await api.get("probes")
    await api.get("user/probe")

    stats = await _stats(http)

    assert stats["businesses"] == {lead: 2}
    assert stats["missing_x_business"] == 1
    assert stats["unscoped_requests"] == 1


async def test_control_requests_are_not_counted(http: httpx.AsyncClient) -> None:
    await http.get("/__sandbox/")
    await http.get("/__sandbox/faults")

    stats = await _stats(http)

    assert stats["requests"] == {}
    assert stats["statuses"] == {}


async def test_reset_zeroes_every_counter(
    http: httpx.AsyncClient, api: httpx.AsyncClient, token_response: dict[str, Any]
) -> None:
    await api.get("probes")

    reset = (await http.post("/__sandbox/stats/reset")).json()

    assert reset == {
        "token_grants": {},
        "invalid_grant": 0,
        "requests": {},
        "statuses": {},
        "businesses": {},
        "missing_x_business": 0,
        "unscoped_requests": 0,
        "rate_limited": 0,
        "peak_in_flight": 0,
        "dropped": 0,
    }
    assert await _stats(http) == reset


async def test_the_real_api_routes_feed_the_same_counters(
    http: httpx.AsyncClient, sandbox: RunningSandbox, api: httpx.AsyncClient
) -> None:
    lead = sandbox.world.users[DEMO_USER_ID].lead_business_id
    await http.post("/__sandbox/stats/reset")
    await api.get("businesses")
    await api.get("user")
    await api.get("contacts")
    await api.get("contacts", headers={"X-Business": lead})

    stats = await _stats(http)

    assert stats["requests"] == {
        "GET /v3.1/businesses": 1,
        "GET /v3.1/user": 1,
        "GET /v3.1/contacts": 2,
    }
    assert stats["unscoped_requests"] == 2
    assert stats["missing_x_business"] == 1
    assert stats["businesses"] == {lead: 2}
