"""Reads of whole lists and batches ask for every page they need in one round, from the list's
known total, and short lists a page refers to are read in the page's own round; a known total
that is wrong costs a call or a round, never a wrong answer."""

from __future__ import annotations

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from ledgergraph.types import TenantId
from tests.queries.conftest import business_in, data, reset_stats, sage_calls
from tests.support.rounds import Rounds
from tests.support.server import LiveServer

CONTACTS = "{ invoices(first: 100) { nodes { number contact { name email } } } }"
WHOLE = "{ contacts(first: 1) { totalCount } }"


async def _cold(server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient) -> None:
    assert server.runtime is not None
    business = business_in(sandbox, "GB")
    await server.runtime.sage.invalidate(TenantId("acme"), business, "contacts", "sales_invoices")
    await reset_stats(http, sandbox)


async def _hint(server: LiveServer, sandbox: RunningSandbox, total: int) -> None:
    assert server.runtime is not None
    cache = server.runtime.sage._cache
    assert cache is not None
    await cache.totals.remember(
        "acme", business_in(sandbox, "GB"), "contacts", "/contacts?[]", total
    )


@pytest.mark.parametrize(
    ("hint", "extra_calls", "rounds"),
    [
        # The list's own total, learnt by the query before: two pages, read ahead of the
        # page naming the contacts, in its round.
        (None, 0, 1),
        (150, 0, 2),  # too small: one page ahead, then page 1 tells of the second
        # Too large: three pages are not read ahead; a third page asked for, answered empty.
        (450, 1, 2),
    ],
)
async def test_a_batch_asks_for_the_pages_its_known_total_says_in_one_round(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    hint: int | None,
    extra_calls: int,
    rounds: int,
) -> None:
    assert server.runtime is not None
    total = (await data(server, http, WHOLE))["contacts"]["totalCount"]
    assert 200 < total <= 400, "the seeded business should have two pages of contacts"
    expected = await data(server, http, CONTACTS)
    if hint is not None:
        await _hint(server, sandbox, hint)
    # Each Sage call takes long enough for calls asked for together to overlap, on a busy
    # machine too (at 40 ms a read-ahead page once left after the page it was ahead of).
    await http.post(f"{sandbox.url}/__sandbox/faults", json={"latency_ms": 100})
    await _cold(server, sandbox, http)
    recorder = Rounds(sandbox.api_url).watch(server.runtime.http)

    assert await data(server, http, CONTACTS) == expected

    calls = await sage_calls(http, sandbox)
    assert calls.get("GET /v3.1/contacts") == 2 + extra_calls, calls
    assert recorder.count() == rounds


async def test_a_list_read_whole_learns_a_grown_total(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    everything = "{ ledgerAccounts(first: 200) { totalCount nodes { code } } }"
    assert server.runtime is not None
    cache = server.runtime.sage._cache
    assert cache is not None
    business = business_in(sandbox, "GB")
    await cache.totals.remember("acme", business, "ledger_accounts", "/ledger_accounts?[]", 0)
    expected = await data(server, http, everything)
    # The hint said empty; page 1 said otherwise, and is the new hint.
    remembered = await cache.totals.get("acme", business, "ledger_accounts", "/ledger_accounts?[]")
    assert remembered == expected["ledgerAccounts"]["totalCount"] > 0
    assert len(expected["ledgerAccounts"]["nodes"]) == remembered


async def test_a_small_batch_reads_the_pages_when_they_are_known_to_cost_fewer_calls(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    listed = await data(server, http, "{ contacts(first: 3) { totalCount nodes { id name } } }")
    assert 200 < listed["contacts"]["totalCount"] <= 400, "two pages of contacts expected"
    ids = [n["id"] for n in listed["contacts"]["nodes"]]
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Contact { name } } }"
    await _cold(server, sandbox, http)

    found = await data(server, http, query, ids=ids)

    assert [n["name"] for n in found["nodes"]] == [n["name"] for n in listed["contacts"]["nodes"]]
    # Three ids, a list known to be two pages long: its two pages, not three GETs by id.
    assert await sage_calls(http, sandbox) == {"GET /v3.1/contacts": 2}


@pytest.mark.parametrize(
    ("query", "rounds", "calls"),
    [
        (
            "{ invoices(first: 20) { nodes { lines { taxRate { name } ledgerAccount { name } } } } "
            "}",
            1,
            {"sales_invoices": 1, "tax_rates": 1, "ledger_accounts": 1},
        ),
        # Contacts too: their list is two pages, and a page of twenty may name more.
        (
            "{ invoices(first: 20) { nodes { contact { name } lines { taxRate { name } } } } }",
            1,
            {"sales_invoices": 1, "tax_rates": 1, "contacts": 2},
        ),
    ],
    ids=["whole-lists", "and-a-short-list-by-id"],
)
async def test_the_whole_lists_a_page_refers_to_are_read_in_the_pages_round(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    query: str,
    rounds: int,
    calls: dict[str, int],
) -> None:
    assert server.runtime is not None
    expected = await data(server, http, query)  # learns the lists' lengths, as a server has
    await http.post(f"{sandbox.url}/__sandbox/faults", json={"latency_ms": 100})
    await server.runtime.sage.invalidate(
        TenantId("acme"),
        business_in(sandbox, "GB"),
        "sales_invoices",
        "tax_rates",
        "ledger_accounts",
        "contacts",
    )
    await reset_stats(http, sandbox)
    recorder = Rounds(sandbox.api_url).watch(server.runtime.http)

    assert await data(server, http, query) == expected

    made = await sage_calls(http, sandbox)
    assert made == {f"GET /v3.1/{resource}": n for resource, n in calls.items()}
    assert recorder.count() == rounds


async def test_a_page_too_short_to_name_more_ids_than_the_list_has_pages_reads_by_id(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    assert server.runtime is not None
    query = "{ invoices(first: 2) { nodes { contact { name } } } }"
    total = (await data(server, http, WHOLE))["contacts"]["totalCount"]
    assert 200 < total <= 400, "the seeded business should have two pages of contacts"
    expected = await data(server, http, query)
    await http.post(f"{sandbox.url}/__sandbox/faults", json={"latency_ms": 40})
    await _cold(server, sandbox, http)
    recorder = Rounds(sandbox.api_url).watch(server.runtime.http)

    assert await data(server, http, query) == expected

    made = await sage_calls(http, sandbox)
    # Two ids at most, two pages of contacts: not read ahead, each read by id after the page.
    assert "GET /v3.1/contacts" not in made, made
    assert 1 <= sum(n for call, n in made.items() if call.startswith("GET /v3.1/contacts/")) <= 2
    assert recorder.count() == 2
