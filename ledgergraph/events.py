"""Sync events: what changed in a tenant's books, kept in a per-tenant stream.

Three kinds of writer append to the stream ``keys.events(tenant)``:

- mutations, right after a successful write, through ``EventLog.record_own_write`` (source
  ``LEDGERGRAPH``); the write is also remembered for a while so that the sync poller, when it
  later sees the same version of the object in Sage, does not report it a second time;
- the sync poller (``ledgergraph.sync``), for changes it finds in Sage (source ``SAGE``);
- the token manager, the Sage client and the connect flow, when a connection changes status
  (``EventLog.connection_changed``: kind ``CONNECTION``).

The ``syncEvents`` subscription reads the stream from a cursor (a stream entry id). The stream
is bounded by length and age; a reader whose cursor fell off its end gets ``CursorExpired``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from typing import Any

from ledgergraph.cache import KeyValue, Streams, keys
from ledgergraph.ids import GlobalId
from ledgergraph.kinds import ObjectType, kind_for_event
from ledgergraph.types import ConnectionStatus, TenantId

__all__ = [
    "DeliveredEvent",
    "EventKind",
    "EventLog",
    "EventSource",
    "ObjectType",
    "StoredEvent",
    "SyncEvent",
    "instant",
    "sage_timestamp",
]


class EventKind(StrEnum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    DELETED = "DELETED"
    CONNECTION = "CONNECTION"


class EventSource(StrEnum):
    LEDGERGRAPH = "LEDGERGRAPH"
    SAGE = "SAGE"


@dataclass(frozen=True, slots=True)
class SyncEvent:
    kind: EventKind
    object_type: str  # an ObjectType value
    object_id: str | None  # Sage's id of the object; None for CONNECTION events
    business_id: str | None  # None for CONNECTION events (they concern the whole tenant)
    source: EventSource
    occurred_at: float  # seconds since the epoch
    # For CONNECTION events: the connection's new status.
    status: str | None = None

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self), separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> SyncEvent:
        data: dict[str, Any] = json.loads(raw)
        # Tolerate fields a newer release added, so a rolling upgrade never breaks readers.
        known = {f.name for f in fields(cls)}
        data = {k: v for k, v in data.items() if k in known}
        data["kind"] = EventKind(data["kind"])
        data["source"] = EventSource(data["source"])
        return cls(**data)


@dataclass(frozen=True, slots=True)
class StoredEvent:
    cursor: str
    event: SyncEvent


@dataclass(frozen=True, slots=True)
class DeliveredEvent:
    """One event as ``syncEvents`` delivers it: the root of the ``SyncEvent`` GraphQL type."""

    cursor: str
    kind: EventKind
    object_type: ObjectType
    source: EventSource
    occurred_at: dt.datetime
    business_id: str | None
    remote_id: str | None
    status: str | None

    @property
    def object_id(self) -> GlobalId | None:
        """The global ID of the object the event is about (None for CONNECTION)."""
        kind = kind_for_event(self.object_type)
        if kind is None or self.business_id is None or self.remote_id is None:
            return None
        return GlobalId(kind.type_name, self.business_id, self.remote_id)

    @classmethod
    def of(cls, stored: StoredEvent, object_type: ObjectType) -> DeliveredEvent:
        event = stored.event
        return cls(
            cursor=stored.cursor,
            kind=event.kind,
            object_type=object_type,
            source=event.source,
            occurred_at=dt.datetime.fromtimestamp(event.occurred_at, dt.UTC),
            business_id=event.business_id,
            remote_id=event.object_id,
            status=event.status,
        )


def instant(value: str | dt.datetime | float | None) -> int | None:
    """Whole seconds since the epoch of a Sage timestamp, a datetime, or epoch seconds.

    Sage serialises instants to the second (``2024-05-01T10:15:00Z``), so versions of an
    object are compared at that resolution everywhere in sync. ``None`` for ``None`` or an
    unreadable value.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return math.floor(value)
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return math.floor(value.timestamp())


def sage_timestamp(seconds: int) -> str:
    """``2024-05-01T10:15:00Z``: how Sage writes (and filters take) instants."""
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


log = logging.getLogger(__name__)

# How long a write counts as under way unless it says it is done (a worker may die mid-write):
# past Sage's write retry budget, so a write still retrying holds reports back.
WRITE_IN_FLIGHT_TTL = 60.0
# Versions of one object remembered as LedgerGraph's own (a few quick writes in a row).
_OWN_VERSIONS = 8
_DELETED = "deleted"
_ANY = "*"


