"""The test controls under /__sandbox/: index, token expiry, lead business, business access."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox, SandboxConfig
from ledgergraph.sandbox.books import DEMO_USER_ID, SOLO_USER_ID
from ledgergraph.sandbox.tokens import Clock
from tests.sandbox_client import FakeClock, Probe, bearer, consent, refresh

CONTROL_REQUESTS = [
    ("GET", "/__sandbox/"),
    ("GET", "/__sandbox/faults"),
    ("POST", "/__sandbox/faults"),
    ("DELETE", "/__sandbox/faults"),
    ("POST", "/__sandbox/expire-tokens"),
    ("POST", "/__sandbox/lead-business"),
    ("PUT", f"/__sandbox/users/{DEMO_USER_ID}/businesses/x"),
    ("DELETE", f"/__sandbox/users/{DEMO_USER_ID}/businesses/x"),
    ("GET", "/__sandbox/stats"),
    ("POST", "/__sandbox/stats/reset"),
]


@pytest.fixture(autouse=True)
def _probe_routes(probe: Probe) -> None:
    """Gives every sandbox here the stand-in ``/v3.1/probes`` routes."""


@pytest.fixture
def sandbox_clock() -> Clock:
    # Time stands still, so "expired now" cannot be confused with "issued a moment later".
    return FakeClock()


def _other_business(sandbox: RunningSandbox, user_id: str) -> str:
    """One of the user's businesses that is not the lead, preferring another country."""
    world = sandbox.world
    user = world.users[user_id]
    lead_country = world.businesses[user.lead_business_id].country_code
    others = [b for b in user.business_ids if b != user.lead_business_id]
    others.sort(key=lambda b: world.businesses[b].country_code == lead_country)
    return others[0]


async def test_the_index_describes_every_control(http: httpx.AsyncClient) -> None:
    index = (await http.get("/__sandbox/")).json()

    for method, path in CONTROL_REQUESTS:
        if "/users/" not in path:
            assert f"{method} {path}" in index
    assert "PUT /__sandbox/users/{user_id}/businesses/{business_id}" in index


class TestWithoutControls:
    @pytest.fixture
    def sandbox_config(self) -> SandboxConfig:
        return SandboxConfig(controls=False)

    @pytest.mark.parametrize(("method", "path"), CONTROL_REQUESTS)
    async def test_every_control_is_absent(
        self, http: httpx.AsyncClient, method: str, path: str
    ) -> None:
        response = await http.request(method, path, json={})

        assert response.status_code == 404


async def test_expire_tokens_ends_access_tokens_but_not_refresh_tokens(
    http: httpx.AsyncClient, sandbox: RunningSandbox, token_response: dict[str, Any]
) -> None:
    expired = (await http.post("/__sandbox/expire-tokens")).json()

    old = await http.get("/v3.1/probes", headers=bearer(token_response["access_token"]))
    renewed = await refresh(http, sandbox.url, token_response["refresh_token"])
    new = await http.get("/v3.1/probes", headers=bearer(renewed.json()["access_token"]))

    assert expired == {"expired": 1}
    assert old.status_code == 401
    assert renewed.status_code == 200
    assert new.status_code == 200


async def test_lead_business_changes_the_default_business_and_the_code_country(
    http: httpx.AsyncClient, sandbox: RunningSandbox, api: httpx.AsyncClient
) -> None:
    target = _other_business(sandbox, DEMO_USER_ID)

    response = await http.post("/__sandbox/lead-business", json={"business_id": target})

    assert response.status_code == 200
    assert (await api.get("probes")).json()["business_id"] == target
    country = sandbox.world.businesses[target].country_code.upper()
    assert (await consent(http, sandbox.url))["code"].startswith(f"{country}/")


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"business_id": "no-such-business"}, 404),
        ({"business_id": "{solo}", "user_id": "no-such-user"}, 404),
        ({"business_id": "{solo}"}, 400),
        ({"user_id": DEMO_USER_ID}, 400),
    ],
)
async def test_lead_business_refuses_what_cannot_be_a_lead(
    http: httpx.AsyncClient, sandbox: RunningSandbox, body: dict[str, str], status: int
) -> None:
    solo_business = sandbox.world.users[SOLO_USER_ID].lead_business_id
    body = {k: v.replace("{solo}", solo_business) for k, v in body.items()}
    lead_before = sandbox.world.users[DEMO_USER_ID].lead_business_id

    response = await http.post("/__sandbox/lead-business", json=body)

    assert response.status_code == status
    assert response.json()["error"]
    assert sandbox.world.users[DEMO_USER_ID].lead_business_id == lead_before


async def test_lead_business_can_target_another_user(
    http: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    demo_business = sandbox.world.users[DEMO_USER_ID].lead_business_id
    await http.put(f"/__sandbox/users/{SOLO_USER_ID}/businesses/{demo_business}")

    body = {"business_id": demo_business, "user_id": SOLO_USER_ID}
    response = await http.post("/__sandbox/lead-business", json=body)

    assert response.json() == {"user_id": SOLO_USER_ID, "lead_business_id": demo_business}
    assert sandbox.world.users[SOLO_USER_ID].lead_business_id == demo_business


async def test_access_to_a_business_can_be_removed_and_restored(
    http: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    business = _other_business(sandbox, DEMO_USER_ID)
    path = f"/__sandbox/users/{DEMO_USER_ID}/businesses/{business}"

    removed = await http.delete(path)
    can_after_remove = sandbox.world.user_can_access(DEMO_USER_ID, business)
    restored = await http.put(path)

    assert removed.status_code == 200
    assert business not in removed.json()["business_ids"]
    assert not can_after_remove
    assert restored.status_code == 200
    assert business in restored.json()["business_ids"]
    assert sandbox.world.user_can_access(DEMO_USER_ID, business)


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
@pytest.mark.parametrize("unknown", ["user", "business"])
async def test_access_controls_refuse_unknown_users_and_businesses(
    http: httpx.AsyncClient, sandbox: RunningSandbox, method: str, unknown: str
) -> None:
    user_id = "no-such-user" if unknown == "user" else DEMO_USER_ID
    lead = sandbox.world.users[DEMO_USER_ID].lead_business_id
    business_id = "no-such-business" if unknown == "business" else lead

    response = await http.request(method, f"/__sandbox/users/{user_id}/businesses/{business_id}")

    assert response.status_code == 404
    assert unknown in response.json()["error"]


@pytest.mark.parametrize("path", ["/__sandbox/faults", "/__sandbox/lead-business"])
async def test_controls_refuse_bodies_that_are_not_json(http: httpx.AsyncClient, path: str) -> None:
    response = await http.post(path, content=b"latency=5")

    assert response.status_code == 400
    assert response.json()["error"]
