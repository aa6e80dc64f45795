"""The tenant's Sage connection record: status, selected business, the user's businesses.

Tokens live apart (encrypted, see ``tokens.py``); this record holds nothing secret. Updates are
read-modify-write with compare-and-set, so two processes never lose each other's change.

When the store has lost its data (``StoreEpoch``), a tenant without a record may well have
been connected: it is reported REAUTH_REQUIRED with the reason (once, with an event) rather
than as never connected, for as long as a lost refresh token could have lived.

A warm request asks for its tenant's record at every read (each checks the business it reads
is the tenant's), about a dozen times: read from the store once per request (``RequestMemo``)
and decoded once per stored value, it costs one round trip instead of a dozen.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import orjson

from ledgergraph.cache import KeyValue, keys
from ledgergraph.cache.epoch import StoreEpoch
from ledgergraph.events import EventLog
from ledgergraph.observability import request_context
from ledgergraph.types import BusinessId, BusinessRef, ConnectionStatus, TenantId

# Sage refresh tokens live 31 days: past that, a connection lost with the store would have
# lapsed anyway.
LOSS_REMEMBERED = 31 * 24 * 3600.0
# Decoded records kept per process (one per tenant, the most recently read).
_DECODED_TENANTS = 1024


@dataclass(frozen=True, slots=True)
class Connection:
    tenant: TenantId
    status: ConnectionStatus = ConnectionStatus.NOT_CONNECTED
    business: BusinessRef | None = None
    available: tuple[BusinessRef, ...] = ()
    sage_user_id: str | None = None
    # Per-tenant corrections to the country mapping (tax rate id → kind, account id → roles).
    overrides: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None
    updated_at: float = 0.0

    def with_status(self, status: ConnectionStatus, reason: str | None = None) -> Connection:
        return replace(self, status=status, reason=reason, updated_at=time.time())

    def can_access(self, business_id: str) -> bool:
        return any(b.id == business_id for b in self.available)

    def to_bytes(self) -> bytes:
        return orjson.dumps(asdict(self))

    @classmethod
    def from_bytes(cls, raw: bytes) -> Connection:
        data = orjson.loads(raw)
        business = data.get("business")
        return cls(
            tenant=TenantId(data["tenant"]),
            status=ConnectionStatus(data["status"]),
            business=_business(business) if business else None,
            available=tuple(_business(b) for b in data.get("available", ())),
            sage_user_id=data.get("sage_user_id"),
            overrides=data.get("overrides") or {},
            reason=data.get("reason"),
            updated_at=float(data.get("updated_at", 0.0)),
        )


def _business(data: dict[str, Any]) -> BusinessRef:
    return BusinessRef(
        id=BusinessId(data["id"]),
        name=data["name"],
        country_code=data.get("country_code"),
        currency=data.get("currency"),
    )


class ConflictingUpdates(RuntimeError):
    pass


class RequestMemo:
    """The record as the current request read it, for the rest of that request.

    Keyed by the request's ``RequestInfo`` (the context variable every task of a request
    shares): reads outside any request (the sync poller, keep-alive) always go to the store.
    A request sees the record as it was when it first asked -- the point at which it was
    admitted, as if it had read it once -- but never for longer than ``max_age`` (a
    subscription lives for hours), and never across a write through this process
    (``forget``): a request that changes its own connection reads the change. Another
    process's change (a disconnect, REAUTH_REQUIRED) is seen by every request that starts
    after it. Concurrent first reads of one request share one store read.
    """

    def __init__(self, *, max_age: float = 1.0, size: int = 256) -> None:
        self.max_age = max_age
        self._size = size
        # id(request) -> (request, tenant, expiry (monotonic), the read). The request is held
        # so that its id is not reused while the entry lives; at most ``size`` entries.
        self._reads: dict[
            int,
            tuple[request_context.RequestInfo, TenantId, float, asyncio.Future[Connection | None]],
        ] = {}

    async def get(
        self, tenant: TenantId, read: Callable[[], Awaitable[Connection | None]]
    ) -> Connection | None:
        request = request_context.current()
        if request is None or self.max_age <= 0:
            result: Connection | None = await read()
            return result
        now = time.monotonic()
        entry = self._reads.get(id(request))
        if entry is not None and entry[0] is request and entry[1] == tenant and now < entry[2]:
            # Shielded: one task of the request giving up does not cancel the others' read.
            return await asyncio.shield(entry[3])
        future: asyncio.Future[Connection | None] = asyncio.ensure_future(read())
        self._reads.pop(id(request), None)
        self._reads[id(request)] = (request, tenant, now + self.max_age, future)
        future.add_done_callback(lambda f: self._drop_failed(id(request), f))
        while len(self._reads) > self._size:
            del self._reads[next(iter(self._reads))]
        return await asyncio.shield(future)

    def _drop_failed(self, key: int, future: asyncio.Future[Connection | None]) -> None:
        if future.cancelled() or future.exception() is not None:
            entry = self._reads.get(key)
            if entry is not None and entry[3] is future:
                del self._reads[key]

    def forget(self, tenant: TenantId) -> None:
        """This process changed ``tenant``'s record: no request may keep the old one."""
        for key in [k for k, entry in self._reads.items() if entry[1] == tenant]:
            del self._reads[key]


