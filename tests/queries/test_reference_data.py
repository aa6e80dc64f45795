"""``currencies``, ``exchangeRates``, ``paymentMethods`` and ``countries``: Sage's reference
lists in every country, read whole once and then served from the cache."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.api.resources.exchange_rates import rate
from ledgergraph.sandbox.books.reference import countries, currencies, enumeration
from tests.queries.conftest import business_in, data, reset_stats, sage_calls
from tests.support.server import LiveServer

COUNTRIES = ["GB", "IE", "CA", "US", "FR", "ES", "DE"]
REFERENCE = """query($business: ID) {
  currencies(business: $business, first: 100) { totalCount nodes { id remoteId code name } }
  exchangeRates(business: $business, first: 100) {
    totalCount nodes { remoteId baseCurrency currency rate inverseRate } }
  paymentMethods(business: $business) { nodes { code name } }
  countries(business: $business, first: 10) { totalCount nodes { code name } } }"""


@pytest.mark.parametrize("country", COUNTRIES)
async def test_every_country_offers_sages_reference_lists(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, country: str
) -> None:
    business = business_in(sandbox, country)
    base = sandbox.world.businesses[business].books.base_currency_id()
    found = await data(server, http, REFERENCE, business=business)
    assert {n["code"]: n["name"] for n in found["currencies"]["nodes"]} == {
        code: item.displayed_as.removesuffix(f" ({code})") for code, item in currencies().items()
    }
    rates = found["exchangeRates"]["nodes"]
    assert len(rates) == found["exchangeRates"]["totalCount"] == len(currencies())
    for node in rates:
        assert node["baseCurrency"] == base
        assert node["remoteId"] == node["currency"]
        assert Decimal(node["rate"]) == rate(base, node["currency"])
    assert {n["code"]: n["name"] for n in found["paymentMethods"]["nodes"]} == {
        code: item.displayed_as for code, item in enumeration("payment_methods").items()
    }
    assert found["countries"]["totalCount"] == len(countries())
    assert len(found["countries"]["nodes"]) == 10


async def test_reference_lists_are_read_once_then_served_from_the_cache(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    query = """{ a: currencies(first: 1) { nodes { code } }
      b: currencies(first: 50) { nodes { code } } }"""
    await reset_stats(http, sandbox)
    await data(server, http, query)
    assert await sage_calls(http, sandbox) == {"GET /v3.1/currencies": 1}
    await reset_stats(http, sandbox)
    await data(server, http, query)
    assert await sage_calls(http, sandbox) == {}


async def test_an_exchange_rate_is_found_by_currency_and_through_node(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    query = """query($currency: String) { exchangeRates(currency: $currency) {
      nodes { id currency rate } } }"""
    nodes = (await data(server, http, query, currency="usd"))["exchangeRates"]["nodes"]
    assert [n["currency"] for n in nodes] == ["USD"]
    found = await data(
        server,
        http,
        """query($id: ID!) { node(id: $id) { __typename ... on ExchangeRate { rate } } }""",
        id=nodes[0]["id"],
    )
    assert found["node"] == {"__typename": "ExchangeRate", "rate": nodes[0]["rate"]}
    currency = (await data(server, http, "{ currencies(first: 1) { nodes { id code } } }"))[
        "currencies"
    ]["nodes"][0]
    again = await data(
        server,
        http,
        """query($id: ID!) { node(id: $id) { ... on Currency { code } } }""",
        id=currency["id"],
    )
    assert again["node"] == {"code": currency["code"]}
