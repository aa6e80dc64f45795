"""A worker killed with a mutation in flight blocks its idempotency key for at most one short
lease: the client's retry on another worker then gets the one object Sage created."""

from __future__ import annotations

import asyncio
import contextlib
import time

import httpx

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
from tests.support.browser import connect
from tests.support.server import server_process

LEASE = 1.0


async def test_a_killed_workers_key_frees_within_its_lease_and_the_retry_creates_nothing_new(
    sandbox: RunningSandbox, redis_url: str, key_prefix: str, http: httpx.AsyncClient
) -> None:
    lease = str(LEASE)
    async with (
        server_process(
            sandbox, redis_url=redis_url, prefix=key_prefix, LEDGERGRAPH_IDEMPOTENCY_LEASE=lease
        ) as doomed,
        server_process(
            sandbox, redis_url=redis_url, prefix=key_prefix, LEDGERGRAPH_IDEMPOTENCY_LEASE=lease
        ) as survivor,
    ):
        await connect(http, doomed.url, doomed.token("acme"), user_id=SOLO_USER_ID)
        variables = {"key": new_key(), "input": invoice_input(await first_contact(survivor, http))}
        before = invoice_count(sandbox)
        await faults(http, sandbox, latency_ms=1500)

        in_flight = asyncio.create_task(doomed.graphql(http, "acme", CREATE_INVOICE, variables))
        await asyncio.sleep(0.8)  # claimed, its POST waiting in Sage's latency
        assert doomed.process is not None
        doomed.process.kill()
        await doomed.process.wait()
        killed_at = time.monotonic()
        with contextlib.suppress(httpx.TransportError):
            await in_flight
        await http.delete(f"{sandbox.url}/__sandbox/faults")

        codes = []
        while True:
            retry = await survivor.graphql(http, "acme", CREATE_INVOICE, variables)
            code = retry.get("errors", [{}])[0].get("extensions", {}).get("code")
            if code != "IDEMPOTENCY_IN_PROGRESS":
                break
            codes.append(code)
            assert time.monotonic() - killed_at < 10 * LEASE, "the key never freed"
            await asyncio.sleep(LEASE / 4)

    assert "errors" not in retry, retry
    assert retry["data"]["createInvoice"]["id"]
    # The killed worker's POST reached Sage; the retry sent the same idempotency_id.
    assert invoice_count(sandbox) == before + 1
