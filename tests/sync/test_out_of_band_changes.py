"""Changes a person makes in Sage reach subscribers, found by polling: created, updated,
deleted, each once, within one poll interval plus a second."""

from __future__ import annotations

import time

import httpx
import pytest

from ledgergraph.events import EventLog
from ledgergraph.ids import GlobalId
from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import SOLO_USER_ID
from tests.support.server import LiveServer, serve_ledgergraph
from tests.support.ws import GraphQLWebSocket
from tests.sync.helpers import (
    POLL_INTERVAL,
    SUBSCRIPTION,
    SYNC_SETTINGS,
    Tenant,
    after_second_of,
    connect_tenant,
    create_contact,
    delete_contact,
    next_change,
    no_change,
    rename_contact,
    until_live,
)

pytestmark = pytest.mark.redis

WITH_OBJECT = """
subscription {
  syncEvents(types: [CONTACT, CONNECTION]) {
    cursor kind objectType remoteId source connectionStatus
    object { id ... on Contact { name } }
  }
}
"""


async def test_an_out_of_band_change_arrives_within_one_poll_interval_plus_a_second(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    events: EventLog,
    acme: Tenant,
) -> None:
    async with GraphQLWebSocket.open(server.url, token=acme.token) as socket:
        operation = await socket.subscribe(SUBSCRIPTION)
        await until_live(operation, events, acme.name)

        started = time.monotonic()
        created = await create_contact(http, sandbox, acme.business_id, "Ada Sync Ltd")
        event = await next_change(operation, timeout=POLL_INTERVAL + 1.0)
        elapsed = time.monotonic() - started

        assert elapsed < POLL_INTERVAL + 1.0
        assert event["kind"] == "CREATED"
        assert event["objectType"] == "CONTACT"
        assert event["source"] == "SAGE"
        assert event["remoteId"] == created["id"]
        assert GlobalId.decode(event["businessId"]) == GlobalId(
            "Business", acme.business_id, acme.business_id
        )
        assert GlobalId.decode(event["objectId"]) == GlobalId(
            "Contact", acme.business_id, created["id"]
        )
        await no_change(operation, within=5 * POLL_INTERVAL)


async def test_updates_and_deletions_are_reported_with_the_object_as_it_is_now(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    events: EventLog,
    acme: Tenant,
) -> None:
    async with GraphQLWebSocket.open(server.url, token=acme.token) as socket:
        operation = await socket.subscribe(WITH_OBJECT)
        await until_live(operation, events, acme.name)

        created = await create_contact(http, sandbox, acme.business_id, "Before Ltd")
        event = await next_change(operation, timeout=POLL_INTERVAL + 1.0)
        assert (event["kind"], event["object"]["name"]) == ("CREATED", "Before Ltd")

        await after_second_of(created["updated_at"])
        await rename_contact(http, sandbox, acme.business_id, created["id"], "After Ltd")
        event = await next_change(operation, timeout=POLL_INTERVAL + 1.0)
        # Loaded fresh for this event, not from the loaders or cache of the previous one.
        assert (event["kind"], event["object"]["name"]) == ("UPDATED", "After Ltd")

        await delete_contact(http, sandbox, acme.business_id, created["id"])
        event = await next_change(operation, timeout=POLL_INTERVAL + 1.0)
        assert (event["kind"], event["remoteId"], event["object"]) == (
            "DELETED",
            created["id"],
            None,
        )
        await no_change(operation, within=5 * POLL_INTERVAL)


async def test_the_in_memory_store_of_a_single_process_serves_subscriptions_too(
    sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    # `ledgergraph serve` without LEDGERGRAPH_REDIS_URL: one process, everything in memory.
    async with serve_ledgergraph(sandbox, **SYNC_SETTINGS) as server:
        assert server.runtime is not None
        acme = await connect_tenant(http, server, "acme", user_id=SOLO_USER_ID)
        async with GraphQLWebSocket.open(server.url, token=acme.token) as socket:
            operation = await socket.subscribe(SUBSCRIPTION)
            await until_live(operation, server.runtime.events, acme.name)
            created = await create_contact(http, sandbox, acme.business_id, "In Memory Ltd")
            event = await next_change(operation, timeout=POLL_INTERVAL + 1.0)
            assert (event["kind"], event["remoteId"]) == ("CREATED", created["id"])
