"""Bearer authentication of /v3.1/ requests, the JSON-only rule for writes, and X-Request-Id."""

from __future__ import annotations

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import DEMO_USER_ID, SOLO_USER_ID
from tests.sandbox_client import Probe, authorize, bearer

ACCESS_DENIED = [
    {
        "$severity": "error",
        "$dataCode": "AuthorizationFailure",
        "$message": "Access denied.",
        "$source": "",
    }
]


@pytest.fixture(autouse=True)
def _probe_routes(probe: Probe) -> None:
    """Gives every sandbox here the stand-in ``/v3.1/probes`` routes."""


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Basic c2FuZGJveDpzZWNyZXQ="},
    ],
    ids=["missing", "empty", "unknown", "basic"],
)
async def test_requests_without_a_valid_token_get_sages_401_body(
    http: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await http.get("/v3.1/probes", headers=headers)

    assert response.status_code == 401
    assert response.json() == ACCESS_DENIED


async def test_unknown_api_paths_still_need_a_token(http: httpx.AsyncClient) -> None:
    response = await http.get("/v3.1/no_such_resource")

    assert response.status_code == 401


async def test_a_refresh_token_is_not_an_access_token(
    http: httpx.AsyncClient, token_response: dict[str, str]
) -> None:
    response = await http.get("/v3.1/probes", headers=bearer(token_response["refresh_token"]))

    assert response.status_code == 401


@pytest.mark.parametrize("user_id", [DEMO_USER_ID, SOLO_USER_ID])
async def test_the_handler_learns_which_user_the_token_belongs_to(
    http: httpx.AsyncClient, sandbox: RunningSandbox, user_id: str
) -> None:
    tokens = await authorize(http, sandbox.url, user_id=user_id)

    response = await http.get("/v3.1/probes", headers=bearer(tokens["access_token"]))

    assert response.status_code == 200
    assert response.json()["user_id"] == user_id


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
async def test_the_bearer_scheme_is_case_insensitive(
    http: httpx.AsyncClient, access_token: str, scheme: str
) -> None:
    response = await http.get("/v3.1/probes", headers={"Authorization": f"{scheme} {access_token}"})

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"name=x", "application/x-www-form-urlencoded"),
        (b"<contact/>", "application/xml"),
        (b'{"contact": {}}', "text/plain"),
    ],
)
async def test_writes_with_a_non_json_body_get_415(
    http: httpx.AsyncClient, access_token: str, probe: Probe, content: bytes, content_type: str
) -> None:
    headers = bearer(access_token) | {"Content-Type": content_type}

    response = await http.post("/v3.1/probes", content=content, headers=headers)

    assert response.status_code == 415
    assert response.json()[0]["$dataCode"] == "UnsupportedMediaType"
    assert probe.writes == []


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8"])
async def test_writes_with_a_json_body_go_through(
    http: httpx.AsyncClient, access_token: str, probe: Probe, content_type: str
) -> None:
    headers = bearer(access_token) | {"Content-Type": content_type}

    response = await http.post("/v3.1/probes", content=b'{"contact": {}}', headers=headers)

    assert response.status_code == 201
    assert probe.writes == [{"contact": {}}]


async def test_api_answers_carry_a_fresh_request_id(
    http: httpx.AsyncClient, access_token: str
) -> None:
    ok = await http.get("/v3.1/probes", headers=bearer(access_token))
    denied = await http.get("/v3.1/probes")
    missing = await http.get("/v3.1/probes/x/y", headers=bearer(access_token))

    ids = [r.headers.get("X-Request-Id") for r in (ok, denied, missing)]
    assert all(ids)
    assert len(set(ids)) == 3


async def test_oauth_answers_carry_no_request_id(http: httpx.AsyncClient) -> None:
    response = await http.post("/token", data={})

    assert "X-Request-Id" not in response.headers
