"""The authorization endpoint (consent page) and the authorization-code exchange at /token."""

from __future__ import annotations

from html import escape
from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox, SandboxConfig
from ledgergraph.sandbox.books import DEMO_USER_ID, SOLO_USER_ID
from ledgergraph.sandbox.tokens import Clock
from tests.sandbox_client import (
    AUTHORIZE_PATH,
    CLIENT_ID,
    CLIENT_SECRET,
    REDIRECT_URI,
    FakeClock,
    bearer,
    consent,
    exchange_code,
    pkce_pair,
)


def _authorize_params(**overrides: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "scope": "full_access",
        "state": "xyz",
    }
    return params | overrides


async def test_consent_page_lists_the_users_and_the_chosen_users_businesses(
    http: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    page = await http.get(AUTHORIZE_PATH, params=_authorize_params())

    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    world = sandbox.world
    for user in world.users.values():
        assert escape(user.email) in page.text
    for business_id in world.users[DEMO_USER_ID].business_ids:
        assert escape(world.businesses[business_id].name) in page.text


async def test_consent_page_can_preselect_another_user(
    http: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    page = await http.get(AUTHORIZE_PATH, params=_authorize_params(user_id=SOLO_USER_ID))

    solo_business = sandbox.world.users[SOLO_USER_ID].lead_business_id
    assert f"value='{SOLO_USER_ID}' selected" in page.text
    assert escape(sandbox.world.businesses[solo_business].name) in page.text


@pytest.mark.parametrize("user_id", [DEMO_USER_ID, SOLO_USER_ID])
async def test_approval_redirects_with_a_code_prefixed_by_the_lead_business_country(
    http: httpx.AsyncClient, sandbox: RunningSandbox, user_id: str
) -> None:
    query = await consent(http, sandbox.url, user_id=user_id, state="s-123")

    user = sandbox.world.users[user_id]
    country = sandbox.world.businesses[user.lead_business_id].country_code.upper()
    assert query["state"] == "s-123"
    assert query["country"] == country
    assert query["code"].startswith(f"{country}/")


@pytest.mark.parametrize(("user_id", "status"), [(None, 302), ("no-such-user", 400)])
async def test_a_decision_without_a_user_signs_in_the_demo_user_and_an_unknown_one_fails(
    http: httpx.AsyncClient, sandbox: RunningSandbox, user_id: str | None, status: int
) -> None:
    form = _authorize_params(approve="yes") | ({"user_id": user_id} if user_id else {})

    response = await http.post(AUTHORIZE_PATH, data=form)

    assert response.status_code == status
    if status == 302:
        code = httpx.URL(response.headers["Location"]).params["code"]
        tokens = (await exchange_code(http, sandbox.url, code)).json()
        assert tokens["requested_by_id"] == DEMO_USER_ID


async def test_denial_redirects_with_access_denied_and_the_state(
    http: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    query = await consent(http, sandbox.url, approve=False, state="s-9")

    assert query["error"] == "access_denied"
    assert query["state"] == "s-9"
    assert "code" not in query


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"scope": "everything"}, "invalid_scope"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"code_challenge": "too-short", "code_challenge_method": "S256"}, "invalid_request"),
        ({"code_challenge": "a" * 43, "code_challenge_method": "S512"}, "invalid_request"),
    ],
)
async def test_bad_authorization_requests_redirect_back_with_an_error(
    http: httpx.AsyncClient, overrides: dict[str, str], error: str
) -> None:
    response = await http.get(AUTHORIZE_PATH, params=_authorize_params(**overrides))

    assert response.status_code == 302
    location = httpx.URL(response.headers["Location"])
    assert location.copy_with(query=None) == httpx.URL(REDIRECT_URI)
    assert location.params["error"] == error
    assert location.params["state"] == "xyz"


