"""Subscriptions over HTTP: ``multipart/mixed;subscriptionSpec=1.0`` streams them with the same
tenant authentication and CORS as any request (gql's multipart transport receives events in
test_gql_client); a plain JSON request of a subscription is a 400 saying where to send it."""

from __future__ import annotations

import logging

import httpx
import orjson
import pytest

from tests.support.answers import without_cost
from tests.support.server import LiveServer

pytestmark = pytest.mark.redis

SUBSCRIPTION = "subscription { syncEvents { cursor kind } }"
MULTIPART = "multipart/mixed;boundary=graphql;subscriptionSpec=1.0,application/json"


def _no_errors_logged(caplog: pytest.LogCaptureFixture) -> None:
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    ("method", "accept"),
    [
        ("POST", "application/json"),
        ("POST", "application/graphql-response+json"),
        ("POST", "*/*"),
        ("GET", "application/json"),
    ],
)
async def test_a_subscription_in_a_plain_http_request_is_refused_with_a_code(
    server: LiveServer,
    http: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    method: str,
    accept: str,
) -> None:
    headers = {"Authorization": f"Bearer {server.token('acme')}", "Accept": accept}
    url = f"{server.url}/graphql"
    if method == "GET":
        response = await http.get(url, params={"query": SUBSCRIPTION}, headers=headers)
    else:
        response = await http.post(url, json={"query": SUBSCRIPTION}, headers=headers)

    error = response.json()["errors"][0]
    assert response.status_code == 400
    assert error["extensions"]["code"] == "STREAMING_TRANSPORT_REQUIRED"
    assert "graphql-transport-ws" in error["extensions"]["transports"]
    assert "WebSocket" in error["message"]
    _no_errors_logged(caplog)


async def test_a_multipart_subscription_needs_the_tenant_token(
    server: LiveServer, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    response = await http.post(
        f"{server.url}/graphql", json={"query": SUBSCRIPTION}, headers={"Accept": MULTIPART}
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    _no_errors_logged(caplog)


async def _parts(response: httpx.Response, count: int) -> list[dict[str, object]]:
    """The first ``count`` JSON parts of a multipart answer (heartbeats included)."""
    parts: list[dict[str, object]] = []
    buffer = b""
    async for chunk in response.aiter_bytes():
        buffer += chunk
        *complete, buffer = buffer.split(b"\r\n--graphql")
        for part in complete:
            _, _, body = part.partition(b"\r\n\r\n")
            if body.strip():
                parts.append(orjson.loads(body))
        if len(parts) >= count:
            break
    return parts


async def test_a_streamed_subscription_carries_cors_headers_for_a_dev_server(
    server: LiveServer, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    headers = {
        "Authorization": f"Bearer {server.token('acme')}",
        "Accept": MULTIPART,
        "Origin": "http://localhost:5173",
    }
    async with http.stream(
        "POST", f"{server.url}/graphql", json={"query": SUBSCRIPTION}, headers=headers
    ) as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("multipart/mixed")
        assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
        # Never connected: the subscription's refusal arrives as the stream's payload.
        heartbeat, refusal = await _parts(response, 2)
    assert heartbeat == {}
    assert refusal["payload"]["errors"][0]["extensions"]["code"] == "NOT_CONNECTED"  # type: ignore[index]
    _no_errors_logged(caplog)


@pytest.mark.parametrize(
    ("method", "query", "expected"),
    [
        ("POST", "{ __typename }", {"data": {"__typename": "Query"}}),
        ("GET", "{ __typename }", {"data": {"__typename": "Query"}}),
        ("GET", 'mutation { createContact(input: {name: "x"}) { id } }', "OPERATION_NOT_ALLOWED"),
    ],
    ids=["query", "query-over-get", "mutation-over-get"],
)
async def test_a_query_sent_for_a_stream_gets_its_one_result(
    server: LiveServer,
    http: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    method: str,
    query: str,
    expected: object,
) -> None:
    headers = {"Authorization": f"Bearer {server.token('acme')}", "Accept": MULTIPART}
    url = f"{server.url}/graphql"
    if method == "GET":
        response = await http.get(url, params={"query": query}, headers=headers)
    else:
        response = await http.post(url, json={"query": query}, headers=headers)

    payloads = [p["payload"] for p in await _parts(response, 2) if p]
    assert response.text.endswith("--graphql--\r\n")
    assert len(payloads) == 1, payloads
    if isinstance(expected, str):
        assert payloads[0]["errors"][0]["extensions"]["code"] == expected  # type: ignore[index]
    else:
        assert without_cost(payloads[0]) == expected  # type: ignore[arg-type]
    _no_errors_logged(caplog)
