"""A fleet on Redis Cluster keeps the guarantees of a fleet on one Redis: three server
processes share a 3-master cluster; a refresh storm refreshes once, one idempotency key sent to
all three under faults makes one invoice, and a subscriber on each process hears of it."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledgergraph.cache import RedisStore
from ledgergraph.events import EventLog
from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import SOLO_USER_ID
from tests.mutations.conftest import (
    CREATE_INVOICE,
    faults,
    first_contact,
    invoice_count,
    invoice_input,
)
from tests.support.answers import without_cost
from tests.support.ws import GraphQLWebSocket, Operation
from tests.sync.helpers import SUBSCRIPTION, connect_tenant, next_change, no_change, until_live
from tests.sync.processes import ServerProcess, killable_server

pytestmark = pytest.mark.redis

SYNC_ENV = {
    "LEDGERGRAPH_SYNC_POLL_INTERVAL": "0.25",
    "LEDGERGRAPH_SYNC_LEASE_TTL": "1",
    "LEDGERGRAPH_SYNC_SUBSCRIBER_TTL": "1",
    "LEDGERGRAPH_SYNC_OVERLAP": "1",
    # Changes are awaited within a few intervals: adaptive backoff stays short here.
    "LEDGERGRAPH_SYNC_IDLE_MAX_INTERVAL": "0.5",
}
INVOICES = {"types": ["INVOICE", "CONNECTION"]}
BUSINESSES = "{ businesses { id } }"


async def test_three_processes_on_a_cluster_keep_the_fleets_guarantees(
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    redis_cluster_url: str,
    key_prefix: str,
    tmp_path: Path,
) -> None:
    async with AsyncExitStack() as stack:
        fleet: list[ServerProcess] = [
            await stack.enter_async_context(
                killable_server(
                    sandbox,
                    redis_url=redis_cluster_url,
                    prefix=key_prefix,
                    log=tmp_path / f"server-{n}.log",
                    **SYNC_ENV,
                )
            )
            for n in range(3)
        ]
        store = await stack.enter_async_context(RedisStore(redis_cluster_url, prefix=key_prefix))
        events = EventLog(store.streams, store.kv)
        acme = await connect_tenant(http, fleet[0].server, "acme", user_id=SOLO_USER_ID)
        watching: list[Operation] = []
        for member in fleet:
            socket = await stack.enter_async_context(
                GraphQLWebSocket.open(member.server.url, token=acme.token)
            )
            watching.append(await socket.subscribe(SUBSCRIPTION, INVOICES))
        for operation in watching:
            await until_live(operation, events, acme.name)

        # A refresh storm over the three processes: one refresh grant at Sage, no errors.
        await http.post(f"{sandbox.url}/__sandbox/stats/reset")
        await http.post(f"{sandbox.url}/__sandbox/expire-tokens")
        storm = await asyncio.gather(
            *(fleet[i % 3].server.graphql(http, acme.name, BUSINESSES) for i in range(150))
        )
        stats = (await http.get(f"{sandbox.url}/__sandbox/stats")).json()
        assert [r for r in storm if "errors" in r] == []
        assert stats["token_grants"] == {"refresh_token": 1}
        assert stats["invalid_grant"] == 0

        # One key sent to all three at once, while Sage is slow and drops the reply of the
        # create it committed: one invoice, and every answer is that invoice or "in progress".
        contact = await first_contact(fleet[0].server, http, acme.name)
        before = invoice_count(sandbox)
        await faults(
            http,
            sandbox,
            latency_ms=100,
            commit_then_drop={"method": "POST", "path": "/v3.1/sales_invoices", "count": 1},
        )
        variables = {"key": "fleet-invoice", "input": invoice_input(contact)}
        sent = await asyncio.gather(
            *(
                fleet[i % 3].server.graphql(http, acme.name, CREATE_INVOICE, variables)
                for i in range(30)
            )
        )
        await http.delete(f"{sandbox.url}/__sandbox/faults")
        replays = [
            await member.server.graphql(http, acme.name, CREATE_INVOICE, variables)
            for member in fleet
        ]

        assert invoice_count(sandbox) == before + 1
        assert _codes(sent) <= {"IDEMPOTENCY_IN_PROGRESS"}
        created = {r["data"]["createInvoice"]["id"] for r in sent if r.get("data")}
        assert len(created) == 1
        assert [r["data"] for r in replays] == [replays[0]["data"]] * 3
        assert {r["data"]["createInvoice"]["id"] for r in replays} == created
        assert all(without_cost(r)["extensions"] == {"idempotentReplay": True} for r in replays)

        # The subscriber on each process hears of the one invoice, once.
        invoice = replays[0]["data"]["createInvoice"]
        for operation in watching:
            event = await next_change(operation, timeout=3.0)
            assert (event["kind"], event["objectType"]) == ("CREATED", "INVOICE")
            assert event["remoteId"] == invoice["remoteId"]
        for operation in watching:
            await no_change(operation, within=0.5)


def _codes(results: list[dict[str, Any]]) -> set[str]:
    return {e["extensions"]["code"] for r in results for e in r.get("errors", [])}
