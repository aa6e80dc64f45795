"""Token lifetimes, refresh-token rotation and reuse rejection, and revocation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox, SandboxConfig
from ledgergraph.sandbox.tokens import Clock, Grant, OAuthError, TokenPair, TokenRegistry
from tests.sandbox_client import (
    CLIENT_ID,
    CLIENT_SECRET,
    REDIRECT_URI,
    FakeClock,
    Probe,
    bearer,
    refresh,
)

ACCESS_TTL = 300.0
REFRESH_TTL = 3_600.0
GRACE = 5.0


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    return SandboxConfig(controls=True, access_token_ttl=ACCESS_TTL, refresh_token_ttl=REFRESH_TTL)


@pytest.fixture
def sandbox_clock() -> Clock:
    return FakeClock()


@pytest.fixture(autouse=True)
def _probe_routes(probe: Probe) -> None:
    """Gives every sandbox here the stand-in ``/v3.1/probes`` route."""


async def _status_with(http: httpx.AsyncClient, access_token: str) -> int:
    return (await http.get("/v3.1/probes", headers=bearer(access_token))).status_code


async def _revoke(
    http: httpx.AsyncClient, refresh_token: str, change: dict[str, str] | None = None
) -> httpx.Response:
    form = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "token": refresh_token}
    return await http.post("/revoke", data=form | (change or {}))


async def test_a_refresh_returns_a_new_pair_that_works(
    http: httpx.AsyncClient, sandbox: RunningSandbox, token_response: dict[str, Any]
) -> None:
    response = await refresh(http, sandbox.url, token_response["refresh_token"])

    assert response.status_code == 200
    body = response.json()
    assert body["access_token"] != token_response["access_token"]
    assert body["refresh_token"] != token_response["refresh_token"]
    assert body["refresh_token_expires_in"] == round(REFRESH_TTL)
    assert body["requested_by_id"] == token_response["requested_by_id"]
    assert await _status_with(http, body["access_token"]) == 200
    again = await refresh(http, sandbox.url, body["refresh_token"])
    assert again.status_code == 200


async def test_a_spent_refresh_token_is_invalid_grant(
    http: httpx.AsyncClient, sandbox: RunningSandbox, token_response: dict[str, Any]
) -> None:
    first = await refresh(http, sandbox.url, token_response["refresh_token"])

    reuse = await refresh(http, sandbox.url, token_response["refresh_token"])

    assert first.status_code == 200
    assert reuse.status_code == 400
    assert reuse.json()["error"] == "invalid_grant"
    assert reuse.json()["error_description"]
    # The successor issued by the first refresh is unaffected by the failed reuse.
    assert (await refresh(http, sandbox.url, first.json()["refresh_token"])).status_code == 200


class TestGraceWindow:
    @pytest.fixture
    def sandbox_config(self) -> SandboxConfig:
        return SandboxConfig(controls=True, refresh_token_grace=GRACE)

    @pytest.mark.parametrize(("elapsed", "status"), [(GRACE - 0.1, 200), (GRACE, 400)])
    async def test_a_spent_token_is_honoured_only_within_the_grace_window(
        self,
        http: httpx.AsyncClient,
        sandbox: RunningSandbox,
        sandbox_clock: FakeClock,
        token_response: dict[str, Any],
        elapsed: float,
        status: int,
    ) -> None:
        await refresh(http, sandbox.url, token_response["refresh_token"])
        sandbox_clock.advance(elapsed)

        reuse = await refresh(http, sandbox.url, token_response["refresh_token"])

        assert reuse.status_code == status


@pytest.mark.parametrize(("elapsed", "status"), [(REFRESH_TTL - 1, 200), (REFRESH_TTL, 400)])
async def test_a_refresh_token_expires_after_its_ttl(
    http: httpx.AsyncClient,
    sandbox: RunningSandbox,
    sandbox_clock: FakeClock,
    token_response: dict[str, Any],
    elapsed: float,
    status: int,
) -> None:
    sandbox_clock.advance(elapsed)

    response = await refresh(http, sandbox.url, token_response["refresh_token"])

    assert response.status_code == status


@pytest.mark.parametrize(("elapsed", "status"), [(ACCESS_TTL - 1, 200), (ACCESS_TTL, 401)])
async def test_an_access_token_expires_after_its_ttl(
    http: httpx.AsyncClient,
    sandbox_clock: FakeClock,
    access_token: str,
    elapsed: float,
    status: int,
) -> None:
    sandbox_clock.advance(elapsed)

    assert await _status_with(http, access_token) == status


async def test_a_refresh_with_another_clients_credentials_is_invalid_client(
    http: httpx.AsyncClient, sandbox: RunningSandbox, token_response: dict[str, Any]
) -> None:
    response = await refresh(
        http, sandbox.url, token_response["refresh_token"], client_secret="stolen"
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client"
    # A failed client check does not spend the token.
    assert (await refresh(http, sandbox.url, token_response["refresh_token"])).status_code == 200


async def test_a_revoked_refresh_token_is_invalid_grant_but_its_access_token_lives_on(
    http: httpx.AsyncClient, sandbox: RunningSandbox, token_response: dict[str, Any]
) -> None:
    response = await _revoke(http, token_response["refresh_token"])

    assert response.status_code == 200
    assert response.json() == {"success": "ok"}
    after = await refresh(http, sandbox.url, token_response["refresh_token"])
    assert after.status_code == 400
    assert after.json()["error"] == "invalid_grant"
    assert await _status_with(http, token_response["access_token"]) == 200


async def test_revoking_an_unknown_token_succeeds_quietly(http: httpx.AsyncClient) -> None:
    response = await _revoke(http, "never-issued")

    assert response.status_code == 200
    assert response.json() == {"success": "ok"}


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"client_secret": "wrong"}, "invalid_client"),
        ({"client_id": "someone-else"}, "invalid_client"),
        ({"token": ""}, "invalid_request"),
    ],
)
async def test_bad_revocations_get_oauth_errors(
    http: httpx.AsyncClient, token_response: dict[str, Any], change: dict[str, str], error: str
) -> None:
    response = await _revoke(http, token_response["refresh_token"], change)

    assert response.status_code == 400
    assert response.json()["error"] == error


def test_dead_tokens_are_forgotten_once_many_have_piled_up_and_live_ones_kept() -> None:
    clock = FakeClock()
    registry = TokenRegistry(SandboxConfig(access_token_ttl=ACCESS_TTL), clock)
    grant = Grant(client_id=CLIENT_ID, user_id="u", scope="full_access", country="GB")

    def new_pair() -> TokenPair:
        code = registry.issue_code(grant, redirect_uri=REDIRECT_URI)
        return registry.redeem_code(
            code, client_id=CLIENT_ID, redirect_uri=REDIRECT_URI, code_verifier=None
        )

    pairs = [new_pair() for _ in range(10)]
    successor = registry.refresh(pairs[0].refresh_token, client_id=CLIENT_ID)
    clock.advance(ACCESS_TTL)
    for _ in range(2_000):
        fresh = new_pair()
        if registry.lookup(pairs[1].access_token) is None:
            break
    else:
        pytest.fail("expired access tokens are never forgotten")

    assert registry.authenticate(fresh.access_token) is not None
    assert registry.refresh(pairs[1].refresh_token, client_id=CLIENT_ID)
    assert registry.refresh(successor.refresh_token, client_id=CLIENT_ID)
    with pytest.raises(OAuthError):
        registry.refresh(pairs[0].refresh_token, client_id=CLIENT_ID)
