"""X-Business on every request; the lead business never matters; a vanished business is
reported as BUSINESS_UNAVAILABLE instead of silently reading another one."""

from __future__ import annotations

import httpx
import pytest

from ledgergraph.errors import BusinessUnavailable
from ledgergraph.sandbox.books import DEMO_USER_ID
from ledgergraph.types import TenantId
from tests.support.browser import connect
from tests.support.server import LiveServer


def _business(server: LiveServer, country: str) -> str:
    world = server.sandbox.world
    return next(
        b.id
        for b in world.businesses.values()
        if b.country_code == country and b.id in world.users[DEMO_USER_ID].business_ids
    )


async def test_every_request_carries_x_business_even_after_the_lead_business_changes(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    irish, german = _business(server, "IE"), _business(server, "DE")
    await connect(http, server.url, server.token("acme"), user_id=DEMO_USER_ID, choose=irish)
    await http.post(
        f"{server.sandbox.url}/__sandbox/lead-business",
        json={"business_id": german, "user_id": DEMO_USER_ID},
    )
    assert server.runtime is not None

    contacts = await server.runtime.sage.get(TenantId("acme"), "/contacts")
    settings = await server.runtime.sage.get(TenantId("acme"), "/financial_settings")

    stats = (await http.get(f"{server.sandbox.url}/__sandbox/stats")).json()
    assert stats["missing_x_business"] == 0
    assert german not in stats["businesses"]
    assert stats["businesses"][irish] >= 2
    assert contacts["$total"] > 0
    assert settings["base_currency"]["id"] == "EUR"


async def test_an_explicit_business_must_be_one_of_the_users(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    await connect(http, server.url, server.token("acme"), user_id=DEMO_USER_ID)
    assert server.runtime is not None
    french = _business(server, "FR")

    settings = await server.runtime.sage.get(
        TenantId("acme"), "/financial_settings", business=french
    )
    assert settings["base_currency"]["id"] == "EUR"
    with pytest.raises(BusinessUnavailable):
        await server.runtime.sage.get(
            TenantId("acme"), "/contacts", business="0123456789abcdef0123456789abcdef"
        )


async def test_a_removed_business_makes_the_connection_business_unavailable(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    irish = _business(server, "IE")
    await connect(http, server.url, server.token("acme"), user_id=DEMO_USER_ID, choose=irish)
    await http.delete(f"{server.sandbox.url}/__sandbox/users/{DEMO_USER_ID}/businesses/{irish}")
    assert server.runtime is not None

    with pytest.raises(BusinessUnavailable):
        await server.runtime.sage.get(TenantId("acme"), "/contacts")

    body = await server.graphql(http, "acme", "{ connection { status message } }")
    assert body["data"]["connection"]["status"] == "BUSINESS_UNAVAILABLE"
    assert "select another business" in body["data"]["connection"]["message"]
    # Later requests fail fast, without asking Sage for another business's data.
    before = (await http.get(f"{server.sandbox.url}/__sandbox/stats")).json()["requests"]
    with pytest.raises(BusinessUnavailable):
        await server.runtime.sage.get(TenantId("acme"), "/contacts")
    after = (await http.get(f"{server.sandbox.url}/__sandbox/stats")).json()["requests"]
    assert before == after
