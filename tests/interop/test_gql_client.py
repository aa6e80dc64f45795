"""Python ``gql`` 4, as its documentation shows: HTTP (aiohttp and httpx) for queries and
mutations; WebSocket (both protocols) and multipart HTTP for a ``syncEvents`` subscription."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from gql import Client, GraphQLRequest, gql
from gql.transport.aiohttp import AIOHTTPTransport
from gql.transport.async_transport import AsyncTransport
from gql.transport.httpx import HTTPXAsyncTransport
from gql.transport.websockets import WebsocketsTransport

from ledgergraph.sandbox import RunningSandbox
from tests.interop.conftest import (
    CREATE_CONTACT,
    SYNC_EVENTS,
    Tenant,
    assert_event_of,
    create_contact,
    cursor_now,
)
from tests.support.server import LiveServer, serve_ledgergraph

pytestmark = pytest.mark.redis


def _http_transport(kind: str, url: str, tenant: Tenant) -> AsyncTransport:
    if kind == "aiohttp":
        return AIOHTTPTransport(url=url, headers=tenant.authorization)
    return HTTPXAsyncTransport(url=url, headers=tenant.authorization)


@pytest.mark.parametrize("kind", ["aiohttp", "httpx"])
async def test_gql_over_http_runs_a_query_and_a_mutation(
    server: LiveServer, sandbox: RunningSandbox, acme: Tenant, kind: str
) -> None:
    transport = _http_transport(kind, f"{server.url}/graphql", acme)
    async with Client(transport=transport) as session:
        queried = await session.execute(gql("{ connection { status } }"))
        created = await session.execute(
            GraphQLRequest(
                CREATE_CONTACT,
                variable_values={"key": f"gql-{kind}", "name": f"Made with gql over {kind}"},
            )
        )

    assert queried == {"connection": {"status": "CONNECTED"}}
    contact = created["createContact"]
    assert contact["name"] == f"Made with gql over {kind}"
    names = {c.name for b in sandbox.world.businesses.values() for c in b.books.contacts.values()}
    assert contact["name"] in names


@pytest.fixture
async def legacy_server(
    sandbox: RunningSandbox, redis_url: str, key_prefix: str
) -> AsyncIterator[LiveServer]:
    """The same server with the opt-in legacy graphql-ws protocol switched on."""
    async with serve_ledgergraph(
        sandbox, redis_url=redis_url, prefix=key_prefix, legacy_graphql_ws=True
    ) as running:
        yield running


def _subscription_transport(kind: str, server: LiveServer, tenant: Tenant) -> AsyncTransport:
    ws_url = server.url.replace("http://", "ws://", 1) + "/graphql"
    if kind == "multipart":
        # gql subscribes over HTTP with Accept: multipart/mixed;subscriptionSpec=1.0.
        return AIOHTTPTransport(url=f"{server.url}/graphql", headers=tenant.authorization)
    protocol = {
        "graphql-transport-ws": WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL,
        "graphql-ws": WebsocketsTransport.APOLLO_SUBPROTOCOL,
    }[kind]
    return WebsocketsTransport(
        url=ws_url, init_payload=tenant.authorization, subprotocols=[protocol]
    )


@pytest.mark.parametrize("kind", ["graphql-transport-ws", "graphql-ws", "multipart"])
async def test_a_gql_subscription_receives_the_event_of_a_mutation(
    server: LiveServer,
    legacy_server: LiveServer,
    http: httpx.AsyncClient,
    acme: Tenant,
    kind: str,
) -> None:
    # Both servers share the sandbox, Redis and key prefix: acme is connected on either.
    target = legacy_server if kind == "graphql-ws" else server
    since = await cursor_now(server, acme)
    request = GraphQLRequest(SYNC_EVENTS, variable_values={"since": since})

    async with Client(transport=_subscription_transport(kind, target, acme)) as session:
        results = session.subscribe(request)
        first = asyncio.ensure_future(anext(results))
        try:
            contact = await create_contact(server, http, acme)
            async with asyncio.timeout(10):
                result: dict[str, Any] = await first
        finally:
            first.cancel()
            await asyncio.gather(first, return_exceptions=True)
            await results.aclose()

    assert_event_of(result["syncEvents"], contact)
