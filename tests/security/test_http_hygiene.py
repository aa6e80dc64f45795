"""HTTP and WebSocket hygiene: no mutations over GET, CORS and WebSocket origins from an
allow-list (plus pages on this machine, in development only), only graphql-transport-ws unless
the legacy protocol is switched on, a cap on subscriptions per socket, and a Strawberry with the
2026 WebSocket fixes."""

from __future__ import annotations

import re
import tomllib
from collections.abc import AsyncIterator
from importlib.metadata import version
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Subprotocol

from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import SOLO_USER_ID
from tests.security.helpers import Tenant, connect_tenant, post
from tests.support.answers import without_cost
from tests.support.server import LiveServer, serve_ledgergraph
from tests.support.ws import LEGACY_WS, GraphQLWebSocket, OperationFailed

pytestmark = pytest.mark.redis

APP = "https://app.example"
EVIL = "https://evil.example"
# Front-end dev servers (Vite, Next, webpack) on this machine.
LOOPBACK = ("http://localhost:5173", "http://127.0.0.1:3000", "http://[::1]:8080")
# Not this machine, whatever they look like.
LOOKALIKES = (
    "http://localhost.evil.example:5173",
    "http://127.0.0.1.nip.io:3000",
    "http://evil.example:5173",
    "ws://localhost:5173",
    "null",
)


@pytest.fixture
async def cors_server(
    sandbox: RunningSandbox, redis_url: str, key_prefix: str
) -> AsyncIterator[LiveServer]:
    async with serve_ledgergraph(
        sandbox, redis_url=redis_url, prefix=key_prefix, cors_origins=(APP,)
    ) as running:
        yield running


async def test_a_mutation_over_get_is_refused(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, acme: Tenant
) -> None:
    books = sandbox.world.businesses[acme.business_id].books
    before = len(books.contacts)
    mutation = (
        'mutation { createContact(idempotencyKey: "get-1", '
        'input: {name: "Via GET", kinds: [CUSTOMER]}) { id } }'
    )

    response = await http.get(
        f"{server.url}/graphql",
        params={"query": mutation},
        headers={"Authorization": f"Bearer {acme.token}"},
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "OPERATION_NOT_ALLOWED"
    assert len(books.contacts) == before


async def test_a_query_over_get_still_works(
    server: LiveServer, http: httpx.AsyncClient, acme: Tenant
) -> None:
    response = await http.get(
        f"{server.url}/graphql",
        params={"query": "{ connection { status } }"},
        headers={"Authorization": f"Bearer {acme.token}"},
    )
    assert without_cost(response.json()) == {"data": {"connection": {"status": "CONNECTED"}}}


def _preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }


async def test_a_preflight_from_an_allowed_origin_is_answered(
    cors_server: LiveServer, http: httpx.AsyncClient
) -> None:
    response = await http.options(f"{cors_server.url}/graphql", headers=_preflight(APP))
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == APP
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in response.headers


@pytest.mark.parametrize("configured", [True, False], ids=["listed-others", "none-listed"])
async def test_a_preflight_from_any_other_origin_is_refused(
    cors_server: LiveServer, server: LiveServer, http: httpx.AsyncClient, configured: bool
) -> None:
    target = cors_server if configured else server
    response = await http.options(f"{target.url}/graphql", headers=_preflight(EVIL))
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize(
    ("origin", "token", "allowed"),
    [(APP, True, True), (APP, False, True), (EVIL, True, False), (EVIL, False, False)],
    ids=["allowed", "allowed-401", "other", "other-401"],
)
async def test_answers_carry_cors_headers_for_allowed_origins_only(
    cors_server: LiveServer, http: httpx.AsyncClient, origin: str, token: bool, allowed: bool
) -> None:
    answer = await post(
        http,
        cors_server,
        "{ connection { status } }",
        token=cors_server.token("acme") if token else None,
        headers={"Origin": origin},
    )
    assert answer.status == (200 if token else 401)
    assert answer.headers.get("Access-Control-Allow-Origin") == (origin if allowed else None)


@pytest.mark.parametrize(
    ("origin", "accepted"),
    [(EVIL, False), (APP, True), (None, True)],
    ids=["foreign-origin", "allowed-origin", "no-origin"],
)
async def test_websocket_handshakes_from_foreign_origins_are_refused(
    cors_server: LiveServer, origin: str | None, accepted: bool
) -> None:
    headers = {"Origin": origin} if origin else {}
    token = cors_server.token("acme")
    if accepted:
        async with GraphQLWebSocket.open(cors_server.url, token=token, headers=headers):
            return
    with pytest.raises(InvalidStatus) as refused:
        async with GraphQLWebSocket.open(cors_server.url, token=token, headers=headers):
            pass
    assert refused.value.response.status_code == 403


