"""Injected faults: latency, canned failures, and writes committed before the connection drops."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import DEMO_USER_ID
from tests.sandbox_client import Probe, refresh


@pytest.fixture(autouse=True)
def _probe_routes(probe: Probe) -> None:
    """Gives every sandbox here the stand-in ``/v3.1/probes`` routes."""


async def _add_faults(http: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await http.post("/__sandbox/faults", json=body)
    assert response.status_code == 200, response.text
    active: dict[str, Any] = response.json()
    return active


async def test_latency_delays_every_request_until_cleared(
    http: httpx.AsyncClient, api: httpx.AsyncClient
) -> None:
    await _add_faults(http, {"latency_ms": 150})

    started = time.monotonic()
    await api.get("probes")
    slow = time.monotonic() - started
    await http.delete("/__sandbox/faults")
    started = time.monotonic()
    await api.get("probes")
    fast = time.monotonic() - started

    assert slow >= 0.15
    assert fast < 0.1


async def test_latency_is_the_time_to_answer_a_write_is_applied_before_its_answer(
    http: httpx.AsyncClient, api: httpx.AsyncClient, probe: Probe
) -> None:
    await _add_faults(http, {"latency_ms": 2000})

    answer = asyncio.ensure_future(api.post("probes", json={"n": 1}))
    answered, _ = await asyncio.wait({answer}, timeout=1.0)
    applied = list(probe.writes)
    response = await answer

    assert not answered
    assert applied == [{"n": 1}]
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("status", "data_code"),
    [(503, "ServiceUnavailable"), (500, "UnexpectedError"), (429, "TooManyRequests")],
)
async def test_fail_answers_the_next_matching_requests_before_the_handler_runs(
    http: httpx.AsyncClient, api: httpx.AsyncClient, probe: Probe, status: int, data_code: str
) -> None:
    await _add_faults(
        http, {"fail": {"method": "POST", "path": "/v3.1/prob*", "status": status, "count": 2}}
    )

    failed = [await api.post("probes", json={"n": n}) for n in range(2)]
    passed = await api.post("probes", json={"n": 2})

    for response in failed:
        assert response.status_code == status
        body = response.json()
        assert body[0]["$severity"] == "error"
        assert body[0]["$dataCode"] == data_code
        assert ("Retry-After" in response.headers) == (status in (429, 503))
    assert passed.status_code == 201
    assert probe.writes == [{"n": 2}]


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/v3.1/probes"), ("POST", "/v3.1/other*"), ("*", "/token")]
)
async def test_fail_leaves_requests_that_do_not_match_alone(
    http: httpx.AsyncClient, api: httpx.AsyncClient, method: str, path: str
) -> None:
    await _add_faults(http, {"fail": {"method": method, "path": path, "status": 503}})

    response = await api.post("probes", json={})

    assert response.status_code == 201


async def test_fail_on_the_token_endpoint_answers_in_oauth_shape(
    http: httpx.AsyncClient, sandbox: RunningSandbox, token_response: dict[str, Any]
) -> None:
    await _add_faults(http, {"fail": {"method": "POST", "path": "/token", "status": 503}})

    failed = await refresh(http, sandbox.url, token_response["refresh_token"])
    retried = await refresh(http, sandbox.url, token_response["refresh_token"])

    assert failed.status_code == 503
    assert failed.json()["error"] == "temporarily_unavailable"
    # The failure came before processing, so the refresh token was not spent.
    assert retried.status_code == 200


async def test_commit_then_drop_applies_the_write_and_closes_the_connection_unanswered(
    http: httpx.AsyncClient, api: httpx.AsyncClient, probe: Probe
) -> None:
    await _add_faults(http, {"commit_then_drop": {"method": "POST", "path": "/v3.1/probes"}})

    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        await api.post("probes", json={"contact": "first"})
    answered = await api.post("probes", json={"contact": "second"})

    assert probe.writes == [{"contact": "first"}, {"contact": "second"}]
    assert answered.status_code == 201
    stats = (await http.get("/__sandbox/stats")).json()
    assert stats["dropped"] == 1


async def test_get_faults_shows_the_active_faults_and_delete_clears_them(
    http: httpx.AsyncClient, api: httpx.AsyncClient
) -> None:
    await _add_faults(http, {"latency_ms": 5, "fail": {"path": "/v3.1/probes", "count": 3}})
    await _add_faults(http, {"commit_then_drop": {"method": "POST", "path": "/v3.1/x"}})
    await api.get("probes")

    active = (await http.get("/__sandbox/faults")).json()
    cleared = (await http.delete("/__sandbox/faults")).json()

    assert active == {
        "latency_ms": 5.0,
        "fail": [
            {"path": "/v3.1/probes", "method": "*", "count": 2, "status": 503, "retry_after": 1}
        ],
        "commit_then_drop": [{"path": "/v3.1/x", "method": "POST", "count": 1}],
    }
    assert cleared == {"latency_ms": 0.0, "fail": [], "commit_then_drop": []}
    assert (await api.get("probes")).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        [],
        {},
        {"latency_ms": -1},
        {"latency_ms": "slow"},
        {"fail": {"status": 503}},
        {"fail": {"path": "/v3.1/*", "status": 200}},
        {"fail": {"path": "/v3.1/*", "count": 0}},
        {"fail": {"path": "/v3.1/*", "colour": "red"}},
        {"commit_then_drop": {"path": "/v3.1/*", "count": True}},
        {"explode": True},
    ],
)
async def test_malformed_fault_requests_are_refused_and_change_nothing(
    http: httpx.AsyncClient, body: object
) -> None:
    response = await http.post("/__sandbox/faults", json=body)

    assert response.status_code == 400
    assert response.json()["error"]
    assert (await http.get("/__sandbox/faults")).json()["fail"] == []


async def test_commit_then_drop_really_creates_the_contact_in_the_books(
    http: httpx.AsyncClient, sandbox: RunningSandbox, api: httpx.AsyncClient
) -> None:
    business = sandbox.world.users[DEMO_USER_ID].lead_business_id
    headers = {"X-Business": business}
    body = {"contact": {"name": "Dropped Answer Ltd", "contact_type_ids": ["CUSTOMER"]}}
    await _add_faults(http, {"commit_then_drop": {"method": "POST", "path": "/v3.1/contacts"}})

    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        await api.post("contacts", json=body, headers=headers)
    found = await api.get("contacts", params={"search": "Dropped Answer"}, headers=headers)

    assert found.status_code == 200
    assert [c["displayed_as"] for c in found.json()["$items"]] == ["Dropped Answer Ltd"]
