"""The tenant's Sage connection record: status, selected business, the user's businesses.

Tokens live apart (encrypted, see ``tokens.py``); this record holds nothing secret. Updates are
read-modify-write with compare-and-set, so two processes never lose each other's change.

When the store has lost its data (``StoreEpoch``), a tenant without a record may well have
been connected: it is reported REAUTH_REQUIRED with the reason (once, with an event) rather
than as never connected, for as long as a lost refresh token could have lived.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from ledgergraph.cache import KeyValue, keys
from ledgergraph.cache.epoch import StoreEpoch
from ledgergraph.events import EventLog
from ledgergraph.types import BusinessId, BusinessRef, ConnectionStatus, TenantId

# Sage refresh tokens live 31 days: past that, a connection lost with the store would have
# lapsed anyway.
LOSS_REMEMBERED = 31 * 24 * 3600.0


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
        return json.dumps(asdict(self), separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Connection:
        data = json.loads(raw)
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


class Connections:
    def __init__(
        self,
        kv: KeyValue,
        *,
        max_attempts: int = 20,
        epoch: StoreEpoch | None = None,
        events: EventLog | None = None,
    ) -> None:
        self._kv = kv
        self._max_attempts = max_attempts
        self._epoch = epoch
        self._events = events

    async def get(self, tenant: TenantId) -> Connection | None:
        record = await self._kv.get_versioned(keys.connection(tenant))
        if record is not None:
            return Connection.from_bytes(record.value)
        if self._epoch is None:
            return None
        lost_at = await self._epoch.lost_at()
        if lost_at is None or time.time() - lost_at > LOSS_REMEMBERED:
            return None
        return await self._lost(tenant, lost_at)

    async def _lost(self, tenant: TenantId, lost_at: float) -> Connection:
        when = dt.datetime.fromtimestamp(lost_at, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        lost = Connection(tenant=tenant).with_status(
            ConnectionStatus.REAUTH_REQUIRED,
            f"LedgerGraph lost its stored state at {when} (its Redis restarted without "
            "persistence). If this tenant was connected before then, its Sage connection was "
            "lost with it: connect again (connection.connectUrl).",
        )
        key = keys.connection(tenant)
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
                if record is None:
                    await self._index(tenant)
                return updated
        raise ConflictingUpdates(f"connection of {tenant!r} kept changing under us")

    async def delete(self, tenant: TenantId) -> None:
        await self._kv.delete(keys.connection(tenant))

    async def tenants(self) -> list[TenantId]:
        record = await self._kv.get_versioned(keys.tenants_index())
        return [TenantId(t) for t in json.loads(record.value)] if record else []

    async def _index(self, tenant: TenantId) -> None:
        key = keys.tenants_index()
        for _ in range(self._max_attempts):
            record = await self._kv.get_versioned(key)
            known: list[str] = json.loads(record.value) if record else []
            if tenant in known:
                return
            value = json.dumps([*known, tenant]).encode()
            expected = record.version if record else None
            if await self._kv.compare_and_set(key, value, expected_version=expected) is not None:
                return
        raise ConflictingUpdates("the tenants index kept changing under us")
