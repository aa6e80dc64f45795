"""Logs: JSON lines carrying the request id the client gave (echoed back), or one made up;
the access line has tenant, business, operation, latency and Sage calls; still redacted."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledgergraph.observability.logs import ACCESS_LOGGER, FIELDS, JsonFormatter
from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import SOLO_USER_ID
from ledgergraph.security.redaction import install_log_redaction
from tests.support.server import LiveServer, serve_ledgergraph, server_process
from tests.sync.helpers import Tenant, connect_tenant

pytestmark = pytest.mark.redis

CONTACTS = "query Contacts { contacts(first: 2) { edges { node { name } } } }"


@pytest.fixture
async def server(
    sandbox: RunningSandbox, redis_url: str, key_prefix: str
) -> AsyncIterator[LiveServer]:
    async with serve_ledgergraph(sandbox, redis_url=redis_url, prefix=key_prefix) as running:
        yield running


@pytest.fixture
async def acme(server: LiveServer, http: httpx.AsyncClient) -> Tenant:
    return await connect_tenant(http, server, "acme", user_id=SOLO_USER_ID)


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """What the access log writes, formatted as in production."""
    install_log_redaction()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(ACCESS_LOGGER)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_a_json_access_line_carries_the_clients_request_id(
    server: LiveServer, acme: Tenant, http: httpx.AsyncClient, json_lines: io.StringIO
) -> None:
    response = await http.post(
        f"{server.url}/graphql",
        json={"query": CONTACTS},
        headers={"Authorization": f"Bearer {acme.token}", "X-Request-Id": "req-7f3a.checkout"},
    )

    assert response.headers["X-Request-Id"] == "req-7f3a.checkout"
    [line] = [line for line in _lines(json_lines) if line.get("request_id") == "req-7f3a.checkout"]
    assert line["logger"] == ACCESS_LOGGER
    assert line["tenant"] == "acme"
    assert line["business"] == acme.business_id
    assert line["operation"] == "Contacts"
    assert (line["method"], line["route"], line["status"]) == ("POST", "/graphql", 200)
    assert line["latency_ms"] > 0
    assert line["sage_calls"] >= 1


@pytest.mark.parametrize(
    "given",
    [None, "", "two words", "x" * 129, "semi;colon"],
    ids=["none", "empty", "space", "too-long", "separator"],
)
async def test_a_missing_or_unusable_request_id_is_replaced_by_a_generated_one(
    server: LiveServer, http: httpx.AsyncClient, json_lines: io.StringIO, given: str | None
) -> None:
    headers = {} if given is None else {"X-Request-Id": given}
    response = await http.get(f"{server.url}/nowhere", headers=headers)

    generated = response.headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert [line["status"] for line in _lines(json_lines) if line["request_id"] == generated] == [
        404
    ]


async def test_json_lines_stay_redacted(json_lines: io.StringIO) -> None:
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhY21lIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
    logging.getLogger(ACCESS_LOGGER).warning(
        "refused Authorization: Bearer %s", token, extra={FIELDS: {"path": f"/x?code={token}"}}
    )

    [line] = _lines(json_lines)
    assert token not in json.dumps(line)
    assert "[REDACTED]" in line["message"]


async def test_the_server_process_logs_json_in_production_format(
    sandbox: RunningSandbox,
    redis_url: str,
    key_prefix: str,
    http: httpx.AsyncClient,
    tmp_path: Path,
) -> None:
    log = tmp_path / "server.log"
    async with server_process(
        sandbox, redis_url=redis_url, prefix=key_prefix, log=log, LEDGERGRAPH_LOG_FORMAT="json"
    ) as server:
        response = await http.get(f"{server.url}/readyz", headers={"X-Request-Id": "probe-1"})
        await http.get(
            f"{server.url}/graphql?query={{__typename}}", headers={"X-Request-Id": "q-2"}
        )
    output = log.read_text()

    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert response.headers["X-Request-Id"] == "probe-1"
    assert lines, output
    assert {line["request_id"] for line in lines if line["logger"] == ACCESS_LOGGER} >= {"q-2"}
