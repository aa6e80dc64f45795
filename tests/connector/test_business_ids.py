"""One business ID everywhere: what ``businesses { id }`` gives is what ``connection``,
``selectBusiness``, ``business:`` arguments and ``node(id:)`` show and take."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ledgergraph.ids import encode
from ledgergraph.sandbox.books import DEMO_USER_ID
from tests.support.browser import connect, consent, start_connect
from tests.support.server import LiveServer

FIELDS = "id remoteId name countryCode currency booksUnavailableReason"
BUSINESSES = f"{{ businesses {{ {FIELDS} }} }}"
CONNECTION = f"""{{ connection {{ status
  business {{ {FIELDS} }}
  availableBusinesses {{ {FIELDS} }} }} }}"""


async def _data(server: LiveServer, http: httpx.AsyncClient, query: str, **variables: Any) -> Any:
    body = await server.graphql(http, "acme", query, variables)
    assert "errors" not in body, body["errors"]
    return body["data"]


async def _pending_choice(server: LiveServer, http: httpx.AsyncClient) -> None:
    """Consent as the demo user (several businesses) and stop at the chooser."""
    callback = await consent(
        http, await start_connect(http, server.url, server.token("acme")), user_id=DEMO_USER_ID
    )
    await http.get(callback)


CURRENCIES = {"GB": "GBP", "IE": "EUR", "CA": "CAD", "US": "USD"} | dict.fromkeys(
    ("FR", "ES", "DE"), "EUR"
)


def _expected(server: LiveServer) -> list[dict[str, Any]]:
    """The demo user's businesses; the currency of one whose subscription lapsed is unknown
    (Sage keeps its books, financial settings included, closed) and null."""
    return [
        {
            "id": encode("Business", b.id, b.id),
            "remoteId": b.id,
            "name": b.name,
            "countryCode": b.country_code,
            "currency": CURRENCIES[b.country_code] if b.has_active_subscription else None,
        }
        for b in server.sandbox.world.businesses_of(DEMO_USER_ID)
    ]


@pytest.mark.parametrize(
    ("query", "path"),
    [(CONNECTION, ["connection", "availableBusinesses"]), (BUSINESSES, ["businesses"])],
    ids=["availableBusinesses", "businesses"],
)
async def test_every_business_carries_its_global_id_country_and_currency(
    server: LiveServer, http: httpx.AsyncClient, query: str, path: list[str]
) -> None:
    await _pending_choice(server, http)
    expected = _expected(server)

    body = await server.graphql(http, "acme", query)

    found = body["data"]
    for key in path:
        found = found[key]
    reasons = [b.pop("booksUnavailableReason") for b in found]
    assert found == expected
    # A lapsed subscription is said once, in its own field, not as an error in currency.
    assert "errors" not in body, body["errors"]
    assert [r is not None for r in reasons] == [b["currency"] is None for b in expected]


async def test_the_id_businesses_gives_selects_queries_and_resolves_a_business(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    await _pending_choice(server, http)
    businesses = (await server.graphql(http, "acme", BUSINESSES))["data"]["businesses"]
    canadian = next(b for b in businesses if b["countryCode"] == "CA" and b["currency"])
    french = next(b for b in businesses if b["countryCode"] == "FR" and b["currency"])

    selected = await _data(
        server,
        http,
        "mutation($id: ID!) { selectBusiness(id: $id) { business { id } } }",
        id=canadian["id"],
    )
    other = await _data(
        server,
        http,
        """query($b: ID!) { business(id: $b) { id currency }
          contacts(business: $b, first: 1) { totalCount }
          node(id: $b) { id ... on Business { remoteId } } }""",
        b=french["id"],
    )

    assert selected["selectBusiness"]["business"]["id"] == canadian["id"]
    connection = await _data(server, http, f"{{ connection {{ business {{ {FIELDS} }} }} }}")
    assert connection["connection"]["business"] == canadian
    assert other["business"] == {"id": french["id"], "currency": "EUR"}
    assert other["contacts"]["totalCount"] > 0
    assert other["node"] == {"id": french["id"], "remoteId": french["remoteId"]}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ('mutation { selectBusiness(id: "not an id") { status } }', "id"),
        ('{ business(id: "not an id") { name } }', "id"),
        ('{ contacts(business: "not an id") { totalCount } }', "business"),
    ],
    ids=["selectBusiness", "business", "contacts"],
)
async def test_a_malformed_business_id_is_bad_user_input_naming_the_argument(
    server: LiveServer, http: httpx.AsyncClient, query: str, field: str
) -> None:
    await connect(http, server.url, server.token("acme"), user_id=DEMO_USER_ID)

    body = await server.graphql(http, "acme", query)

    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == field


async def test_another_types_id_is_not_a_business_id(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    await connect(http, server.url, server.token("acme"), user_id=DEMO_USER_ID)
    contact = (await _data(server, http, "{ contacts(first: 1) { nodes { id } } }"))["contacts"]

    body = await server.graphql(
        http,
        "acme",
        "mutation($id: ID!) { selectBusiness(id: $id) { status } }",
        {"id": contact["nodes"][0]["id"]},
    )

    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "not a Business" in body["errors"][0]["message"]
