"""GraphQL over HTTP: the response media type follows Accept, a request refused before it
executed is a 400 without data under application/graphql-response+json (200 under legacy
application/json), and every refusal carries a stable code without an error in the log."""

from __future__ import annotations

import logging

import httpx
import pytest

from tests.interop.conftest import Tenant
from tests.support.answers import without_cost
from tests.support.server import LiveServer

pytestmark = pytest.mark.redis

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


async def _post(
    http: httpx.AsyncClient,
    server: LiveServer,
    body: object,
    *,
    accept: str | None,
    token: str | None,
) -> httpx.Response:
    request = http.build_request("POST", f"{server.url}/graphql", json=body)
    if token is not None:
        request.headers["Authorization"] = f"Bearer {token}"
    if accept is None:
        del request.headers["Accept"]
    else:
        request.headers["Accept"] = accept
    return await http.send(request)


def _media_type(response: httpx.Response) -> str:
    return response.headers["Content-Type"].split(";")[0].strip()


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, JSON),
        ("*/*", JSON),
        (JSON, JSON),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}, {JSON};q=0.9", GRAPHQL_RESPONSE),
        (f"{JSON}, {GRAPHQL_RESPONSE};q=0.5", JSON),
        (f"{GRAPHQL_RESPONSE};q=0", JSON),
    ],
    ids=["none", "any", "json", "graphql-response", "both", "json-preferred", "refused"],
)
async def test_the_response_media_type_follows_accept(
    server: LiveServer, http: httpx.AsyncClient, accept: str | None, expected: str
) -> None:
    token = server.token("acme")
    response = await _post(http, server, {"query": "{ __typename }"}, accept=accept, token=token)

    assert response.status_code == 200
    assert _media_type(response) == expected
    assert response.headers["Content-Type"].endswith("charset=utf-8")
    assert without_cost(response.json()) == {"data": {"__typename": "Query"}}


NEVER_EXECUTED = {
    "parse": ({"query": "{ contacts {"}, "GRAPHQL_PARSE_FAILED"),
    "validation": ({"query": "{ noSuchField }"}, "GRAPHQL_VALIDATION_FAILED"),
    "variable-type": (
        {"query": "query($n: Int) { contacts(first: $n) { __typename } }", "variables": {"n": "x"}},
        "BAD_USER_INPUT",
    ),
    "variable-missing": (
        {"query": "query($n: Int!) { contacts(first: $n) { __typename } }", "variables": {}},
        "BAD_USER_INPUT",
    ),
    "variable-input-object": (
        {
            "query": 'mutation($i: ContactInput!) { createContact(idempotencyKey: "k", '
            "input: $i) { id } }",
            "variables": {"i": {"nmae": "typo"}},
        },
        "BAD_USER_INPUT",
    ),
    "variable-scalar": (
        {
            "query": "query($t: DateTime) { contacts(modifiedSince: $t) { __typename } }",
            "variables": {"t": "yesterday"},
        },
        "BAD_USER_INPUT",
    ),
}


@pytest.mark.parametrize("case", NEVER_EXECUTED)
@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, JSON])
async def test_a_request_refused_before_execution_is_a_400_without_data(
    server: LiveServer,
    http: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    case: str,
    accept: str,
) -> None:
    body, code = NEVER_EXECUTED[case]
    response = await _post(http, server, body, accept=accept, token=server.token("acme"))
    answer = response.json()

    assert {e["extensions"]["code"] for e in answer["errors"]} == {code}, answer
    assert _media_type(response) == accept
    if accept == GRAPHQL_RESPONSE:
        assert response.status_code == 400
        assert "data" not in answer
    else:  # legacy application/json: as before
        assert response.status_code == 200
        assert answer["data"] is None
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, JSON])
async def test_an_executed_request_is_a_200_even_when_its_fields_fail(
    server: LiveServer, http: httpx.AsyncClient, accept: str
) -> None:
    # Never connected to Sage: the field fails (with a path) once execution started.
    response = await _post(
        http,
        server,
        {"query": "{ contacts { __typename } }"},
        accept=accept,
        token=server.token("nobody"),
    )
    answer = response.json()

    assert response.status_code == 200
    assert answer["data"] == {"contacts": None}  # root lists are nullable
    assert answer["errors"][0]["path"] == ["contacts"]
    assert answer["errors"][0]["extensions"]["code"] == "NOT_CONNECTED"


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, JSON])
async def test_refusals_before_graphql_use_the_negotiated_media_type(
    server: LiveServer, http: httpx.AsyncClient, accept: str
) -> None:
    unauthenticated = await _post(
        http, server, {"query": "{ __typename }"}, accept=accept, token=None
    )
    batch = await _post(
        http,
        server,
        [{"query": "{ __typename }"}],
        accept=accept,
        token=server.token("acme"),
    )

    assert unauthenticated.status_code == 401
    assert unauthenticated.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert batch.status_code == 400
    assert batch.json()["errors"][0]["extensions"]["code"] == "BATCHING_NOT_SUPPORTED"
    assert {_media_type(unauthenticated), _media_type(batch)} == {accept}


async def test_a_connected_tenant_gets_its_data_as_graphql_response_json(
    server: LiveServer, http: httpx.AsyncClient, acme: Tenant
) -> None:
    response = await _post(
        http,
        server,
        {"query": "{ connection { status } }"},
        accept=GRAPHQL_RESPONSE,
        token=acme.token,
    )
    assert response.status_code == 200
    assert without_cost(response.json()) == {"data": {"connection": {"status": "CONNECTED"}}}
