"""Writes happen exactly once, even when the network lies (issue: idempotent mutations)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis

from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import SOLO_USER_ID
from tests.mutations.conftest import (
    CREATE_INVOICE,
    faults,
    first_contact,
    invoice_count,
    invoice_input,
    new_key,
)
from tests.support.answers import without_cost
from tests.support.browser import connect
from tests.support.server import LiveServer, server_process


async def test_a_repeat_returns_the_first_result_without_calling_sage(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    contact = await first_contact(server, http)
    key = new_key()
    first = await server.graphql(
        http, "acme", CREATE_INVOICE, {"key": key, "input": invoice_input(contact)}
    )
    before = invoice_count(sandbox)
    await http.post(f"{sandbox.url}/__sandbox/stats/reset")

    again = await server.graphql(
        http, "acme", CREATE_INVOICE, {"key": key, "input": invoice_input(contact)}
    )

    assert again["data"] == first["data"]
    assert without_cost(again)["extensions"] == {"idempotentReplay": True}
    assert "extensions" not in without_cost(first)
    stats = (await http.get(f"{sandbox.url}/__sandbox/stats")).json()
    assert not any("/v3.1/" in route for route in stats["requests"])
    assert invoice_count(sandbox) == before


async def test_the_idempotency_key_header_is_accepted_and_the_argument_wins(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    contact = await first_contact(server, http)
    headers = {"Authorization": f"Bearer {server.token('acme')}", "Idempotency-Key": new_key()}
    payload: dict[str, Any] = {
        "query": CREATE_INVOICE,
        "variables": {"input": invoice_input(contact)},
    }
    before = invoice_count(sandbox)

    by_header = (await http.post(f"{server.url}/graphql", json=payload, headers=headers)).json()
    replay = (await http.post(f"{server.url}/graphql", json=payload, headers=headers)).json()
    argument = {**payload, "variables": {**payload["variables"], "key": new_key()}}
    by_argument = (await http.post(f"{server.url}/graphql", json=argument, headers=headers)).json()

    assert replay["data"] == by_header["data"]
    assert by_argument["data"]["createInvoice"]["id"] != by_header["data"]["createInvoice"]["id"]
    assert invoice_count(sandbox) == before + 2


async def test_a_mutation_without_any_key_is_refused(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    contact = await first_contact(server, http)
    body = await server.graphql(http, "acme", CREATE_INVOICE, {"input": invoice_input(contact)})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["extensions"]["field"] == "idempotencyKey"


async def test_the_same_key_with_other_input_is_refused_and_writes_nothing(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    contact = await first_contact(server, http)
    key = new_key()
    await server.graphql(
        http, "acme", CREATE_INVOICE, {"key": key, "input": invoice_input(contact)}
    )
    before = invoice_count(sandbox)

    other = await server.graphql(
        http, "acme", CREATE_INVOICE, {"key": key, "input": invoice_input(contact, price="5.00")}
    )

    assert other["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert invoice_count(sandbox) == before


async def test_commit_then_drop_then_a_client_retry_makes_one_invoice(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    contact = await first_contact(server, http)
    variables = {"key": new_key(), "input": invoice_input(contact)}
    before = invoice_count(sandbox)
    await faults(
        http,
        sandbox,
        commit_then_drop={"method": "POST", "path": "/v3.1/sales_invoices", "count": 1},
    )

    first = await server.graphql(http, "acme", CREATE_INVOICE, variables)
    retry = await server.graphql(http, "acme", CREATE_INVOICE, variables)

    assert invoice_count(sandbox) == before + 1
    assert "errors" not in first, first
    assert retry["data"] == first["data"]
    assert without_cost(retry)["extensions"] == {"idempotentReplay": True}
    stats = (await http.get(f"{sandbox.url}/__sandbox/stats")).json()
    assert stats["dropped"] == 1


async def test_503_twice_then_success_creates_one_invoice_on_the_third_attempt(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    contact = await first_contact(server, http)
    before = invoice_count(sandbox)
    await faults(
        http,
        sandbox,
        fail={"method": "POST", "path": "/v3.1/sales_invoices", "status": 503, "count": 2},
    )
    await http.post(f"{sandbox.url}/__sandbox/stats/reset")

    result = await server.graphql(
        http, "acme", CREATE_INVOICE, {"key": new_key(), "input": invoice_input(contact)}
    )

    assert "errors" not in result, result
    assert invoice_count(sandbox) == before + 1
    stats = (await http.get(f"{sandbox.url}/__sandbox/stats")).json()
    assert stats["requests"]["POST /v3.1/sales_invoices"] == 3


async def test_a_lost_idempotency_record_still_cannot_duplicate_at_sage(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    redis_url: str,
    key_prefix: str,
) -> None:
    contact = await first_contact(server, http)
    key = new_key()
    first = await server.graphql(
        http, "acme", CREATE_INVOICE, {"key": key, "input": invoice_input(contact)}
    )
    before = invoice_count(sandbox)
    client = aioredis.Redis.from_url(redis_url)
    try:
        doomed = [k async for k in client.scan_iter(f"{key_prefix}*idempotency*")]
        assert doomed
        await client.delete(*doomed)
    finally:
        await client.aclose()

    again = await server.graphql(
        http, "acme", CREATE_INVOICE, {"key": key, "input": invoice_input(contact)}
    )

    assert invoice_count(sandbox) == before
    assert again["data"]["createInvoice"]["remoteId"] == first["data"]["createInvoice"]["remoteId"]


async def test_one_key_used_by_two_tenants_makes_two_independent_invoices(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    await connect(http, server.url, server.token("beta"), user_id=SOLO_USER_ID)
    contact = await first_contact(server, http)
    before = invoice_count(sandbox)

    mine = await server.graphql(
        http, "acme", CREATE_INVOICE, {"key": "shared", "input": invoice_input(contact)}
    )
    theirs = await server.graphql(
        http, "beta", CREATE_INVOICE, {"key": "shared", "input": invoice_input(contact)}
    )

    assert invoice_count(sandbox) == before + 2
    assert mine["data"]["createInvoice"]["id"] != theirs["data"]["createInvoice"]["id"]
    assert "extensions" not in without_cost(theirs)


async def test_fifty_concurrent_requests_over_two_processes_make_one_invoice(
    sandbox: RunningSandbox, redis_url: str, key_prefix: str, http: httpx.AsyncClient
) -> None:
    async with (
        server_process(sandbox, redis_url=redis_url, prefix=key_prefix) as first,
        server_process(sandbox, redis_url=redis_url, prefix=key_prefix) as second,
    ):
        await connect(http, first.url, first.token("acme"), user_id=SOLO_USER_ID)
        contact = await first_contact(first, http)
        before = invoice_count(sandbox)
        await faults(http, sandbox, latency_ms=100)
        servers = [first, second]
        variables = {"key": new_key(), "input": invoice_input(contact)}

        results = await asyncio.gather(
            *(servers[i % 2].graphql(http, "acme", CREATE_INVOICE, variables) for i in range(50))
        )

        assert invoice_count(sandbox) == before + 1
        created = {r["data"]["createInvoice"]["id"] for r in results if r.get("data")}
        codes = {e["extensions"]["code"] for r in results for e in r.get("errors", [])}
        assert len(created) == 1
        assert codes <= {"IDEMPOTENCY_IN_PROGRESS"}


@pytest.mark.parametrize("status", [429, 500, 502])
async def test_transient_failures_release_the_key_for_a_retry(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, status: int
) -> None:
    contact = await first_contact(server, http)
    key = new_key()
    before = invoice_count(sandbox)
    await faults(
        http,
        sandbox,
        fail={"method": "POST", "path": "/v3.1/sales_invoices", "status": status, "count": 50},
    )

    failed = await server.graphql(
        http, "acme", CREATE_INVOICE, {"key": key, "input": invoice_input(contact)}
    )
    await http.delete(f"{sandbox.url}/__sandbox/faults")
    retried = await server.graphql(
        http, "acme", CREATE_INVOICE, {"key": key, "input": invoice_input(contact)}
    )

    assert failed["errors"][0]["extensions"]["retryable"] is True
    assert "errors" not in retried
    assert "extensions" not in without_cost(retried)
    assert invoice_count(sandbox) == before + 1
