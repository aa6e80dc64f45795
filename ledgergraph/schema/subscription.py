"""The root ``Subscription`` type: ``syncEvents``, and the ``SyncEvent`` it delivers."""

from __future__ import annotations

import datetime as dt
from typing import cast

import strawberry

from ledgergraph.events import EventKind, EventSource, ObjectType
from ledgergraph.resolvers.subscriptions import DeliveredEvent, resolve_object, resolve_sync_events
from ledgergraph.schema.connection import ConnectionStatusEnum
from ledgergraph.schema.global_id import encode
from ledgergraph.schema.node import Node

strawberry.enum(
    EventKind,
    name="SyncEventKind",
    description="What happened: an object was created, updated or deleted, or the tenant's "
    "connection changed status (CONNECTION, see connectionStatus).",
)
strawberry.enum(
    EventSource,
    name="SyncEventSource",
    description="Who made the change: LEDGERGRAPH (a mutation) or SAGE (found by polling Sage, "
    "e.g. a person editing the books there).",
)
strawberry.enum(
    ObjectType,
    name="SyncObjectType",
    description="What an event is about (ITEM covers products and services).",
)


@strawberry.type(name="SyncEvent", description="A change in the tenant's books or connection.")
class SyncEventType:
    cursor: str = strawberry.field(
        description="Pass it as syncEvents(since:) to resume right after this event."
    )
    kind: EventKind
    object_type: ObjectType
    source: EventSource
    occurred_at: dt.datetime = strawberry.field(
        description="When the change happened (Sage's updated_at/deleted_at, to the second)."
    )

    @strawberry.field(
        description="The global ID (Business.id) of the business the object belongs to; null "
        "for CONNECTION events."
    )
    def business_id(self) -> strawberry.ID | None:
        value = cast(DeliveredEvent, self).business_id
        return None if value is None else strawberry.ID(encode("Business", value, value))

    remote_id: str | None = strawberry.field(description="Sage's own id of the object.")

    @strawberry.field(description="The object's global ID (for node(id:)); null for CONNECTION.")
    def object_id(self) -> strawberry.ID | None:
        # Strawberry calls this with the DeliveredEvent the subscription yielded.
        value = cast(DeliveredEvent, self).object_id
        return None if value is None else strawberry.ID(value)

    @strawberry.field(description="For CONNECTION events: the connection's new status.")
    def connection_status(self) -> ConnectionStatusEnum | None:
        status = cast(DeliveredEvent, self).status
        return None if status is None else ConnectionStatusEnum(status)

    object: Node | None = strawberry.field(
        resolver=resolve_object,
        description="The object as it is now (loaded when asked for); null after a deletion.",
    )


@strawberry.type
class Subscription:
    sync_events: SyncEventType = strawberry.subscription(
        resolver=resolve_sync_events,
        description="Changes of the tenant's books (selected business unless `business` is "
        "given) and of its connection, as they happen. Resume with since: the last cursor "
        "received; an expired cursor fails with CURSOR_EXPIRED (re-query, then subscribe "
        "without since).",
    )
