"""The ``syncEvents`` subscription.

A subscription replays the tenant's events after ``since`` and then follows new ones
(``ledgergraph.sync.follow``), keeping those of its business and object types. While it runs,
the tenant counts as active, so some process of the fleet polls Sage for it.

Dataloaders never outlive an event: the HTTP layer gives every WebSocket operation its own
``Context`` (never one per socket), and ``syncEvents`` empties that context's caches before
each event it delivers, so each event's ``object`` is loaded fresh.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Annotated, Any

import strawberry

from ledgergraph.cache import CursorExpired, InvalidCursor
from ledgergraph.errors import BadUserInput, CursorExpiredError
from ledgergraph.events import DeliveredEvent, ObjectType, SyncEvent
from ledgergraph.resolvers.arguments import business_id_from
from ledgergraph.resolvers.context import Context, Info
from ledgergraph.schema.arguments import BusinessArg
from ledgergraph.sync.kinds import kinds_for
from ledgergraph.types import TenantId

__all__ = ["resolve_sync_events"]


Types = Annotated[
    list[ObjectType] | None,
    strawberry.argument(
        description="Only events about these object types (default: all, CONNECTION included)."
    ),
]
Since = Annotated[
    str | None,
    strawberry.argument(
        description="Replay every event after this cursor (a SyncEvent.cursor received "
        "earlier), then follow new ones. Default: only events from now on."
    ),
]


async def resolve_sync_events(
    info: Info, types: Types = None, since: Since = None, business: BusinessArg = None
) -> Any:  # AsyncGenerator[DeliveredEvent, None]; Any lets the schema declare the GraphQL type
    """Check everything that can be refused up front, then hand over the event stream.

    Being a coroutine (not itself a generator), a refusal here -- unauthenticated, not
    connected, an unknown business, a malformed or expired cursor -- reaches the client as the
    operation's ``error`` before any event.
    """
    context = info.context
    runtime = context.runtime
    tenant = context.tenant
    ref = await runtime.sage.business_for(tenant, business_id_from(business))
    if since is not None:
        try:
            await runtime.events.read(tenant, after=since, count=1)
        except InvalidCursor:
            raise BadUserInput(
                "since must be a cursor syncEvents sent (SyncEvent.cursor).", field="since"
            ) from None
        except CursorExpired:
            raise _expired() from None
        start = since
    else:
        start = await runtime.events.last_cursor(tenant)
    wanted = frozenset(types) if types is not None else None
    return _deliver(context, tenant, ref.id, wanted, start)


async def _deliver(
    context: Context,
    tenant: TenantId,
    business: str,
    wanted: frozenset[ObjectType] | None,
    start: str,
) -> AsyncGenerator[DeliveredEvent, None]:
    sync = context.runtime.sync
    # The starting cursor was taken before registering: whatever the poller publishes once it
    # knows about this subscriber comes after it.
    registration = await sync.register(tenant, business, kinds_for(wanted))
    try:
        try:
            # Closed with this generator, so the shared wait on the stream is left at once.
            async with aclosing(sync.follow(tenant, after=start)) as stream:
                async for stored in stream:
                    object_type = _wanted(stored.event, business, wanted)
                    if object_type is None:
                        continue
                    # Each event's object is loaded afresh, not from the last event's loaders.
                    context.forget()
                    yield DeliveredEvent.of(stored, object_type)
        except CursorExpired:
            # This subscriber fell behind the stream's bounds (a burst, a slow client).
            raise _expired() from None
    finally:
        sync.release(registration)


def _wanted(
    event: SyncEvent, business: str, wanted: frozenset[ObjectType] | None
) -> ObjectType | None:
    """The event's object type if this subscriber gets the event, else ``None``."""
    if event.business_id is not None and event.business_id != business:
        return None
    try:
        object_type = ObjectType(event.object_type)
    except ValueError:
        return None  # written by a newer release: not something this schema can describe
    if wanted is not None and object_type not in wanted:
        return None
    return object_type


def _expired() -> CursorExpiredError:
    return CursorExpiredError(
        "Events after this cursor are no longer kept, so some changes cannot be replayed. "
        "Re-query the data you display, then subscribe again without since."
    )