async def test_the_same_origin_may_open_a_websocket(server: LiveServer) -> None:
    headers = {"Origin": server.url}
    async with GraphQLWebSocket.open(server.url, token=server.token("acme"), headers=headers):
        pass


async def test_the_legacy_protocol_is_refused_unless_enabled(
    server: LiveServer, sandbox: RunningSandbox, redis_url: str, key_prefix: str
) -> None:
    url = server.url.replace("http://", "ws://") + "/graphql"
    async with connect(url, subprotocols=[Subprotocol(LEGACY_WS)]) as socket:
        assert socket.subprotocol is None
        with pytest.raises(ConnectionClosed) as closed:
            await socket.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4406

    async with (
        serve_ledgergraph(
            sandbox, redis_url=redis_url, prefix=key_prefix, legacy_graphql_ws=True
        ) as legacy,
        GraphQLWebSocket.open(legacy.url, token=legacy.token("acme"), protocol=LEGACY_WS),
    ):
        pass


async def test_subscriptions_per_socket_are_capped(
    sandbox: RunningSandbox, redis_url: str, key_prefix: str, http: httpx.AsyncClient
) -> None:
    async with serve_ledgergraph(
        sandbox, redis_url=redis_url, prefix=key_prefix, max_subscriptions_per_connection=2
    ) as capped:
        acme = await connect_tenant(http, capped, "acme", user_id=SOLO_USER_ID)
        query = "subscription { syncEvents { cursor } }"
        async with GraphQLWebSocket.open(capped.url, token=acme.token) as socket:
            await socket.subscribe(query)
            await socket.subscribe(query)
            third = await socket.subscribe(query)
            with pytest.raises(OperationFailed) as refused:
                await third.next()
    assert "limit" in refused.value.errors[0]["message"]


@pytest.fixture
async def production_server(
    sandbox: RunningSandbox, redis_url: str, key_prefix: str
) -> AsyncIterator[LiveServer]:
    async with serve_ledgergraph(
        sandbox,
        redis_url=redis_url,
        prefix=key_prefix,
        mode="production",
        cors_origins=(APP,),
        # The test session's throwaway Redis keeps nothing across restarts, and need not.
        allow_volatile_store=True,
    ) as running:
        yield running


@pytest.mark.parametrize("origin", LOOPBACK)
async def test_in_development_a_dev_server_on_this_machine_may_call_graphql(
    server: LiveServer, http: httpx.AsyncClient, origin: str
) -> None:
    preflight = await http.options(f"{server.url}/graphql", headers=_preflight(origin))
    answer = await post(
        http,
        server,
        "{ __typename }",
        token=server.token("acme"),
        headers={"Origin": origin},
    )

    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == origin
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    assert answer.status == 200
    assert answer.headers["Access-Control-Allow-Origin"] == origin
    async with GraphQLWebSocket.open(
        server.url, token=server.token("acme"), headers={"Origin": origin}
    ):
        pass


@pytest.mark.parametrize("origin", LOOKALIKES)
async def test_in_development_only_this_machine_is_let_in(
    server: LiveServer, http: httpx.AsyncClient, origin: str
) -> None:
    preflight = await http.options(f"{server.url}/graphql", headers=_preflight(origin))
    assert preflight.status_code == 403
    with pytest.raises(InvalidStatus) as refused:
        async with GraphQLWebSocket.open(
            server.url, token=server.token("acme"), headers={"Origin": origin}
        ):
            pass
    assert refused.value.response.status_code == 403


@pytest.mark.parametrize("origin", LOOPBACK)
async def test_in_production_only_configured_origins_are_let_in(
    production_server: LiveServer, http: httpx.AsyncClient, origin: str
) -> None:
    url = f"{production_server.url}/graphql"
    token = production_server.token("acme")

    refused = await http.options(url, headers=_preflight(origin))
    allowed = await http.options(url, headers=_preflight(APP))
    answer = await post(
        http, production_server, "{ __typename }", token=token, headers={"Origin": origin}
    )

    assert refused.status_code == 403
    assert "Access-Control-Allow-Origin" not in answer.headers
    assert allowed.status_code == 204
    with pytest.raises(InvalidStatus) as handshake:
        async with GraphQLWebSocket.open(
            production_server.url, token=token, headers={"Origin": origin}
        ):
            pass
    assert handshake.value.response.status_code == 403


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def test_strawberry_has_the_2026_websocket_fixes() -> None:
    assert _version(version("strawberry-graphql")) >= (0, 315, 7)
    project = tomllib.loads(Path(__file__).parents[2].joinpath("pyproject.toml").read_text())
    pins = [d for d in project["project"]["dependencies"] if d.startswith("strawberry-graphql")]
    assert pins == ["strawberry-graphql>=0.315.7"]
