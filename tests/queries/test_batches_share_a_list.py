"""Batches of ids of one request share a whole-list read: the references of lists that answer
one after the other arrive in batches of their own, and a small batch that comes first (one
GET per id on its own) waits for the batch after it instead of paying its GETs."""

from __future__ import annotations

import httpx

from ledgergraph.sandbox import RunningSandbox
from ledgergraph.types import TenantId
from tests.queries.conftest import business_in, data, reset_stats, sage_calls
from tests.support.fixtures import sandbox_fixture
from tests.support.rounds import Rounds
from tests.support.server import LiveServer

# One page of contacts.
sandbox = sandbox_fixture(scale=0.1)

FEW = "{ bills(first: 2) { nodes { contact { id name } } } }"
BOTH = """{ bills(first: 2) { nodes { contact { id name } } }
  invoices(first: 20) { nodes { contact { id name } } } }"""


async def test_a_small_batch_first_shares_the_list_a_later_batch_reads(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    assert server.runtime is not None
    few = await data(server, http, FEW)
    named = {n["contact"]["id"] for n in few["bills"]["nodes"] if n["contact"]}
    assert 1 <= len(named) <= 3, "a small batch of contacts expected"
    # The bills answer from the cache at once, the invoices from Sage 40 ms later: the bills'
    # contacts are the request's first batch, and a small one.
    await server.runtime.sage.invalidate(
        TenantId("acme"), business_in(sandbox, "GB"), "contacts", "sales_invoices"
    )
    await reset_stats(http, sandbox)
    await http.post(f"{sandbox.url}/__sandbox/faults", json={"latency_ms": 40})
    recorder = Rounds(sandbox.api_url).watch(server.runtime.http)

    both = await data(server, http, BOTH)

    invoiced = {n["contact"]["id"] for n in both["invoices"]["nodes"] if n["contact"]}
    assert len(invoiced - named) > 3, "a large batch of contacts expected after the small one"
    assert both["bills"] == few["bills"]
    # The contacts' one page, read once for both batches: no GET by id.
    assert await sage_calls(http, sandbox) == {
        "GET /v3.1/sales_invoices": 1,
        "GET /v3.1/contacts": 1,
    }
    assert recorder.count() == 2
