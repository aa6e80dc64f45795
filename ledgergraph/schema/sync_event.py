"""The ``SyncEvent`` type ``syncEvents`` delivers, and the enums that describe it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from ledgergraph.events import DeliveredEvent, EventKind, EventSource, ObjectType
from ledgergraph.ids import business_gid
from ledgergraph.kinds import without_deletions
from ledgergraph.schema.connection import ConnectionStatusEnum
from ledgergraph.schema.node import Node
from ledgergraph.schema.request import Info

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
    description="What an event is about (ITEM covers products and services). "
    f"{', '.join(without_deletions())} are never DELETED: Sage's lists of them cannot tell "
    "what was deleted, so only their creations and updates are reported.",
)

Root = strawberry.Parent[DeliveredEvent]


async def _object(root: Root, info: Info) -> Any:
    if root.kind not in (EventKind.CREATED, EventKind.UPDATED):
        return None
    gid = root.object_id
    return None if gid is None else await info.context.current_object(gid)


def _business_id(root: Root) -> strawberry.ID | None:
    return None if root.business_id is None else strawberry.ID(business_gid(root.business_id))


def _object_id(root: Root) -> strawberry.ID | None:
    gid = root.object_id
    return None if gid is None else strawberry.ID(gid.encode())


def _connection_status(root: Root) -> ConnectionStatusEnum | None:
    return None if root.status is None else ConnectionStatusEnum(root.status)


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
    remote_id: str | None = strawberry.field(description="Sage's own id of the object.")
    object: Node | None = strawberry.field(
        resolver=_object,
        description="The object as it is now (loaded when asked for); null after a deletion.",
    )
    business_id: strawberry.ID | None = strawberry.field(
        resolver=_business_id,
        description="The global ID (Business.id) of the business the object belongs to; null "
        "for CONNECTION events.",
    )
    object_id: strawberry.ID | None = strawberry.field(
        resolver=_object_id,
        description="The object's global ID (for node(id:)); null for CONNECTION.",
    )
    connection_status: ConnectionStatusEnum | None = strawberry.field(
        resolver=_connection_status,
        description="For CONNECTION events: the connection's new status.",
    )