@pytest.mark.parametrize(
    "overrides",
    [
        {"client_id": "someone-else"},
        {"client_id": ""},
        {"redirect_uri": "https://evil.example.com/callback"},
        {"redirect_uri": "not a url"},
        {"redirect_uri": ""},
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_unknown_client_or_redirect_uri_gets_an_error_page_never_a_redirect(
    http: httpx.AsyncClient, overrides: dict[str, str], method: str
) -> None:
    params = _authorize_params(**overrides)
    if method == "GET":
        response = await http.get(AUTHORIZE_PATH, params=params)
    else:
        form = params | {"user_id": DEMO_USER_ID, "approve": "yes"}
        response = await http.post(AUTHORIZE_PATH, data=form)

    assert response.status_code == 400
    assert "Location" not in response.headers
    assert response.headers["Content-Type"].startswith("text/html")


class TestRegisteredRedirectUris:
    @pytest.fixture
    def sandbox_config(self) -> SandboxConfig:
        return SandboxConfig(controls=True, redirect_uris=("https://app.example.com/cb",))

    async def test_a_registered_uri_is_accepted(
        self, http: httpx.AsyncClient, sandbox: RunningSandbox
    ) -> None:
        query = await consent(http, sandbox.url, redirect_uri="https://app.example.com/cb")
        assert query["code"]

    async def test_an_unregistered_loopback_uri_is_refused(self, http: httpx.AsyncClient) -> None:
        response = await http.get(AUTHORIZE_PATH, params=_authorize_params())
        assert response.status_code == 400


@pytest.mark.parametrize("scope", ["full_access", "readonly"])
async def test_code_exchange_returns_sages_token_response(
    http: httpx.AsyncClient, sandbox: RunningSandbox, scope: str
) -> None:
    query = await consent(http, sandbox.url, scope=scope)

    response = await exchange_code(http, sandbox.url, query["code"])

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {
        "access_token",
        "scope",
        "token_type",
        "expires_in",
        "refresh_token",
        "refresh_token_expires_in",
        "requested_by_id",
    }
    assert body["token_type"] == "bearer"
    assert body["scope"] == scope
    assert body["expires_in"] == 300
    assert body["refresh_token_expires_in"] == 2_678_400
    assert body["requested_by_id"] == DEMO_USER_ID
    assert body["access_token"].count(".") == 2
    assert body["access_token"] != body["refresh_token"]
    me = await http.get("/v3.1/user", headers=bearer(body["access_token"]))
    assert me.status_code != 401


async def test_a_code_works_only_once(http: httpx.AsyncClient, sandbox: RunningSandbox) -> None:
    code = (await consent(http, sandbox.url))["code"]

    first = await exchange_code(http, sandbox.url, code)
    second = await exchange_code(http, sandbox.url, code)

    assert first.status_code == 200
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"code": "GB/never-issued"}, "invalid_grant"),
        ({"redirect_uri": "http://127.0.0.1/other"}, "invalid_grant"),
        ({"client_secret": "wrong"}, "invalid_client"),
        ({"client_id": "someone-else"}, "invalid_client"),
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"grant_type": ""}, "invalid_request"),
        ({"code": ""}, "invalid_request"),
    ],
)
async def test_bad_code_exchanges_get_standard_oauth_errors(
    http: httpx.AsyncClient, sandbox: RunningSandbox, change: dict[str, str], error: str
) -> None:
    code = (await consent(http, sandbox.url))["code"]
    form = {
        "grant_type": "authorization_code",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "code": code,
        "redirect_uri": REDIRECT_URI,
    }

    response = await http.post("/token", data=form | change)

    assert response.status_code == 400
    assert response.json()["error"] == error
    assert "error_description" in response.json()


async def test_a_json_token_request_is_not_understood(
    http: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    code = (await consent(http, sandbox.url))["code"]
    form = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "code": code}

    response = await http.post("/token", json=form | {"grant_type": "authorization_code"})

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client"


class TestPkce:
    @pytest.mark.parametrize("method", ["S256", "plain"])
    async def test_the_right_verifier_gets_tokens(
        self, http: httpx.AsyncClient, sandbox: RunningSandbox, method: str
    ) -> None:
        verifier, s256 = pkce_pair()
        challenge = s256 if method == "S256" else verifier
        query = await consent(
            http, sandbox.url, code_challenge=challenge, code_challenge_method=method
        )

        response = await exchange_code(http, sandbox.url, query["code"], code_verifier=verifier)

        assert response.status_code == 200

    @pytest.mark.parametrize("verifier", [None, "", "x" * 43])
    async def test_a_missing_or_wrong_verifier_is_invalid_grant(
        self, http: httpx.AsyncClient, sandbox: RunningSandbox, verifier: str | None
    ) -> None:
        _, challenge = pkce_pair()
        query = await consent(http, sandbox.url, code_challenge=challenge)

        response = await exchange_code(http, sandbox.url, query["code"], code_verifier=verifier)

        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"


class TestCodeLifetime:
    @pytest.fixture
    def sandbox_clock(self) -> Clock:
        return FakeClock()

    @pytest.mark.parametrize(("elapsed", "status"), [(59.9, 200), (60.0, 400)])
    async def test_a_code_expires_after_its_ttl(
        self,
        http: httpx.AsyncClient,
        sandbox: RunningSandbox,
        sandbox_clock: FakeClock,
        elapsed: float,
        status: int,
    ) -> None:
        code = (await consent(http, sandbox.url))["code"]
        sandbox_clock.advance(elapsed)

        response = await exchange_code(http, sandbox.url, code)

        assert response.status_code == status
        if status == 400:
            assert response.json()["error"] == "invalid_grant"


async def test_requested_by_id_names_the_user_who_approved(
    http: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    code = (await consent(http, sandbox.url, user_id=SOLO_USER_ID))["code"]

    body: dict[str, Any] = (await exchange_code(http, sandbox.url, code)).json()

    assert body["requested_by_id"] == SOLO_USER_ID
