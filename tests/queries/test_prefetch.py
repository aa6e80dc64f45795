"""A list's references are asked of Sage as soon as its page arrives: before graphql-core has
completed the page's objects, so before any of their reference fields resolves. Only what the
selection asks for (fragments, aliases and @skip/@include as graphql-core reads them)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ledgergraph import kinds, model
from ledgergraph.resolvers.context import Context
from ledgergraph.sandbox import RunningSandbox
from ledgergraph.types import TenantId
from tests.queries.conftest import business_in, data, reset_stats, sage_calls
from tests.support.server import LiveServer

LINES = "lines { taxRate { name } ledgerAccount { name } }"
FRAGMENTS = """
query { invoices(first: 30) { edges { node { ...Refs } } } }
fragment Refs on Document {
  buyer: contact { name }
  ... on Invoice { lines { rate: taxRate { name } } }
}
"""


@pytest.fixture
def events(
    monkeypatch: pytest.MonkeyPatch, server: LiveServer, sandbox: RunningSandbox
) -> Iterator[list[tuple[str, str]]]:
    """In order: each Sage list call as it leaves the server ("call", resource), and each
    reference field as it resolves ("field", resource of the kind it follows)."""
    assert server.runtime is not None
    http = server.runtime.http
    seen: list[tuple[str, str]] = []

    async def on_request(request: httpx.Request) -> None:
        url = str(request.url)
        if url.startswith(sandbox.api_url):
            seen.append(("call", url.removeprefix(sandbox.api_url).strip("/").split("?")[0]))

    referenced = Context.referenced

    def recording(
        self: Context, business_id: str, ref: model.Ref | None, kind: kinds.ObjectKind
    ) -> Any:
        seen.append(("field", kind.resource.name))
        return referenced(self, business_id, ref, kind)

    monkeypatch.setattr(Context, "referenced", recording)
    http.event_hooks["request"].append(on_request)
    try:
        yield seen
    finally:
        http.event_hooks["request"].remove(on_request)


async def _cold(server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient) -> None:
    assert server.runtime is not None
    await server.runtime.sage.invalidate(
        TenantId("acme"),
        business_in(sandbox, "GB"),
        "contacts",
        "sales_invoices",
        "purchase_invoices",
        "contact_payments",
        "tax_rates",
        "ledger_accounts",
        "bank_accounts",
    )
    await reset_stats(http, sandbox)


# The lists loaded by id only: the whole lists a page names (tax rates, ledger and bank
# accounts) are started by the prefetch too, but on a busy machine their calls may leave after
# the page's wait for them ran out (its 100 ms), so their order is not asserted.
@pytest.mark.parametrize(
    ("query", "followed"),
    [
        (
            "{ invoices(first: 30) { nodes { contact { name } " + LINES + " } } }",
            ["contacts"],
        ),
        (FRAGMENTS, ["contacts"]),
        ("{ bills(first: 20) { nodes { contact { name } } } }", ["contacts"]),
        (
            "{ payments(first: 20) { nodes { contact { name } bankAccount { name } } } }",
            ["contacts"],
        ),
    ],
    ids=["invoice-lines", "fragments-and-aliases", "bills", "payments"],
)
async def test_a_page_asks_for_its_references_before_any_reference_field_resolves(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    events: list[tuple[str, str]],
    query: str,
    followed: list[str],
) -> None:
    await data(server, http, query)  # learns the lists' lengths, as a running server has
    await _cold(server, sandbox, http)
    events.clear()

    await data(server, http, query)

    for resource in followed:
        asked = events.index(("call", resource))
        resolved = events.index(("field", resource))
        assert asked < resolved, (resource, events[: asked + 1])


async def test_a_reference_the_selection_skips_is_not_read(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    events: list[tuple[str, str]],
) -> None:
    query = """
    query ($contact: Boolean!, $lines: Boolean!) {
      invoices(first: 30) {
        nodes {
          number
          contact @include(if: $contact) { name }
          ... on Invoice @skip(if: $lines) { lines { taxRate { name } } }
        }
      }
    }
    """
    await _cold(server, sandbox, http)

    answer = await data(server, http, query, contact=False, lines=True)

    assert answer["invoices"]["nodes"][0] == {"number": answer["invoices"]["nodes"][0]["number"]}
    assert set(await sage_calls(http, sandbox)) == {"GET /v3.1/sales_invoices"}
    assert [e for e in events if e[0] == "field"] == []
