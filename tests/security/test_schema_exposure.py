"""What the schema and the server give away: introspection and GraphiQL (on in development,
off by default in production), field suggestions, and internal errors — masked everywhere,
with a code and a request id only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from tests.security.helpers import post
from tests.support.answers import without_cost
from tests.support.server import LiveServer, serve_ledgergraph

pytestmark = pytest.mark.redis

INTROSPECTION = "{ __schema { queryType { name } } }"


async def _server(
    sandbox: RunningSandbox, redis_url: str, key_prefix: str, **settings: Any
) -> AsyncIterator[LiveServer]:
    async with serve_ledgergraph(
        sandbox, redis_url=redis_url, prefix=key_prefix, **settings
    ) as running:
        yield running


MODES: dict[str, tuple[dict[str, Any], bool]] = {
    "development": ({}, True),
    "production": ({"mode": "production"}, False),
    "production-introspection-on": ({"mode": "production", "introspection": True}, True),
    "development-introspection-off": ({"introspection": False}, False),
}


@pytest.mark.parametrize(("settings", "allowed"), MODES.values(), ids=MODES)
async def test_introspection_follows_the_mode_unless_configured(
    sandbox: RunningSandbox,
    redis_url: str,
    key_prefix: str,
    http: httpx.AsyncClient,
    settings: dict[str, Any],
    allowed: bool,
) -> None:
    async for server in _server(sandbox, redis_url, key_prefix, **settings):
        token = server.token("acme")
        answer = await post(http, server, INTROSPECTION, token=token)
        typename = await post(http, server, "{ __typename }", token=token)

    assert without_cost(typename.body) == {"data": {"__typename": "Query"}}
    if allowed:
        assert without_cost(answer.body) == {"data": {"__schema": {"queryType": {"name": "Query"}}}}
    else:
        assert set(answer.codes) == {"GRAPHQL_VALIDATION_FAILED"}
        assert "introspection" in answer.error["message"]


GRAPHIQL: dict[str, tuple[dict[str, Any], int]] = {
    "development": ({}, 200),
    "production": ({"mode": "production"}, 404),
    "production-graphiql-on": ({"mode": "production", "graphiql": True}, 200),
}


@pytest.mark.parametrize(("settings", "status"), GRAPHIQL.values(), ids=GRAPHIQL)
async def test_graphiql_follows_the_mode_unless_configured(
    sandbox: RunningSandbox,
    redis_url: str,
    key_prefix: str,
    http: httpx.AsyncClient,
    settings: dict[str, Any],
    status: int,
) -> None:
    async for server in _server(sandbox, redis_url, key_prefix, **settings):
        page = await http.get(f"{server.url}/graphql", headers={"Accept": "text/html"})
    assert page.status_code == status


@pytest.mark.parametrize(("introspection", "suggested"), [(True, True), (False, False)])
async def test_field_suggestions_are_hidden_with_introspection(
    sandbox: RunningSandbox,
    redis_url: str,
    key_prefix: str,
    http: httpx.AsyncClient,
    introspection: bool,
    suggested: bool,
) -> None:
    async for server in _server(sandbox, redis_url, key_prefix, introspection=introspection):
        answer = await post(http, server, "{ contactz { id } }", token=server.token("acme"))
    assert answer.codes == ["GRAPHQL_VALIDATION_FAILED"]
    assert "contactz" in answer.error["message"]
    assert ("Did you mean" in answer.error["message"]) is suggested


@pytest.mark.parametrize("mode", ["development", "production"])
async def test_internal_errors_are_masked_with_a_code_and_request_id(
    sandbox: RunningSandbox,
    redis_url: str,
    key_prefix: str,
    http: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
) -> None:
    async def broken(*_args: object, **_kwargs: object) -> None:
        raise KeyError("internal detail: /srv/ledgergraph/secret_table")

    async for server in _server(sandbox, redis_url, key_prefix, mode=mode):
        assert server.runtime is not None
        monkeypatch.setattr(server.runtime.sage, "business_for", broken)
        answer = await post(http, server, "{ contacts { totalCount } }", token=server.token("acme"))

    assert answer.status == 200
    error = answer.error
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    request_id = error["extensions"]["requestId"]
    assert request_id in error["message"]
    text = str(answer.body)
    for leak in ("secret_table", "KeyError", "Traceback", "/srv/", ".py"):
        assert leak not in text


MALFORMED: dict[str, object] = {
    "empty-batch": [],
    "null": None,
    "string": "query",
    "number": 5,
    "query-not-a-string": {"query": 5},
    "variables-not-an-object": {"query": "{ __typename }", "variables": "x"},
    "no-query": {},
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED)
async def test_malformed_bodies_get_a_graphql_shaped_400_never_a_500(
    server: LiveServer, http: httpx.AsyncClient, body: object
) -> None:
    response = await http.post(
        f"{server.url}/graphql",
        json=body,
        headers={"Authorization": f"Bearer {server.token('acme')}"},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"]
