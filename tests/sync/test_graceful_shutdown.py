"""A worker stopped with SIGTERM (or SIGINT) stops gracefully: in-flight requests finish,
subscribers are told 1012 (service restart) and resume on another worker from their cursor
with no event lost, and the process exits 0 without a traceback."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import httpx
import pytest

from ledgergraph.events import EventLog
from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import SOLO_USER_ID
from tests.support.ws import GraphQLWebSocket
from tests.sync.helpers import SUBSCRIPTION, connect_tenant, next_change, until_live
from tests.sync.processes import killable_server

pytestmark = pytest.mark.redis

CREATE_CONTACT = """mutation($key: String, $name: String!) {
  createContact(idempotencyKey: $key, input: {name: $name, kinds: [CUSTOMER]}) { remoteId } }"""
SERVICE_RESTART = 1012


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
async def test_a_stopped_worker_finishes_its_in_flight_request_and_exits_0(
    sandbox: RunningSandbox,
    redis_url: str,
    key_prefix: str,
    http: httpx.AsyncClient,
    tmp_path: Path,
    signum: signal.Signals,
) -> None:
    log = tmp_path / "server.log"
    async with killable_server(sandbox, redis_url=redis_url, prefix=key_prefix, log=log) as a:
        await connect_tenant(http, a.server, "acme", user_id=SOLO_USER_ID)
        await http.post(f"{sandbox.url}/__sandbox/faults", json={"latency_ms": 2000})
        slow = asyncio.create_task(a.server.graphql(http, "acme", "{ businesses { name } }"))
        await asyncio.sleep(0.5)

        a.process.send_signal(signum)
        answer = await slow
        code = await asyncio.wait_for(a.process.wait(), timeout=15)

    assert "errors" not in answer, answer
    assert answer["data"]["businesses"]
    assert code == 0
    assert "Traceback" not in log.read_text()


async def test_subscribers_are_told_1012_and_resume_on_another_worker_missing_nothing(
    sandbox: RunningSandbox,
    redis_url: str,
    key_prefix: str,
    http: httpx.AsyncClient,
    events: EventLog,
    tmp_path: Path,
) -> None:
    async with (
        killable_server(sandbox, redis_url=redis_url, prefix=key_prefix, log=tmp_path / "a") as a,
        killable_server(sandbox, redis_url=redis_url, prefix=key_prefix, log=tmp_path / "b") as b,
    ):
        acme = await connect_tenant(http, a.server, "acme", user_id=SOLO_USER_ID)
        variables = {"types": ["CONTACT", "CONNECTION"]}
        async with GraphQLWebSocket.open(a.server.url, token=acme.token) as socket:
            operation = await socket.subscribe(SUBSCRIPTION, variables)
            await until_live(operation, events, "acme")
            await b.server.graphql(http, "acme", CREATE_CONTACT, {"key": "k1", "name": "Before"})
            seen = await next_change(operation)

            a.process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(socket.closed.wait(), timeout=10)
            close_code = socket.connection.close_code
        made = await b.server.graphql(http, "acme", CREATE_CONTACT, {"key": "k2", "name": "Gap"})

        async with GraphQLWebSocket.open(b.server.url, token=acme.token) as socket:
            resumed = await socket.subscribe(SUBSCRIPTION, variables | {"since": seen["cursor"]})
            missed = await next_change(resumed)
        exit_code = await asyncio.wait_for(a.process.wait(), timeout=15)

    assert close_code == SERVICE_RESTART
    assert missed["kind"] == "CREATED"
    assert missed["remoteId"] == made["data"]["createContact"]["remoteId"]
    assert exit_code == 0
