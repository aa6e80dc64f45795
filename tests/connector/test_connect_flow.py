"""The interactive connect flow, driven as a browser would, including every error path."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from ledgergraph.cache import keys
from ledgergraph.ids import encode
from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import DEMO_USER_ID, SOLO_USER_ID
from ledgergraph.types import ConnectionStatus, TenantId
from tests.support.browser import connect, consent, start_connect
from tests.support.server import LiveServer, serve_ledgergraph

CONNECTION_QUERY = """{ connection { status message business { id name countryCode currency }
  availableBusinesses { id name } } }"""


async def _connection(server: LiveServer, http: httpx.AsyncClient, tenant: str) -> dict[str, Any]:
    body = await server.graphql(http, tenant, CONNECTION_QUERY)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["connection"]
    return result


async def test_a_user_with_one_business_is_connected_to_it_at_once(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    result = await connect(http, server.url, server.token("acme"), user_id=SOLO_USER_ID)

    assert result.response.status_code == 200
    assert "Connected to Sage" in result.response.text
    connection = await _connection(server, http, "acme")
    business = server.sandbox.world.businesses[
        server.sandbox.world.users[SOLO_USER_ID].business_ids[0]
    ]
    assert connection["status"] == "CONNECTED"
    assert connection["business"] == {
        "id": encode("Business", business.id, business.id),
        "name": business.name,
        "countryCode": "GB",
        "currency": "GBP",
    }


async def test_a_user_with_several_businesses_chooses_one_on_the_chooser_page(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    world = server.sandbox.world
    irish = next(
        b
        for b in world.businesses.values()
        if b.country_code == "IE" and b.id in world.users[DEMO_USER_ID].business_ids
    )
    callback = await consent(
        http, await start_connect(http, server.url, server.token("acme")), user_id=DEMO_USER_ID
    )
    page = await http.get(callback, headers={"Accept": "text/html"})
    assert "Which Sage business" in page.text
    pending = await _connection(server, http, "acme")
    assert pending["status"] == "NOT_CONNECTED"
    assert pending["business"] is None
    assert len(pending["availableBusinesses"]) == len(world.users[DEMO_USER_ID].business_ids)

    result = await connect(
        http, server.url, server.token("acme"), user_id=DEMO_USER_ID, choose=irish.id
    )

    assert "Connected to Sage" in result.response.text
    connection = await _connection(server, http, "acme")
    assert connection["status"] == "CONNECTED"
    assert connection["business"] == {
        "id": encode("Business", irish.id, irish.id),
        "name": irish.name,
        "countryCode": "IE",
        "currency": "EUR",
    }


@pytest.mark.parametrize("form", ["global-id", "sage-id"])
async def test_select_business_mutation_does_what_the_chooser_does(
    server: LiveServer, http: httpx.AsyncClient, form: str
) -> None:
    world = server.sandbox.world
    callback = await consent(
        http, await start_connect(http, server.url, server.token("acme")), user_id=DEMO_USER_ID
    )
    await http.get(callback)
    canadian = next(
        b
        for b in world.businesses.values()
        if b.country_code == "CA" and b.id in world.users[DEMO_USER_ID].business_ids
    )
    global_id = encode("Business", canadian.id, canadian.id)

    body = await server.graphql(
        http,
        "acme",
        "mutation($id: ID!) { selectBusiness(id: $id) { status business { id currency } } }",
        {"id": global_id if form == "global-id" else canadian.id},
    )

    assert body["data"]["selectBusiness"] == {
        "status": "CONNECTED",
        "business": {"id": global_id, "currency": "CAD"},
    }


async def test_selecting_a_business_the_user_cannot_access_is_refused(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    await connect(http, server.url, server.token("acme"), user_id=SOLO_USER_ID)
    body = await server.graphql(
        http,
        "acme",
        'mutation { selectBusiness(id: "0123456789abcdef0123456789abcdef") { status } }',
    )
    assert body["errors"][0]["extensions"]["code"] == "BUSINESS_UNAVAILABLE"
    assert (await _connection(server, http, "acme"))["status"] == "CONNECTED"


async def test_denied_consent_shows_an_error_and_stores_nothing(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    callback = await consent(
        http,
        await start_connect(http, server.url, server.token("acme")),
        user_id=SOLO_USER_ID,
        approve=False,
    )
    page = await http.get(callback, headers={"Accept": "text/html"})

    assert page.status_code == 400
    assert "access_denied" in page.text
    assert (await _connection(server, http, "acme"))["status"] == "NOT_CONNECTED"
    assert server.runtime is not None
    assert await server.runtime.tokens.load(TenantId("acme")) is None


async def test_a_replayed_callback_is_refused(server: LiveServer, http: httpx.AsyncClient) -> None:
    callback = await consent(
        http, await start_connect(http, server.url, server.token("acme")), user_id=SOLO_USER_ID
    )
    assert (await http.get(callback)).status_code == 200

    replay = await http.get(callback, headers={"Accept": "application/json"})

    assert replay.status_code == 400
    assert replay.json()["errors"][0]["extensions"]["code"] == "CONNECT_FAILED"
    assert "already used" in replay.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda s: s[:-2] + ("AA" if not s.endswith("AA") else "BB"), id="forged"),
        pytest.param(lambda s: "", id="missing"),
        pytest.param(lambda s: "not-a-state", id="garbage"),
    ],
)
async def test_a_bad_state_is_refused_and_stores_nothing(
    server: LiveServer, http: httpx.AsyncClient, tamper: object
) -> None:
    callback = await consent(
        http, await start_connect(http, server.url, server.token("acme")), user_id=SOLO_USER_ID
    )
    query = dict(parse_qsl(urlsplit(callback).query))
    query["state"] = tamper(query["state"])  # type: ignore[operator]

    page = await http.get(callback.split("?")[0], params=query)

    assert page.status_code == 400
    assert (await _connection(server, http, "acme"))["status"] == "NOT_CONNECTED"


async def test_an_expired_state_is_refused(
    sandbox: RunningSandbox, redis_url: str, key_prefix: str, http: httpx.AsyncClient
) -> None:
    async with serve_ledgergraph(
        sandbox,
        redis_url=redis_url,
        prefix=key_prefix,
        connect_state_ttl=0.2,
    ) as server:
        callback = await consent(
            http, await start_connect(http, server.url, server.token("acme")), user_id=SOLO_USER_ID
        )
        import asyncio

        await asyncio.sleep(0.3)
        page = await http.get(callback, headers={"Accept": "application/json"})

        assert page.status_code == 400
        assert "expired" in page.json()["errors"][0]["message"]
        assert (await _connection(server, http, "acme"))["status"] == "NOT_CONNECTED"


async def test_a_failed_code_exchange_shows_an_error_and_stores_nothing(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    callback = await consent(
        http, await start_connect(http, server.url, server.token("acme")), user_id=SOLO_USER_ID
    )
    await http.post(
        f"{server.sandbox.url}/__sandbox/faults",
        json={"fail": {"method": "POST", "path": "/token", "status": 400, "count": 1}},
    )

    page = await http.get(callback, headers={"Accept": "text/html"})

    assert page.status_code == 400
    assert "start again" in page.text
    assert server.runtime is not None
    assert await server.runtime.tokens.load(TenantId("acme")) is None
    assert await server.runtime.store.kv.get_versioned(keys.connection("acme")) is None


async def test_connect_requires_the_tenant_token(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    response = await http.get(f"{server.url}/connect/sage", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "createConnectLink" in response.json()["errors"][0]["message"]


async def test_the_authorize_redirect_carries_pkce_and_a_signed_state(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    url = await start_connect(http, server.url, server.token("acme"))
    query = dict(parse_qsl(urlsplit(url).query))
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43
    assert query["response_type"] == "code"
    assert query["redirect_uri"] == f"{server.url}/oauth/sage/callback"
    assert "." in query["state"]


async def test_disconnect_revokes_the_refresh_token_and_forgets_the_connection(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    await connect(http, server.url, server.token("acme"), user_id=SOLO_USER_ID)
    assert server.runtime is not None
    stored = await server.runtime.tokens.load(TenantId("acme"))
    assert stored is not None

    body = await server.graphql(http, "acme", "mutation { disconnect { status } }")

    assert body["data"]["disconnect"]["status"] == ConnectionStatus.NOT_CONNECTED.value
    assert await server.runtime.tokens.load(TenantId("acme")) is None
    refused = await http.post(
        server.sandbox.token_url,
        data={
            "grant_type": "refresh_token",
            "refresh_token": stored.tokens.refresh_token,
            "client_id": "sandbox-client",
            "client_secret": "sandbox-secret",
        },
    )
    assert refused.json()["error"] == "invalid_grant"


async def test_a_configured_return_url_receives_the_browser(
    sandbox: RunningSandbox, redis_url: str, key_prefix: str, http: httpx.AsyncClient
) -> None:
    async with serve_ledgergraph(
        sandbox,
        redis_url=redis_url,
        prefix=key_prefix,
        connect_return_url="http://app.example/settings",
    ) as server:
        result = await connect(http, server.url, server.token("acme"), user_id=SOLO_USER_ID)
        business = (await _connection(server, http, "acme"))["business"]["id"]
        assert result.response.status_code == 302
        assert result.response.headers["Location"] == (
            f"http://app.example/settings?connected=1&business={business}"
        )