class EventLog:
    """The per-tenant event streams, and the memory of LedgerGraph's own writes."""

    def __init__(
        self,
        streams: Streams,
        kv: KeyValue | None = None,
        *,
        max_len: int | None = 10_000,
        max_age: float | None = None,
        own_write_ttl: float = 24 * 3600.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._streams = streams
        self._kv = kv
        self._max_len = max_len
        self._max_age = max_age
        self._own_write_ttl = own_write_ttl
        self._clock = clock

    async def publish(self, tenant: TenantId, event: SyncEvent) -> str:
        """Append ``event`` to the tenant's stream; returns its cursor."""
        return await self._streams.append(
            keys.events(tenant), event.to_bytes(), max_len=self._max_len, max_age=self._max_age
        )

    async def connection_changed(self, tenant: TenantId, status: ConnectionStatus) -> str:
        return await self.publish(
            tenant,
            SyncEvent(
                kind=EventKind.CONNECTION,
                object_type=ObjectType.CONNECTION.value,
                object_id=None,
                business_id=None,
                source=EventSource.LEDGERGRAPH,
                occurred_at=self._clock(),
                status=status.value,
            ),
        )

    async def read(
        self, tenant: TenantId, *, after: str | None, count: int = 100, block: float | None = None
    ) -> list[StoredEvent]:
        """Events strictly after the cursor ``after`` (``CursorExpired`` if some are gone)."""
        entries = await self._streams.read(
            keys.events(tenant), after=after, count=count, block=block
        )
        return [StoredEvent(e.id, SyncEvent.from_bytes(e.payload)) for e in entries]

    async def last_cursor(self, tenant: TenantId) -> str:
        """The cursor of the newest event; reading after it yields only events to come."""
        return await self._streams.last_id(keys.events(tenant))

    # -- LedgerGraph's own writes ------------------------------------------------------------

    async def begin_own_write(self, tenant: TenantId, business: str) -> str | None:
        """Say a write to the business is under way, before it is sent to Sage.

        Between Sage committing a write and ``record_own_write`` remembering it, a poll could
        find the object and report it as a change made in Sage. The poller holds back its
        report for a business while a write to it is under way (``writes_in_flight``).
        Returns the token for ``end_own_write``; entries expire by themselves after
        ``WRITE_IN_FLIGHT_TTL`` (a worker dying mid-write delays reports, never loses them).
        """
        if self._kv is None:
            return None
        token = secrets.token_hex(8)
        await self._update_in_flight(
            tenant, business, lambda live: live | {token: self._clock() + WRITE_IN_FLIGHT_TTL}
        )
        return token

    async def end_own_write(self, tenant: TenantId, business: str, token: str | None) -> None:
        if self._kv is not None and token is not None:
            await self._update_in_flight(
                tenant, business, lambda live: {k: v for k, v in live.items() if k != token}
            )

    async def writes_in_flight(self, tenant: TenantId, business: str) -> bool:
        if self._kv is None:
            return False
        return bool(await self._live_in_flight(keys.sync_writes_in_flight(tenant, business)))

    async def _live_in_flight(self, key: str) -> dict[str, float]:
        assert self._kv is not None
        record = await self._kv.get_versioned(key)
        entries = json.loads(record.value) if record else {}
        now = self._clock()
        return {k: float(v) for k, v in entries.items() if float(v) > now}

    async def _update_in_flight(
        self,
        tenant: TenantId,
        business: str,
        change: Callable[[dict[str, float]], dict[str, float]],
    ) -> None:
        assert self._kv is not None
        key = keys.sync_writes_in_flight(tenant, business)
        for _ in range(20):
            record = await self._kv.get_versioned(key)
            current = json.loads(record.value) if record else {}
            now = self._clock()
            live = change({k: float(v) for k, v in current.items() if float(v) > now})
            value = json.dumps(live).encode()
            expected = record.version if record else None
            ttl = max([*live.values(), now + 1.0]) - now
            stored = await self._kv.compare_and_set(key, value, expected_version=expected, ttl=ttl)
            if stored is not None:
                return
        log.warning("writes-in-flight record of tenant %s kept changing under us", tenant)

    async def record_own_write(
        self,
        tenant: TenantId,
        business: str,
        object_type: ObjectType,
        object_id: str,
        kind: EventKind,
        updated_at: str | dt.datetime | None = None,
    ) -> str:
        """Publish the event of a write LedgerGraph just made in Sage, and remember it.

        Call it after the write succeeded, with the object's Sage id and the ``updated_at``
        Sage answered (a Sage timestamp string or a datetime; ignored for ``DELETED``). The
        sync poller then skips that version of the object instead of reporting it again as a
        change found in Sage. Without ``updated_at`` the poller skips the next version it sees.
        Returns the event's cursor.
        """
        if kind is EventKind.CONNECTION or object_type is ObjectType.CONNECTION:
            raise ValueError("connection changes are published with connection_changed")
        # Published first: should the store stall before the memory of the write lands, the
        # poller reports the object again (a duplicate) instead of skipping an event that was
        # never published (a loss).
        cursor = await self.publish(
            tenant,
            SyncEvent(
                kind=kind,
                object_type=object_type.value,
                object_id=object_id,
                business_id=business,
                source=EventSource.LEDGERGRAPH,
                occurred_at=self._clock(),
            ),
        )
        if self._kv is not None:
            version = _DELETED if kind is EventKind.DELETED else str(instant(updated_at) or _ANY)
            key = keys.sync_own_write(tenant, business, object_type.value, object_id)
            known = await self._own_versions(key)
            remembered = [*[v for v in known if v != version], version][-_OWN_VERSIONS:]
            await self._kv.set(key, json.dumps(remembered).encode(), ttl=self._own_write_ttl)
        return cursor

    async def is_own_write(
        self,
        tenant: TenantId,
        business: str,
        object_type: ObjectType,
        object_id: str,
        *,
        deleted: bool,
        version: int | None,
    ) -> bool:
        """Did LedgerGraph itself make this change (version = ``updated_at`` in seconds)?"""
        if self._kv is None:
            return False
        key = keys.sync_own_write(tenant, business, object_type.value, object_id)
        known = await self._own_versions(key)
        if deleted:
            return _DELETED in known
        if version is not None and str(version) in known:
            return True
        if _ANY in known:
            # A write whose version was not known: it is this first version seen after it.
            # Pin it, so later edits of the object by someone else are reported again.
            pinned = [str(version) if v == _ANY else v for v in known]
            await self._kv.set(key, json.dumps(pinned).encode(), ttl=self._own_write_ttl)
            return True
        return False

    async def _own_versions(self, key: str) -> list[str]:
        assert self._kv is not None
        raw = await self._kv.get(key)
        if raw is None:
            return []
        try:
            versions = json.loads(raw)
        except ValueError:
            return []
        return [str(v) for v in versions] if isinstance(versions, list) else []
