"""Relay pagination over Sage's pages: whole lists without gaps or duplicates; clear errors."""

from __future__ import annotations

import httpx
import pytest

from tests.queries.conftest import data
from tests.support.server import LiveServer

WALK = """query($first: Int!, $after: String) {
  contacts(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { id name } } } }"""


@pytest.mark.parametrize("page_size", [37, 200])
async def test_walking_a_list_sees_every_object_once(
    server: LiveServer, http: httpx.AsyncClient, page_size: int
) -> None:
    seen: list[str] = []
    after: str | None = None
    total = None
    while True:
        page = (await data(server, http, WALK, first=page_size, after=after))["contacts"]
        total = page["totalCount"]
        seen.extend(edge["node"]["id"] for edge in page["edges"])
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == total
    assert len(set(seen)) == total


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ("first: 0", "first"),
        ("first: 201", "first"),
        ('after: "bm90LWEtY3Vyc29y"', "after"),
        ('after: "%%%"', "after"),
    ],
)
async def test_bad_pagination_arguments_are_refused_with_the_field_named(
    server: LiveServer, http: httpx.AsyncClient, arguments: str, field: str
) -> None:
    body = await server.graphql(http, "acme", f"{{ contacts({arguments}) {{ totalCount }} }}")
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == field
