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

The cache fails open: when the store is unavailable, ``get`` misses and ``put``/``invalidate``
do nothing (logged), so reads fall through to Sage; the TTL bounds any staleness a lost
invalidation leaves behind.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Mapping
from contextvars import ContextVar
from types import MappingProxyType

from ledgergraph.cache import keys
from ledgergraph.cache.exceptions import StoreUnavailable
from ledgergraph.cache.types import KeyValue
from ledgergraph.cache.validation import check_positive
from ledgergraph.observability import metrics

__all__ = ["ResponseCache"]

logger = logging.getLogger(__name__)

_Request = tuple[str, str, str, str]

# Generations seen by misses of the current task, waiting for their ``put``; replaced, never
# mutated, so tasks spawned meanwhile keep their own copy.
_misses: ContextVar[Mapping[_Request, str]] = ContextVar(
    "ledgergraph_cache_misses", default=MappingProxyType({})
)

# Outlives any response TTL; losing a generation only empties that part of the cache.
GENERATION_TTL = 24 * 3600.0


class ResponseCache:
    def __init__(
        self, kv: KeyValue, *, ttls: Mapping[str, float] | None = None, default_ttl: float = 60.0
    ) -> None:
        self._kv = kv
        self._ttls = {
            kind: check_positive(f"ttl of {kind}", ttl) for kind, ttl in (ttls or {}).items()
        }
        self._default_ttl = check_positive("default_ttl", default_ttl)

    async def get(self, tenant: str, business: str, kind: str, request_key: str) -> bytes | None:
        """The cached response, or ``None``; a miss lets this task ``put`` the response."""
        request = (tenant, business, kind, request_key)
        try:
            generation = await self._generation(tenant, business, kind)
            response = await self._kv.get(
                keys.cache_entry(tenant, business, kind, generation, _digest(request_key))
            )
        except StoreUnavailable as exc:
            logger.warning("response cache unavailable, reading through: %s", exc)
            metrics.CACHE_LOOKUPS.labels(kind, "miss").inc()
            return None
        if response is None:
            _misses.set({**_misses.get(), request: generation})
        metrics.CACHE_LOOKUPS.labels(kind, "miss" if response is None else "hit").inc()
        return response

    async def put(
        self, tenant: str, business: str, kind: str, request_key: str, response: bytes
    ) -> None:
        """Cache ``response`` for the request this task's ``get`` just missed."""
        request = (tenant, business, kind, request_key)
        pending = _misses.get()
        generation = pending.get(request)
        if generation is None:
            return
        _misses.set({r: g for r, g in pending.items() if r != request})
        key = keys.cache_entry(tenant, business, kind, generation, _digest(request_key))
        try:
            await self._kv.set(key, response, ttl=self._ttls.get(kind, self._default_ttl))
        except StoreUnavailable as exc:
            logger.warning("response cache unavailable, not caching: %s", exc)

    async def invalidate(self, tenant: str, business: str, *kinds: str) -> None:
        """Forget every cached response of these resource kinds of ``business``."""
        if not kinds:
            raise ValueError("name the resource kinds to invalidate")
        try:
            for kind in kinds:
                await self._kv.delete(keys.cache_generation(tenant, business, kind))
        except StoreUnavailable as exc:
            logger.warning("response cache unavailable, invalidation of %s lost: %s", kinds, exc)

    async def _generation(self, tenant: str, business: str, kind: str) -> str:
        key = keys.cache_generation(tenant, business, kind)
        current = await self._kv.get(key)
        if current is None:
            fresh = secrets.token_hex(8).encode()
            if await self._kv.set_if_absent(key, fresh, ttl=GENERATION_TTL):
                return fresh.decode()
            # Another process started a generation first; if it is already gone again, a
            # private one makes this request a miss whose response nobody will read.
            current = await self._kv.get(key) or fresh
        return current.decode()


def _digest(request_key: str) -> str:
    return hashlib.sha256(request_key.encode()).hexdigest()[:32]
