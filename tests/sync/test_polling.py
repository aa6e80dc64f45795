"""What the poller asks of Sage: nothing without subscribers, never while Sage says wait, and
never a second report of a change LedgerGraph made itself."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from ledgergraph.events import EventKind, EventLog, ObjectType
from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import SOLO_USER_ID
from ledgergraph.sync.kinds import KINDS, kinds_for
from ledgergraph.types import TenantId
from tests.support.server import LiveServer
from tests.support.ws import GraphQLWebSocket
from tests.sync.helpers import (
    POLL_INTERVAL,
    SUBSCRIPTION,
    Tenant,
    after_second_of,
    create_contact,
    eventually,
    next_change,
    no_change,
    polling_requests,
    rename_contact,
    reset_stats,
    until_live,
)

pytestmark = pytest.mark.redis

CONTACTS = {"types": ["CONTACT", "CONNECTION"]}


async def test_a_tenant_without_subscribers_is_not_polled(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    events: EventLog,
    acme: Tenant,
) -> None:
    await reset_stats(http, sandbox)
    await asyncio.sleep(5 * POLL_INTERVAL)
    assert await polling_requests(http, sandbox) == 0

    async with GraphQLWebSocket.open(server.url, token=acme.token) as socket:
        operation = await socket.subscribe(SUBSCRIPTION)
        await until_live(operation, events, acme.name)
        await eventually(lambda: _polled(http, sandbox))

    # The last subscriber left: polling stops (after the poll in progress, if any).
    await asyncio.sleep(2 * POLL_INTERVAL)
    await reset_stats(http, sandbox)
    await asyncio.sleep(5 * POLL_INTERVAL)
    assert await polling_requests(http, sandbox) == 0


async def test_polling_pauses_as_long_as_sage_asks_when_it_answers_429(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    events: EventLog,
    acme: Tenant,
) -> None:
    async with GraphQLWebSocket.open(server.url, token=acme.token) as socket:
        operation = await socket.subscribe(SUBSCRIPTION, CONTACTS)
        await until_live(operation, events, acme.name)
        await eventually(lambda: _polled(http, sandbox))

        fault = {"method": "GET", "path": "/v3.1/contacts", "status": 429, "retry_after": 1}
        await http.post(f"{sandbox.url}/__sandbox/faults", json={"fail": fault})
        await eventually(lambda: _rate_limited(http, sandbox), every=0.01)
        limited_at = time.monotonic()
        requests = await polling_requests(http, sandbox)

        # Retry-After: 1 -- nothing for a second (unpaused, that would be ~5 polls).
        await asyncio.sleep(0.8)
        assert await polling_requests(http, sandbox) == requests

        # Then polling resumes where it left off: a change made meanwhile still arrives.
        made = await create_contact(http, sandbox, acme.business_id, "After The Pause Ltd")
        found = await next_change(operation, timeout=3.0)
        assert found["remoteId"] == made["id"]
        # The pause began when Sage answered 429, a little before the test saw it did.
        assert time.monotonic() - limited_at >= 0.95


async def test_an_own_write_is_published_at_once_and_never_reported_again_by_polling(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    events: EventLog,
    acme: Tenant,
) -> None:
    assert server.runtime is not None
    runtime = server.runtime
    tenant = TenantId(acme.name)
    async with GraphQLWebSocket.open(server.url, token=acme.token) as socket:
        operation = await socket.subscribe(SUBSCRIPTION, CONTACTS)
        await until_live(operation, events, acme.name)
        contact = await create_contact(http, sandbox, acme.business_id, "Mutated Ltd")
        assert (await next_change(operation, timeout=POLL_INTERVAL + 1.0))["source"] == "SAGE"
        await after_second_of(contact["updated_at"])

        # A mutation writes to Sage, then records the write with the updated_at Sage answered.
        # (The write goes in while a 503 holds the poller back, so the test is deterministic.)
        fault = {"method": "GET", "path": "/v3.1/contacts", "status": 503, "count": 1}
        await http.post(f"{sandbox.url}/__sandbox/faults", json={"fail": fault})
        await eventually(lambda: _failed_once(http, sandbox), every=0.005)
        written = await rename_contact(
            http, sandbox, acme.business_id, contact["id"], "Mutated Again Ltd"
        )
        recorded_at = time.monotonic()
        await runtime.events.record_own_write(
            tenant,
            acme.business_id,
            ObjectType.CONTACT,
            contact["id"],
            EventKind.UPDATED,
            updated_at=written["updated_at"],
        )
        own = await next_change(operation, timeout=1.0)
        assert (own["kind"], own["source"], own["remoteId"]) == (
            "UPDATED",
            "LEDGERGRAPH",
            contact["id"],
        )
        assert time.monotonic() - recorded_at < 0.5

        # The poller sees that version of the contact several times over and stays quiet.
        poller = runtime.sync.worker.poller(tenant)
        assert poller is not None
        polls = poller.stats.polls
        await eventually(lambda: _true(poller.stats.polls >= polls + 4), timeout=5.0)
        await no_change(operation, within=POLL_INTERVAL)

        # Someone else's later edit of the same contact is still reported.
        await after_second_of(written["updated_at"])
        await rename_contact(http, sandbox, acme.business_id, contact["id"], "Edited In Sage")
        found = await next_change(operation, timeout=POLL_INTERVAL + 1.0)
        assert (found["source"], found["remoteId"]) == ("SAGE", contact["id"])


async def _stats(http: httpx.AsyncClient, sandbox: RunningSandbox) -> dict[str, Any]:
    stats: dict[str, Any] = (await http.get(f"{sandbox.url}/__sandbox/stats")).json()
    return stats


async def _polled(http: httpx.AsyncClient, sandbox: RunningSandbox) -> bool:
    return await polling_requests(http, sandbox) > 0


async def _rate_limited(http: httpx.AsyncClient, sandbox: RunningSandbox) -> bool:
    return bool((await _stats(http, sandbox))["statuses"].get("429"))


async def _failed_once(http: httpx.AsyncClient, sandbox: RunningSandbox) -> bool:
    return bool((await _stats(http, sandbox))["statuses"].get("503"))


async def _true(value: bool) -> bool:
    return value


async def test_a_selected_business_that_vanishes_is_reported_and_no_longer_polled(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    events: EventLog,
    acme: Tenant,
) -> None:
    async with GraphQLWebSocket.open(server.url, token=acme.token) as socket:
        operation = await socket.subscribe(SUBSCRIPTION, CONTACTS)
        await until_live(operation, events, acme.name)
        await eventually(lambda: _polled(http, sandbox))

        revoke = f"{sandbox.url}/__sandbox/users/{SOLO_USER_ID}/businesses/{acme.business_id}"
        assert (await http.delete(revoke)).status_code == 200
        found = await next_change(operation, timeout=POLL_INTERVAL + 1.0)
        assert (found["kind"], found["connectionStatus"]) == ("CONNECTION", "BUSINESS_UNAVAILABLE")

        await asyncio.sleep(2 * POLL_INTERVAL)
        await reset_stats(http, sandbox)
        await asyncio.sleep(5 * POLL_INTERVAL)
        assert await polling_requests(http, sandbox) == 0
        await no_change(operation, within=POLL_INTERVAL)


@pytest.mark.parametrize(
    "subscribers",
    [
        [["CONTACT"]],
        [["ITEM"]],
        [["CONTACT"], ["INVOICE"], ["CONTACT", "INVOICE"]],
        [None],
    ],
    ids=["contacts", "items", "union-of-three", "all"],
)
async def test_only_the_kinds_some_subscriber_asked_for_are_polled(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    events: EventLog,
    acme: Tenant,
    subscribers: list[list[str] | None],
) -> None:
    assert server.runtime is not None
    tenant = TenantId(acme.name)
    wanted = set().union(*(kinds_for(_object_types(t)) for t in subscribers))
    await reset_stats(http, sandbox)
    async with GraphQLWebSocket.open(server.url, token=acme.token) as socket:
        for types in subscribers:
            variables = {} if types is None else {"types": [*types, "CONNECTION"]}
            operation = await socket.subscribe(SUBSCRIPTION, variables)
            await until_live(operation, events, acme.name)
        poller = server.runtime.sync.worker.poller(tenant)
        assert poller is not None
        await eventually(lambda: _true(poller.stats.polls >= 3))
    # The last subscriber left: once the poll in progress is over, the counts stand still.
    await eventually(lambda: _true(server.runtime.sync.worker.poller(tenant) is None))

    requests = (await _stats(http, sandbox))["requests"]
    polled = {kind.name: requests.get(f"GET /v3.1{kind.resource.path}", 0) for kind in KINDS}
    assert {name for name, count in polled.items() if count} == wanted
    # Every list request the sandbox answered was one the poller sent: nothing else polls.
    assert sum(polled.values()) == poller.stats.calls


def _object_types(types: list[str] | None) -> list[ObjectType] | None:
    return None if types is None else [ObjectType(t) for t in types]
