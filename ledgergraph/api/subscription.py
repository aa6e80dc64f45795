"""The root ``Subscription`` type: ``syncEvents``."""

from __future__ import annotations

import strawberry

from ledgergraph.resolvers.subscriptions import resolve_sync_events
from ledgergraph.schema.sync_event import SyncEventType


@strawberry.type
class Subscription:
    sync_events: SyncEventType = strawberry.subscription(
        resolver=resolve_sync_events,
        description="Changes of the tenant's books (selected business unless `business` is "
        "given) and of its connection, as they happen. Resume with since: the last cursor "
        "received; an expired cursor fails with CURSOR_EXPIRED (re-query, then subscribe "
        "without since). Changes made in Sage are found by polling it; Sage cannot tell "
        "the deletions of some types (see SyncObjectType), which are never reported.",
    )