class Connections:
    def __init__(
        self,
        kv: KeyValue,
        *,
        max_attempts: int = 20,
        epoch: StoreEpoch | None = None,
        events: EventLog | None = None,
        memo: RequestMemo | None = None,
    ) -> None:
        self._kv = kv
        self._max_attempts = max_attempts
        self._epoch = epoch
        self._events = events
        self._memo = memo or RequestMemo()
        # Per tenant, the last stored value decoded and what it decoded to: an unchanged
        # record is not decoded again (a record is immutable once built; callers ``replace``).
        self._decoded: dict[TenantId, tuple[bytes, Connection]] = {}

    async def get(self, tenant: TenantId) -> Connection | None:
        """The tenant's record (read once per request, see ``RequestMemo``)."""
        return await self._memo.get(tenant, lambda: self._read(tenant))

    async def _read(self, tenant: TenantId) -> Connection | None:
        record = await self._kv.get_versioned(keys.connection(tenant))
        if record is not None:
            return self._decode(tenant, record.value)
        if self._epoch is None:
            return None
        lost_at = await self._epoch.lost_at()
        if lost_at is None or time.time() - lost_at > LOSS_REMEMBERED:
            return None
        return await self._lost(tenant, lost_at)

    def _decode(self, tenant: TenantId, raw: bytes) -> Connection:
        known = self._decoded.get(tenant)
        if known is not None and known[0] == raw:
            return known[1]
        connection = Connection.from_bytes(raw)
        self._decoded.pop(tenant, None)
        self._decoded[tenant] = (raw, connection)
        if len(self._decoded) > _DECODED_TENANTS:
            del self._decoded[next(iter(self._decoded))]
        return connection

    async def _lost(self, tenant: TenantId, lost_at: float) -> Connection:
        when = dt.datetime.fromtimestamp(lost_at, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        lost = Connection(tenant=tenant).with_status(
            ConnectionStatus.REAUTH_REQUIRED,
            f"LedgerGraph lost its stored state at {when} (its Redis restarted without "
            "persistence). If this tenant was connected before then, its Sage connection was "
            "lost with it: connect again (connection.connectUrl).",
        )
        key = keys.connection(tenant)
        self._memo.forget(tenant)
        if await self._kv.compare_and_set(key, lost.to_bytes(), expected_version=None) is None:
            record = await self._kv.get_versioned(key)  # another request reported it first
            return Connection.from_bytes(record.value) if record else lost
        await self._index(tenant)
        if self._events is not None:
            await self._events.connection_changed(tenant, ConnectionStatus.REAUTH_REQUIRED)
        return lost

    async def update(
        self, tenant: TenantId, change: Callable[[Connection], Connection]
    ) -> Connection:
        """Apply ``change`` to the current record (a fresh one if absent), retrying on races."""
        key = keys.connection(tenant)
        for _ in range(self._max_attempts):
            record = await self._kv.get_versioned(key)
            current = Connection.from_bytes(record.value) if record else Connection(tenant=tenant)
            updated = replace(change(current), updated_at=time.time())
            version = await self._kv.compare_and_set(
                key, updated.to_bytes(), expected_version=record.version if record else None
            )
            if version is not None:
                self._memo.forget(tenant)
                if record is None:
                    await self._index(tenant)
                return updated
        raise ConflictingUpdates(f"connection of {tenant!r} kept changing under us")

    async def delete(self, tenant: TenantId) -> None:
        await self._kv.delete(keys.connection(tenant))
        self._memo.forget(tenant)

    async def tenants(self) -> list[TenantId]:
        record = await self._kv.get_versioned(keys.tenants_index())
        return [TenantId(t) for t in orjson.loads(record.value)] if record else []

    async def _index(self, tenant: TenantId) -> None:
        key = keys.tenants_index()
        for _ in range(self._max_attempts):
            record = await self._kv.get_versioned(key)
            known: list[str] = orjson.loads(record.value) if record else []
            if tenant in known:
                return
            value = orjson.dumps([*known, tenant])
            expected = record.version if record else None
            if await self._kv.compare_and_set(key, value, expected_version=expected) is not None:
                return
        raise ConflictingUpdates("the tenants index kept changing under us")
