"""Who is subscribed to which tenant: counted in this process, announced to the whole fleet.

Each process keeps its live ``syncEvents`` subscriptions in memory and announces them in the
store, per tenant, in one versioned record::

    tenant:{acme}:sync-subscribers = {"<process id>": {"until": <epoch s>,
                                                        "wants": {"<business>": ["contacts", ...]}}}

An announcement lasts ``ttl`` seconds and is renewed every ``ttl / 3`` while the process still
has subscribers of the tenant; a process that dies simply stops renewing, so its subscribers
vanish from the fleet's view within ``ttl``. Whichever process polls a tenant polls what the
union of the live announcements wants.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ledgergraph.cache import KeyValue, StoreError, keys
from ledgergraph.observability import metrics
from ledgergraph.sync.tasks import still_wanted
from ledgergraph.types import TenantId

__all__ = ["Registration", "SubscriberRegistry", "Wants"]

log = logging.getLogger(__name__)

# business id -> names of the resource kinds to poll
Wants = dict[str, set[str]]

_CAS_ATTEMPTS = 20


@dataclass(frozen=True, slots=True)
class Registration:
    id: int
    tenant: TenantId
    business: str
    kinds: frozenset[str]


class SubscriberRegistry:
    def __init__(
        self,
        kv: KeyValue,
        *,
        process_id: str,
        ttl: float,
        clock: Callable[[], float] = time.time,
        on_change: Callable[[TenantId], None] | None = None,
    ) -> None:
        self._kv = kv
        self.process_id = process_id
        self._ttl = ttl
        self._clock = clock
        self._on_change = on_change
        self._ids = itertools.count(1)
        self._live: dict[TenantId, dict[int, Registration]] = {}
        self._withdraw: set[TenantId] = set()
        self._wake = asyncio.Event()
        self._closed = False

    # -- this process ------------------------------------------------------------------------

    async def register(self, tenant: TenantId, business: str, kinds: Iterable[str]) -> Registration:
        """Count a new subscriber here and announce it to the fleet at once."""
        registration = Registration(next(self._ids), tenant, business, frozenset(kinds))
        self._live.setdefault(tenant, {})[registration.id] = registration
        metrics.SYNC_SUBSCRIBERS.inc()
        self._withdraw.discard(tenant)
        if self._on_change is not None:
            self._on_change(tenant)
        try:
            await self._announce(tenant)
        except StoreError as exc:
            # The heartbeat retries; meanwhile this process polls for it anyway if it can.
            log.warning("could not announce subscribers of %s yet: %s", tenant, exc)
        return registration

    def release(self, registration: Registration) -> None:
        """Forget a subscriber (synchronous: safe in a cancelled generator's ``finally``)."""
        live = self._live.get(registration.tenant)
        if live is None or live.pop(registration.id, None) is None:
            return
        metrics.SYNC_SUBSCRIBERS.dec()
        if not live:
            del self._live[registration.tenant]
            self._withdraw.add(registration.tenant)
        self._wake.set()
        if self._on_change is not None:
            self._on_change(registration.tenant)

    def tenants(self) -> set[TenantId]:
        """Tenants with at least one live subscriber in this process."""
        return set(self._live)

    def local_wants(self, tenant: TenantId) -> Wants:
        wants: Wants = {}
        for registration in self._live.get(tenant, {}).values():
            wants.setdefault(registration.business, set()).update(registration.kinds)
        return wants

    def subscriber_count(self, tenant: TenantId) -> Counter[str]:
        """Live subscribers of ``tenant`` in this process, by business."""
        return Counter(r.business for r in self._live.get(tenant, {}).values())

    # -- the fleet ---------------------------------------------------------------------------

    async def fleet_wants(self, tenant: TenantId) -> Wants:
        """What every live subscriber of ``tenant``, in any process, wants polled."""
        wants = self.local_wants(tenant)
        record = await self._kv.get_versioned(keys.sync_subscribers(tenant))
        if record is None:
            return wants
        now = self._clock()
        for process_id, entry in _decode(record.value).items():
            if process_id == self.process_id or entry.until <= now:
                continue
            for business, kinds in entry.wants.items():
                wants.setdefault(business, set()).update(kinds)
        return wants

    async def run(self) -> None:
        """Renew this process's announcements every ``ttl / 3``; withdraw emptied tenants."""
        period = self._ttl / 3
        loop = asyncio.get_running_loop()
        next_renewal = loop.time()
        while not self._closed:
            timeout = max(0.0, next_renewal - loop.time())
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._wake.wait()
            still_wanted()
            self._wake.clear()
            for tenant in list(self._withdraw):
                if tenant in self._live:
                    self._withdraw.discard(tenant)
                    continue
                try:
                    await self._announce(tenant)
                    self._withdraw.discard(tenant)
                except StoreError as exc:
                    still_wanted()
                    log.warning("could not withdraw subscribers of %s: %s", tenant, exc)
            if loop.time() >= next_renewal:
                next_renewal = loop.time() + period
                for tenant in list(self._live):
                    try:
                        await self._announce(tenant)
                    except StoreError as exc:
                        still_wanted()
                        log.warning("could not renew subscribers of %s: %s", tenant, exc)

    def close(self) -> None:
        """Stop renewing (``run`` returns); ``withdraw_all`` then takes the entries back."""
        self._closed = True
        self._wake.set()

    async def withdraw_all(self) -> None:
        """On shutdown: take this process's announcements back (best effort)."""
        for tenant in set(self._live) | self._withdraw:
            self._live.pop(tenant, None)
            with contextlib.suppress(StoreError):
                await self._announce(tenant)
        self._withdraw.clear()

    async def _announce(self, tenant: TenantId) -> None:
        """Write this process's entry for ``tenant`` (or remove it, with no subscribers left)."""
        key = keys.sync_subscribers(tenant)
        wants = self.local_wants(tenant)
        for _ in range(_CAS_ATTEMPTS):
            record = await self._kv.get_versioned(key)
            now = self._clock()
            entries = {
                process_id: entry
                for process_id, entry in (_decode(record.value) if record else {}).items()
                if process_id != self.process_id and entry.until > now
            }
            if wants:
                entries[self.process_id] = _Entry(
                    until=now + self._ttl, wants={b: sorted(k) for b, k in wants.items()}
                )
            if not entries:
                if record is None or await self._kv.compare_and_delete(key, record.version):
                    return
                continue
            value = _encode(entries)
            # The record outlives every entry in it by one TTL at most.
            expected = record.version if record else None
            if await self._kv.compare_and_set(key, value, expected, ttl=2 * self._ttl):
                return
        raise StoreError(f"subscribers of {tenant!r} kept changing under us")


@dataclass(frozen=True, slots=True)
class _Entry:
    until: float
    wants: dict[str, list[str]]


def _decode(raw: bytes) -> dict[str, _Entry]:
    """The announcements in a record, skipping anything malformed."""
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    entries: dict[str, _Entry] = {}
    for process_id, entry in data.items() if isinstance(data, dict) else ():
        if not isinstance(entry, dict) or not isinstance(entry.get("until"), int | float):
            continue
        wants = entry.get("wants")
        entries[str(process_id)] = _Entry(
            until=float(entry["until"]),
            wants={
                str(b): [str(k) for k in kinds]
                for b, kinds in (wants.items() if isinstance(wants, dict) else ())
                if isinstance(kinds, list)
            },
        )
    return entries


def _encode(entries: dict[str, _Entry]) -> bytes:
    return json.dumps(
        {p: {"until": e.until, "wants": e.wants} for p, e in sorted(entries.items())},
        separators=(",", ":"),
        sort_keys=True,
    ).encode()
