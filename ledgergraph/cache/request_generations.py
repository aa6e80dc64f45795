"""The cache generations a request reads: one store round trip per request and business.

Every cache lookup needs the current generation of its kind (``response_cache``); a warm
request of a few lists and their references looks up four or five kinds, and read one by one
that is four or five round trips to Redis for a few bytes each — the largest Redis cost of a
warm request once the entries themselves are kept in the process (``local_entries``).

So a request reads, at its first lookup of a business, the generations of every kind this
process has looked up for that business before, together (``KeyValue.get_many``: all of a
tenant's keys share its hash tag), and keeps them for the rest of the request. A kind not read
with them is read alone, and read with them from the next request on.

What a request sees: the generations as they were at its first lookup -- as if it had read
them all then -- but never for longer than ``max_age`` (a subscription lives for hours), and
never across an invalidation through this process (``forget``): a request that writes reads
its own write. Another process's invalidation (a write there, a sync event) is seen by every
request that starts after it. Outside any request (the sync poller, keep-alive) every lookup
reads the store. Concurrent first lookups of one request share one read.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from ledgergraph.cache import keys
from ledgergraph.cache.types import KeyValue
from ledgergraph.observability import request_context

__all__ = ["RequestGenerations"]

_Business = tuple[str, str]
# Kinds are few (one per Sage resource): a bound only against a caller inventing them.
_KINDS_PER_BUSINESS = 128


@dataclass(slots=True)
class _Read:
    """The generations one request read for one business."""

    kinds: tuple[str, ...]
    future: asyncio.Future[list[bytes | None]]
    # Kinds read or started since (alone, or by this request's own miss).
    more: dict[str, bytes | None] = field(default_factory=dict)


@dataclass(slots=True)
class _Request:
    # Held so that its id is not reused while the entry lives.
    info: request_context.RequestInfo
    expires: float
    reads: dict[_Business, _Read] = field(default_factory=dict)


class RequestGenerations:
    def __init__(
        self,
        kv: KeyValue,
        *,
        max_age: float = 1.0,
        requests: int = 256,
        businesses: int = 4096,
    ) -> None:
        self._kv = kv
        self.max_age = max_age
        self._requests_size = requests
        self._businesses_size = businesses
        self._requests: dict[int, _Request] = {}
        # Per (tenant, business): the kinds this process has looked up, in first-seen order.
        self._kinds: OrderedDict[_Business, dict[str, None]] = OrderedDict()

    async def get(self, tenant: str, business: str, kind: str) -> bytes | None:
        """The generation of ``kind`` the current request reads (``None``: there is none)."""
        request = self._request()
        if request is None:
            return await self._kv.get(keys.cache_generation(tenant, business, kind))
        where = (tenant, business)
        read = request.reads.get(where)
        if read is None:
            kinds = self._learn(where, kind)
            future = asyncio.ensure_future(
                self._kv.get_many([keys.cache_generation(tenant, business, k) for k in kinds])
            )
            read = request.reads[where] = _Read(kinds, future)
            future.add_done_callback(lambda f: self._drop_failed(request, where, f))
        elif kind in read.more:
            return read.more[kind]
        if kind in read.kinds:
            # Shielded: one lookup giving up does not cancel the others' read.
            values = await asyncio.shield(read.future)
            return read.more.get(kind, values[read.kinds.index(kind)])
        self._learn(where, kind)
        value = await self._kv.get(keys.cache_generation(tenant, business, kind))
        # A value noted meanwhile (this request started the generation) wins.
        return read.more.setdefault(kind, value)

    def note(self, tenant: str, business: str, kind: str, generation: bytes) -> None:
        """The current request started ``kind``'s generation: it reads it from now on."""
        request = self._request()
        if request is None:
            return
        read = request.reads.get((tenant, business))
        if read is not None:
            read.more[kind] = generation

    def forget(self, tenant: str, business: str) -> None:
        """This process invalidated kinds of the business: no request may keep reading the
        generations it read before."""
        for request in self._requests.values():
            request.reads.pop((tenant, business), None)

    def _request(self) -> _Request | None:
        info = request_context.current()
        if info is None or self.max_age <= 0:
            return None
        now = time.monotonic()
        request = self._requests.get(id(info))
        if request is not None and request.info is info and now < request.expires:
            return request
        self._requests.pop(id(info), None)
        request = self._requests[id(info)] = _Request(info, now + self.max_age)
        while len(self._requests) > self._requests_size:
            del self._requests[next(iter(self._requests))]
        return request

    def _learn(self, where: _Business, kind: str) -> tuple[str, ...]:
        """The kinds to read for ``where``, ``kind`` among them (remembered for next time)."""
        known = self._kinds.get(where)
        if known is None:
            known = self._kinds[where] = {}
            while len(self._kinds) > self._businesses_size:
                self._kinds.popitem(last=False)
        else:
            self._kinds.move_to_end(where)
        if kind not in known and len(known) < _KINDS_PER_BUSINESS:
            known[kind] = None
        return (*known, kind) if kind not in known else tuple(known)

    def _drop_failed(
        self, request: _Request, where: _Business, future: asyncio.Future[list[bytes | None]]
    ) -> None:
        # A failed read (the store unavailable) is not kept: the next lookup tries again.
        if future.cancelled() or future.exception() is not None:
            read = request.reads.get(where)
            if read is not None and read.future is future:
                del request.reads[where]
