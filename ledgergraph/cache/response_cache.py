"""Sage GET responses, cached per tenant, business and resource kind.

Invalidation needs no key scan: each (tenant, business, kind) has a *generation*, a random token
under its own key, and responses are stored under the generation they were fetched in.
``invalidate`` deletes the generation, so older responses become unreachable and expire on
their TTL. Random tokens rather than a counter because this cache may live in an evicting
Redis: an evicted counter would restart and resurrect old responses, an evicted token only
empties the cache.

``put`` stores only a response whose ``get`` missed earlier in the same task, under the
generation that ``get`` saw. So a response fetched across an invalidation is never served:
it lands in the generation the invalidation retired.

No stampede: on a miss, one process takes a short fill lease for the entry and fetches; the
others wait for the entry to appear (``singleflight``) — checking the generation again before
serving it, so a fill that straddled an invalidation is not served once the invalidation is
seen — and fetch by themselves when the lease vanishes without an entry or the wait runs out.
A waiter never fails because of a lease. Leases, like entries, are per tenant and business.

Recently used entries are also kept in this process (``local_entries``), under the same
generation-qualified names: a warm hit then reads only the small generation key from the store,
not the response, and an invalidation by any process still takes effect for every request that
starts after it. A request reads the generations of all the kinds it will likely look up at
once, at its first lookup (``request_generations``): one round trip per request and business,
not one per lookup.

Freshness: every entry records when it was fetched from Sage. A hit reports that time to the
request (``request_context.note_cache_hit``, for ``extensions.cost``), and a request that
bounds the age of what it reads (``request_context.max_age``) treats an older entry as a miss,
whose fresh response then replaces it.

Stale serving: with a ``stale_window``, the store keeps each entry that much longer than its
TTL. An entry past its TTL is a miss as before; but when Sage may not be called — the Sage
budget refused the read (``SAGE_QUOTA_EXHAUSTED``, or no slot within its wait) — the caller
may ask for it with ``stale``, and a client's cached answer of a known age beats an error. An
invalidation retires stale entries with the rest of their generation, so a stale answer never
predates a write LedgerGraph saw; and a request's ``maxAge`` bounds stale answers too.

The cache fails open: when the store is unavailable, ``get`` misses and ``put``/``invalidate``
do nothing (logged), so reads fall through to Sage; the TTL (for stale answers, the TTL and
the stale window) bounds any staleness a lost invalidation leaves behind.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import struct
import time
from collections.abc import Hashable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from types import MappingProxyType

from ledgergraph.cache import keys
from ledgergraph.cache.exceptions import StoreUnavailable
from ledgergraph.cache.known_totals import KnownTotals
from ledgergraph.cache.local_entries import LocalEntries, LocalEntry
from ledgergraph.cache.object_memo import ObjectMemo
from ledgergraph.cache.request_generations import RequestGenerations
from ledgergraph.cache.singleflight import FillLeases
from ledgergraph.cache.types import KeyValue
from ledgergraph.cache.validation import check_positive
from ledgergraph.observability import metrics, request_context

__all__ = ["ResponseCache"]

logger = logging.getLogger(__name__)

_Request = tuple[str, str, str, str]


@dataclass(frozen=True, slots=True)
class _Pending:
    """A miss waiting for its ``put``: the generation it saw, and its fill lease if it took one."""

    generation: str
    fill: str | None


@dataclass(frozen=True, slots=True)
class _Stored:
    fetched_at: float
    body: bytes


# Generations seen by misses of the current task, waiting for their ``put``; replaced, never
# mutated, so tasks spawned meanwhile keep their own copy.
_misses: ContextVar[Mapping[_Request, _Pending]] = ContextVar(
    "ledgergraph_cache_misses", default=MappingProxyType({})
)

# Outlives any response TTL; losing a generation only empties that part of the cache.
GENERATION_TTL = 24 * 3600.0
# An entry: this marker, the fetch time (seconds since the epoch, a double), the response.
# Entries of an older layout lack the marker and are misses.
_MARKER = b"\x00lg1"
_HEADER = struct.Struct("<d")
_BODY_AT = len(_MARKER) + _HEADER.size


class ResponseCache:
    def __init__(
        self,
        kv: KeyValue,
        *,
        ttls: Mapping[str, float] | None = None,
        default_ttl: float = 60.0,
        single_flight: bool = True,
        fill_lease_ttl: float = 5.0,
        local_entries: int = 512,
        local_bytes: int = 64 * 2**20,
        stale_window: float = 0.0,
    ) -> None:
        """``local_entries``/``local_bytes`` bound this process's copy of recent entries
        (``local_bytes=0``: none); ``single_flight=False`` turns fill leases off;
        ``stale_window``: seconds an entry is kept past its TTL for ``stale`` (0: not kept)."""
        self._kv = kv
        self._ttls = {
            kind: check_positive(f"ttl of {kind}", ttl) for kind, ttl in (ttls or {}).items()
        }
        self._default_ttl = check_positive("default_ttl", default_ttl)
        if stale_window < 0:
            raise ValueError(f"stale_window must be 0 or more, not {stale_window!r}")
        self._stale_window = stale_window
        self._leases: FillLeases[_Stored] | None = (
            FillLeases(kv, ttl=fill_lease_ttl, wait=fill_lease_ttl) if single_flight else None
        )
        self._local = (
            LocalEntries(max_entries=local_entries, max_bytes=local_bytes)
            if local_bytes > 0
            else None
        )
        #: How long each list was when last read (hints for reading all its pages at once).
        self.totals = KnownTotals(kv)
        #: Unified objects built from the decoded entries (see ``object_memo``).
        self.built = ObjectMemo()
        self._generations = RequestGenerations(kv)

    @property
    def local_size(self) -> tuple[int, int]:
        """(entries, bytes of memory) this process's copy holds now; (0, 0) without one."""
        return (0, 0) if self._local is None else self._local.size

    async def get(self, tenant: str, business: str, kind: str, request_key: str) -> bytes | None:
        """The cached response, or ``None``; a miss lets this task ``put`` the response.

        A miss may first wait (boundedly) for another process already fetching the same
        response; a hit is reported to the request with the time its data was fetched.
        """
        found = await self.lookup(tenant, business, kind, request_key)
        return None if found is None else found.body

    async def lookup(
        self, tenant: str, business: str, kind: str, request_key: str
    ) -> LocalEntry | None:
        """As ``get``, the cached entry itself: ``.json()`` is its body decoded once per
        process while it stays in this process's copy (shared: not to be modified)."""
        request = (tenant, business, kind, request_key)
        digest = _digest(request_key)
        bound = request_context.max_age()
        fill: str | None = None
        try:
            generation = await self._generation(tenant, business, kind)
            entry = keys.cache_entry(tenant, business, kind, generation, digest)
            family = (tenant, business, kind)
            local = None if self._local is None else self._local.get(entry, family, generation)
            if local is not None and _fresh(local, bound, None):
                return self._hit(kind, local)
            stored = _decode(await self._kv.get(entry))
            if stored is not None and _fresh(stored, bound, self._ttl(kind)):
                return self._hit(kind, self._keep(kind, entry, stored, family, generation))
            if self._leases is not None:
                name = keys.cache_fill(tenant, business, kind, generation, digest)
                if await self._leases.take(name):
                    fill = name
                elif not self._leases.held_here(name):
                    seen = None if stored is None else stored.fetched_at
                    filled = await self._wait_for_fill(
                        tenant, business, kind, generation, digest, name, seen
                    )
                    if filled is not None and _fresh(filled, bound, self._ttl(kind)):
                        return self._hit(kind, self._keep(kind, entry, filled, family, generation))
                    # Fetched here after all: under the generation current now (the fetch
                    # starts after this read, so an invalidation seen here is behind it).
                    generation = await self._generation(tenant, business, kind, fresh=True)
        except StoreUnavailable as exc:
            logger.warning("response cache unavailable, reading through: %s", exc)
            metrics.CACHE_LOOKUPS.labels(kind, "miss").inc()
            return None
        _misses.set({**_misses.get(), request: _Pending(generation, fill)})
        metrics.CACHE_LOOKUPS.labels(kind, "miss").inc()
        return None

    async def put(
        self, tenant: str, business: str, kind: str, request_key: str, response: bytes
    ) -> None:
        """Cache ``response`` for the request this task's ``get`` just missed."""
        pending = self._pop_pending((tenant, business, kind, request_key))
        if pending is None:
            return
        key = keys.cache_entry(tenant, business, kind, pending.generation, _digest(request_key))
        fetched_at = time.time()
        try:
            await self._kv.set(
                key, _encode(fetched_at, response), ttl=self._ttl(kind) + self._stale_window
            )
        except StoreUnavailable as exc:
            logger.warning("response cache unavailable, not caching: %s", exc)
        else:
            family = (tenant, business, kind)
            self._keep(kind, key, _Stored(fetched_at, response), family, pending.generation)
        if pending.fill is not None and self._leases is not None:
            await self._leases.release(pending.fill)

    async def stale(
        self, tenant: str, business: str, kind: str, request_key: str
    ) -> LocalEntry | None:
        """The entry for this request even if past its TTL (within the stale window), for a
        read Sage may not be asked for: ``None`` if there is none, it is older than the
        request's ``maxAge``, or the store is unavailable. Reported to the request as a stale
        hit (``extensions.stale``), with its age."""
        if self._stale_window <= 0:
            return None
        try:
            generation = await self._kv.get(keys.cache_generation(tenant, business, kind))
            if generation is None:
                return None  # invalidated (or never filled): nothing that may be served
            entry = keys.cache_entry(
                tenant, business, kind, generation.decode(), _digest(request_key)
            )
            stored = _decode(await self._kv.get(entry))
        except StoreUnavailable as exc:
            logger.warning("response cache unavailable, no stale answer: %s", exc)
            return None
        if stored is None or not _fresh(
            stored, request_context.max_age(), self._ttl(kind) + self._stale_window
        ):
            return None
        request_context.note_cache_hit(stored.fetched_at, stale=True)
        metrics.CACHE_LOOKUPS.labels(kind, "stale").inc()
        ttl = self._ttl(kind)
        return LocalEntry(stored.fetched_at, stored.body, stored.fetched_at + ttl)

    async def abandon(self, tenant: str, business: str, kind: str, request_key: str) -> None:
        """The fetch after this task's miss failed: let waiting processes fetch at once
        (without this they wait for the fill lease to expire)."""
        pending = self._pop_pending((tenant, business, kind, request_key))
        if pending is not None and pending.fill is not None and self._leases is not None:
            await self._leases.release(pending.fill)

    async def invalidate(self, tenant: str, business: str, *kinds: str) -> None:
        """Forget every cached response of these resource kinds of ``business``."""
        if not kinds:
            raise ValueError("name the resource kinds to invalidate")
        # Requests of this process read their own write: none keeps the generations it read,
        # before the deletes or while they run.
        self._generations.forget(tenant, business)
        try:
            for kind in kinds:
                await self._kv.delete(keys.cache_generation(tenant, business, kind))
        except StoreUnavailable as exc:
            logger.warning("response cache unavailable, invalidation of %s lost: %s", kinds, exc)
        self._generations.forget(tenant, business)

    def _ttl(self, kind: str) -> float:
        return self._ttls.get(kind, self._default_ttl)

    def _keep(
        self, kind: str, entry: str, stored: _Stored, family: Hashable, generation: str
    ) -> LocalEntry:
        ttl = self._ttl(kind)
        if self._local is None:
            return LocalEntry(stored.fetched_at, stored.body, stored.fetched_at + ttl)
        return self._local.put(
            entry, stored.fetched_at, stored.body, ttl, family=family, generation=generation
        )

    def _hit(self, kind: str, found: LocalEntry) -> LocalEntry:
        request_context.note_cache_hit(found.fetched_at)
        metrics.CACHE_LOOKUPS.labels(kind, "hit").inc()
        return found

    def _pop_pending(self, request: _Request) -> _Pending | None:
        pending = _misses.get()
        found = pending.get(request)
        if found is not None:
            _misses.set({r: p for r, p in pending.items() if r != request})
        return found

    async def _wait_for_fill(
        self,
        tenant: str,
        business: str,
        kind: str,
        generation: str,
        digest: str,
        lease: str,
        seen: float | None,
    ) -> _Stored | None:
        """The entry another process is filling, once it is there; only one fetched after
        ``seen`` (the entry already there, if any) and while ``generation`` is current."""
        entry = keys.cache_entry(tenant, business, kind, generation, digest)
        generation_key = keys.cache_generation(tenant, business, kind)

        async def poll() -> tuple[bool, _Stored | None]:
            found = _decode(await self._kv.get(entry))
            if found is None or (seen is not None and found.fetched_at <= seen):
                return False, None
            # Filled; but not served if an invalidation has retired its generation.
            current = await self._kv.get(generation_key)
            if current is None or current.decode() != generation:
                return True, None
            return True, found

        assert self._leases is not None
        return await self._leases.wait_for(lease, poll, share=seen)

    async def _generation(
        self, tenant: str, business: str, kind: str, *, fresh: bool = False
    ) -> str:
        """The generation to look up in: as the request read it (``request_generations``),
        or with ``fresh`` read from the store now."""
        key = keys.cache_generation(tenant, business, kind)
        if fresh:
            current = await self._kv.get(key)
        else:
            current = await self._generations.get(tenant, business, kind)
        if current is None:
            new = secrets.token_hex(8).encode()
            if await self._kv.set_if_absent(key, new, ttl=GENERATION_TTL):
                current = new
            else:
                current = await self._kv.get(key)
                if current is None:
                    # Another process started a generation and it is already gone again: a
                    # private one makes this request a miss whose response nobody will read.
                    return new.decode()
            self._generations.note(tenant, business, kind, current)
        return current.decode()


def _encode(fetched_at: float, response: bytes) -> bytes:
    return _MARKER + _HEADER.pack(fetched_at) + response


def _decode(raw: bytes | None) -> _Stored | None:
    if raw is None or not raw.startswith(_MARKER):
        return None
    (fetched_at,) = _HEADER.unpack_from(raw, len(_MARKER))
    return _Stored(fetched_at, raw[_BODY_AT:])


def _fresh(stored: _Stored | LocalEntry, max_age: float | None, ttl: float | None) -> bool:
    """Young enough for the request's bound and for ``ttl`` (the store keeps entries past
    their TTL for stale answers; ``None``: the holder already expires them on time)."""
    age = time.time() - stored.fetched_at
    return (max_age is None or age <= max_age) and (ttl is None or age <= ttl)


def _digest(request_key: str) -> str:
    return hashlib.sha256(request_key.encode()).hexdigest()[:32]
