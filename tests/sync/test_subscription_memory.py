"""A long-lived subscription keeps nothing per event it delivers (the soak's RSS growth)."""

from __future__ import annotations

import gc

import pytest
from graphql.execution.collect_fields import CollectedFields, FieldDetails

from ledgergraph.events import EventLog
from ledgergraph.types import ConnectionStatus, TenantId
from tests.support.server import LiveServer
from tests.support.ws import GraphQLWebSocket, Operation
from tests.sync.helpers import SUBSCRIPTION, Tenant, is_marker, until_live

pytestmark = pytest.mark.redis

EVENTS = 60


def execution_objects() -> int:
    """graphql-core's per-execution bookkeeping alive in this process (the server's too)."""
    gc.collect()
    return sum(isinstance(o, CollectedFields | FieldDetails) for o in gc.get_objects())


async def deliver(operation: Operation, events: EventLog, tenant: str, count: int) -> None:
    for _ in range(count):
        await events.connection_changed(TenantId(tenant), ConnectionStatus.CONNECTED)
        data = await operation.data(timeout=5.0)
        assert is_marker(data["syncEvents"]), data


async def test_events_delivered_to_an_open_subscription_are_not_retained(
    server: LiveServer, events: EventLog, acme: Tenant
) -> None:
    async with GraphQLWebSocket.open(server.url, token=acme.token) as socket:
        operation = await socket.subscribe(SUBSCRIPTION)
        await until_live(operation, events, acme.name)
        await deliver(operation, events, acme.name, 5)
        before = execution_objects()

        await deliver(operation, events, acme.name, EVENTS)

        # Each event used to leave its collected fields behind (several objects an event).
        assert execution_objects() - before < EVENTS // 4
