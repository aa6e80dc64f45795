"""Property: under any sequence of upstream faults and client retries, each acknowledged key
made exactly one invoice, and what LedgerGraph acknowledged is what Sage holds."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledgergraph.sandbox import SandboxConfig, serve_sandbox
from ledgergraph.sandbox.books import SOLO_USER_ID
from tests.mutations.conftest import CREATE_INVOICE, invoice_input
from tests.support.browser import connect
from tests.support.server import serve_ledgergraph

FAULTS = st.one_of(
    st.none(),
    st.builds(lambda ms: {"latency_ms": ms}, st.sampled_from([0, 20])),
    st.builds(
        lambda status, count: {
            "fail": {
                "method": "POST",
                "path": "/v3.1/sales_invoices",
                "status": status,
                "count": count,
            }
        },
        st.sampled_from([429, 500, 502, 503]),
        st.integers(1, 6),
    ),
    st.builds(
        lambda count: {
            "commit_then_drop": {"method": "POST", "path": "/v3.1/sales_invoices", "count": count}
        },
        st.integers(1, 3),
    ),
)
STEPS = st.lists(st.tuples(st.integers(0, 3), FAULTS, st.integers(0, 2)), min_size=1, max_size=8)


async def _scenario(redis_url: str, steps: list[tuple[int, Any, int]]) -> None:
    config = SandboxConfig(controls=True, scale=0.1)
    async with (
        serve_sandbox(config) as sandbox,
        serve_ledgergraph(
            sandbox,
            redis_url=redis_url,
            prefix=f"prop-{uuid.uuid4().hex[:8]}:",
            retry_max_delay=0.02,
            write_retry_attempts=3,
        ) as server,
        httpx.AsyncClient(timeout=60) as http,
    ):
        await connect(http, server.url, server.token("acme"), user_id=SOLO_USER_ID)
        contacts = await server.graphql(
            http, "acme", "{ contacts(kind: CUSTOMER, first: 4) { nodes { id } } }"
        )
        contact_ids = [n["id"] for n in contacts["data"]["contacts"]["nodes"]]
        books = sandbox.world.businesses[sandbox.world.users[SOLO_USER_ID].business_ids[0]].books
        before = set(books.sales_invoices)
        acknowledged: dict[str, list[dict[str, Any]]] = {}

        async def send(index: int) -> dict[str, Any]:
            variables = {
                "key": f"key-{index}",
                "input": invoice_input(
                    contact_ids[index % len(contact_ids)], price=f"{index + 1}0.00"
                ),
            }
            body: dict[str, Any] = await server.graphql(http, "acme", CREATE_INVOICE, variables)
            if body.get("data"):
                acknowledged.setdefault(f"key-{index}", []).append(body["data"]["createInvoice"])
            return body

        for index, fault, retries in steps:
            await http.delete(f"{sandbox.url}/__sandbox/faults")
            if fault:
                await http.post(f"{sandbox.url}/__sandbox/faults", json=fault)
            body = await send(index)
            for _ in range(retries):
                if body.get("data") or not body["errors"][0]["extensions"].get("retryable"):
                    break
                body = await send(index)

        # The client eventually retries every key it used until it is acknowledged.
        await http.delete(f"{sandbox.url}/__sandbox/faults")
        used = {index for index, _, _ in steps}
        for index in used:
            while f"key-{index}" not in acknowledged:
                await send(index)

        created = {i: books.sales_invoices[i] for i in set(books.sales_invoices) - before}
        assert len(created) == len(acknowledged) == len(used)
        for answers in acknowledged.values():
            assert len({a["remoteId"] for a in answers}) == 1
            held = created[answers[0]["remoteId"]]
            assert Decimal(answers[0]["totalAmount"]["amount"]) == held.total_amount


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=STEPS)
def test_faults_and_retries_never_duplicate_or_lose_an_acknowledged_write(
    redis_url: str, steps: list[tuple[int, Any, int]]
) -> None:
    asyncio.run(_scenario(redis_url, steps))
