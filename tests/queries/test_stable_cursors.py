"""Cursors name the last item seen: edits in Sage between two pages neither skip nor repeat."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from ledgergraph.types import TenantId
from tests.queries.conftest import business_in, data
from tests.support.server import LiveServer

WALK = """query($first: Int!, $after: String) {
  contacts(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { remoteId } } } }"""
_numbers = itertools.count(1)

Edit = Callable[["Books", str], Awaitable[None]]


class Books:
    """Out-of-band edits to the British business's contacts, as a person in Sage makes them."""

    def __init__(self, server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient):
        self.server, self.http = server, http
        self.business = business_in(sandbox, "GB")
        self.url = f"{sandbox.url}/__sandbox/businesses/{self.business}/contacts"

    async def create(self, reference: str) -> str:
        body = {
            "contact": {
                "name": f"Early Bird {reference}",
                "reference": reference,
                "contact_type_ids": ["CUSTOMER"],
            }
        }
        response = await self.http.post(self.url, json=body)
        assert response.status_code == 201, response.text
        created: str = response.json()["id"]
        await self.changed()
        return created

    async def delete(self, contact_id: str) -> None:
        response = await self.http.delete(f"{self.url}/{contact_id}")
        assert response.status_code in (200, 204), response.text
        await self.changed()

    async def changed(self) -> None:
        # What the sync poller does when it sees Sage change.
        assert self.server.runtime is not None
        await self.server.runtime.sage.invalidate(TenantId("acme"), self.business, "contacts")


def reference(prefix: str = "0AA") -> str:
    return f"{prefix}{next(_numbers):04d}"


async def page(
    server: LiveServer, http: httpx.AsyncClient, first: int, after: str | None
) -> dict[str, Any]:
    result: dict[str, Any] = (await data(server, http, WALK, first=first, after=after))["contacts"]
    return result


async def walk_with_an_edit(
    server: LiveServer,
    http: httpx.AsyncClient,
    first: int,
    edit: Callable[[], Awaitable[None]],
) -> list[str]:
    """Every id a walk sees, with ``edit`` made after its first page."""
    seen: list[str] = []
    after: str | None = None
    edited = False
    while True:
        current = await page(server, http, first, after)
        seen.extend(edge["node"]["remoteId"] for edge in current["edges"])
        if not edited:
            await edit()
            edited = True
        if not current["pageInfo"]["hasNextPage"]:
            return seen
        after = current["pageInfo"]["endCursor"]


async def everything(server: LiveServer, http: httpx.AsyncClient) -> list[str]:
    ids: list[str] = []
    after = None
    while True:
        current = await page(server, http, 200, after)
        ids.extend(edge["node"]["remoteId"] for edge in current["edges"])
        if not current["pageInfo"]["hasNextPage"]:
            return ids
        after = current["pageInfo"]["endCursor"]


@pytest.mark.parametrize("change", ["delete a seen one", "insert before", "delete the anchor"])
async def test_a_walk_sees_every_contact_once_whatever_changes_between_pages(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, change: str
) -> None:
    books = Books(server, sandbox, http)
    early = await books.create(reference())
    anchor = await books.create(reference())
    before = await everything(server, http)
    # The first page ends on ``anchor``; ``early`` is on it.
    first = before.index(anchor) + 1
    assert before.index(early) < first

    async def edit() -> None:
        if change == "delete a seen one":
            await books.delete(early)
        elif change == "insert before":
            await books.create(reference("00A"))  # sorts before everything seen
        else:
            await books.delete(anchor)

    seen = await walk_with_an_edit(server, http, first, edit)

    assert len(seen) == len(set(seen)), "a contact came back twice"
    assert set(before) - set(seen) == set(), "a contact was skipped"


async def test_a_cursor_of_another_order_is_refused_with_what_to_do(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    first = await data(
        server, http, "{ invoices(first: 2, orderBy: DATE_DESC) { pageInfo { endCursor } } }"
    )
    cursor = first["invoices"]["pageInfo"]["endCursor"]

    body = await server.graphql(
        http,
        "acme",
        "query($a: String!) { invoices(first: 2, after: $a) { totalCount } }",
        {"a": cursor},
    )

    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "after"
    assert "orderBy" in error["message"]
