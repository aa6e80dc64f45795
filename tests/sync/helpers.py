"""Shared pieces of the sync tests: settings, tenants, out-of-band edits, event collection."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Any

import httpx

from ledgergraph.events import EventLog
from ledgergraph.sandbox import RunningSandbox
from ledgergraph.types import ConnectionStatus, TenantId
from tests.support.tenants import Tenant as Tenant
from tests.support.tenants import connect_tenant as connect_tenant
from tests.support.ws import Operation

POLL_INTERVAL = 0.2
LEASE_TTL = 1.0
SYNC_SETTINGS: dict[str, Any] = {
    "sync_poll_interval": POLL_INTERVAL,
    "sync_lease_ttl": LEASE_TTL,
    "sync_subscriber_ttl": LEASE_TTL,
    "sync_overlap": 1.0,
    # Adaptive backoff stays short here: these tests wait for changes within about a second.
    # (tests/sync/test_pacing.py exercises the backoff itself.)
    "sync_idle_max_interval": 2 * POLL_INTERVAL,
    # Issue 6 promises the legacy graphql-ws protocol too; it is opt-in (security settings).
    "legacy_graphql_ws": True,
}
# The list routes a poller reads (one GET for changes, one for deletions, per kind).
POLLED_ROUTES = tuple(
    f"GET /v3.1/{name}"
    for name in (
        "contacts",
        "sales_invoices",
        "purchase_invoices",
        "sales_credit_notes",
        "contact_payments",
        "products",
        "services",
    )
)

SUBSCRIPTION = """
subscription Sync($types: [SyncObjectType!], $since: String) {
  syncEvents(types: $types, since: $since) {
    cursor kind objectType objectId remoteId businessId source occurredAt connectionStatus
  }
}
"""


# -- the books, edited out-of-band (a person in Sage's web app) --------------------------------


def contact_and_ledger(
    sandbox: RunningSandbox, business: str, contact_kind: str, ledger: str
) -> tuple[str, str]:
    """What a person would pick for a document: a contact (not a system one) of
    ``contact_kind``, and the ledger account the country has for ``ledger``."""
    books = sandbox.world.businesses[business].books
    contact = next(c for c in books.contacts.values() if c.is_a(contact_kind) and not c.system)
    return contact.id, books.ledger_account_by_code(books.country.ledgers[ledger]).id


async def create_contact(
    http: httpx.AsyncClient, sandbox: RunningSandbox, business: str, name: str
) -> dict[str, Any]:
    response = await http.post(
        f"{sandbox.url}/__sandbox/businesses/{business}/contacts",
        json={"contact": {"name": name, "contact_type_ids": ["CUSTOMER"]}},
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def rename_contact(
    http: httpx.AsyncClient, sandbox: RunningSandbox, business: str, contact_id: str, name: str
) -> dict[str, Any]:
    response = await http.put(
        f"{sandbox.url}/__sandbox/businesses/{business}/contacts/{contact_id}",
        json={"contact": {"name": name}},
    )
    assert response.status_code == 200, response.text
    updated: dict[str, Any] = response.json()
    return updated


async def delete_contact(
    http: httpx.AsyncClient, sandbox: RunningSandbox, business: str, contact_id: str
) -> None:
    response = await http.delete(
        f"{sandbox.url}/__sandbox/businesses/{business}/contacts/{contact_id}"
    )
    assert response.status_code in (200, 204), response.text


async def polling_requests(http: httpx.AsyncClient, sandbox: RunningSandbox) -> int:
    """How many list requests of the polled resources the sandbox has answered."""
    stats = (await http.get(f"{sandbox.url}/__sandbox/stats")).json()
    return sum(stats["requests"].get(route, 0) for route in POLLED_ROUTES)


async def reset_stats(http: httpx.AsyncClient, sandbox: RunningSandbox) -> None:
    await http.post(f"{sandbox.url}/__sandbox/stats/reset")


# -- events ------------------------------------------------------------------------------------


def is_marker(event: dict[str, Any]) -> bool:
    return bool(event["kind"] == "CONNECTION" and event["connectionStatus"] == "CONNECTED")


async def until_live(operation: Operation, events: EventLog, tenant: str) -> None:
    """Wait until the subscription is registered and following the stream.

    Publishes marker events (a CONNECTED connection event) until one comes through; the
    subscription must let CONNECTION events through. Later markers are skipped by
    ``next_change``.
    """
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        await events.connection_changed(TenantId(tenant), ConnectionStatus.CONNECTED)
        try:
            data = await operation.data(timeout=0.3)
        except TimeoutError:
            continue
        assert is_marker(data["syncEvents"]), data
        return
    raise AssertionError("the subscription never went live")


async def next_change(operation: Operation, timeout: float = 5.0) -> dict[str, Any]:  # noqa: ASYNC109
    """The next event that is not a marker."""
    deadline = time.monotonic() + timeout
    while True:
        data = await operation.data(timeout=max(0.01, deadline - time.monotonic()))
        event: dict[str, Any] = data["syncEvents"]
        if not is_marker(event):
            return event


async def changes(operation: Operation, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    return [
        await next_change(operation, timeout=max(0.01, deadline - time.monotonic()))
        for _ in range(count)
    ]


async def no_change(operation: Operation, within: float) -> None:
    """Assert that nothing but markers arrives for ``within`` seconds."""
    try:
        event = await next_change(operation, timeout=within)
    except TimeoutError:
        return
    raise AssertionError(f"expected no event, got {event}")


async def eventually(check: Any, timeout: float = 5.0, every: float = 0.05) -> None:  # noqa: ASYNC109
    """Wait until the async ``check()`` returns true."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(every)


async def after_second_of(timestamp: str) -> None:
    """Sage's timestamps have whole seconds: wait until a new edit gets a new version."""
    then = dt.datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()
    await asyncio.sleep(max(0.0, then + 1.05 - time.time()))
