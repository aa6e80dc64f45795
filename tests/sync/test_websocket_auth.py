"""WebSockets authenticate like queries: a tenant JWT in connection_init (or the upgrade
request's header); without a valid one the connection is refused."""

from __future__ import annotations

import pytest

from ledgergraph.events import EventLog
from tests.support.server import LiveServer
from tests.support.ws import LEGACY_WS, ConnectionRefused, GraphQLWebSocket
from tests.sync.helpers import SUBSCRIPTION, Tenant, until_live

pytestmark = pytest.mark.redis


@pytest.mark.parametrize("token", [None, "not-a-jwt"])
async def test_connection_init_without_a_valid_token_is_refused(
    server: LiveServer, token: str | None
) -> None:
    with pytest.raises(ConnectionRefused) as refused:
        async with GraphQLWebSocket.open(server.url, token=token):
            pass
    assert refused.value.code == 4403


async def test_the_legacy_protocol_refuses_with_a_connection_error(server: LiveServer) -> None:
    with pytest.raises(ConnectionRefused) as refused:
        async with GraphQLWebSocket.open(server.url, protocol=LEGACY_WS):
            pass
    assert refused.value.payload["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_token_from_another_secret_is_refused(server: LiveServer) -> None:
    from ledgergraph.auth import TenantAuthenticator

    forged = TenantAuthenticator("some-other-secret-that-is-long-enough").mint("acme")
    with pytest.raises(ConnectionRefused):
        async with GraphQLWebSocket.open(server.url, token=forged):
            pass


async def test_the_upgrade_requests_authorization_header_authenticates_too(
    server: LiveServer, events: EventLog, acme: Tenant
) -> None:
    headers = {"Authorization": f"Bearer {acme.token}"}
    async with GraphQLWebSocket.open(server.url, headers=headers) as socket:
        operation = await socket.subscribe(SUBSCRIPTION)
        await until_live(operation, events, acme.name)


async def test_the_legacy_graphql_ws_protocol_delivers_events(
    server: LiveServer, events: EventLog, acme: Tenant
) -> None:
    async with GraphQLWebSocket.open(server.url, token=acme.token, protocol=LEGACY_WS) as socket:
        operation = await socket.subscribe(SUBSCRIPTION)
        await until_live(operation, events, acme.name)


async def test_queries_over_the_socket_run_with_a_context_of_their_own(
    server: LiveServer, acme: Tenant
) -> None:
    query = "{ connection { status business { remoteId } } }"
    async with GraphQLWebSocket.open(server.url, token=acme.token) as socket:
        first, second = await socket.subscribe(query), await socket.subscribe(query)
        for operation in (first, second):
            data = await operation.data()
            assert data["connection"] == {
                "status": "CONNECTED",
                "business": {"remoteId": acme.business_id},
            }
