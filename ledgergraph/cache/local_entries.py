"""A per-process copy of recently used cache entries, in front of the store.

A warm request reads the same few pages again and again (the contact list's pages to serve a
handful of contacts, the tax rates, the ledger accounts): from Redis that is hundreds of
kilobytes per request. Kept here as well, a hit costs one read of the (tiny) generation key
instead, which still goes to the store every time — so an invalidation by any process is seen
at once, as without this copy. An entry is dropped when its store TTL would have expired it.

An invalidation retires a whole family of entries (a business's resource kind) by starting a
new generation: entries of the family's previous generation can never be hit again, so the
first get or put of a newer one drops them at once rather than leaving them to age out. The
copy then holds live data only, however often writes invalidate it.

Bounded in entries and in bytes, least recently used first out. Entries are immutable bytes
shared with the caller, never copied; each may also carry its decoded JSON, decoded once per
process rather than once per request (``ResponseCache.get_json``), which its readers share
and must not modify.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import orjson

from ledgergraph.cache.validation import check_count

__all__ = ["LocalEntries", "LocalEntry"]

# Not decoded yet (``None`` is valid JSON).
UNDECODED: Any = object()
# What an entry costs in memory per byte of its body once decoded (orjson's dicts and strings
# take ~4.5x the JSON's bytes; the objects built from them, remembered by ``ObjectMemo`` while
# the entry lives, about as much again): the byte budget is of memory, not of JSON.
HELD_PER_BODY_BYTE = 8


@dataclass(slots=True)
class LocalEntry:
    fetched_at: float
    body: bytes
    # Wall-clock time the store's copy expires (``fetched_at`` + the kind's TTL).
    expires_at: float
    # ``body`` decoded, once someone needed it so (``UNDECODED`` until then).
    decoded: Any = field(default=UNDECODED)
    # The entries this one is retired with (``None``: none).
    family: Hashable = None

    def json(self) -> Any:
        """The body decoded: once per entry, shared by every reader (do not modify it)."""
        if self.decoded is UNDECODED:
            self.decoded = orjson.loads(self.body)
        return self.decoded


class LocalEntries:
    def __init__(self, *, max_entries: int = 512, max_bytes: int = 64 * 2**20) -> None:
        self._max_entries = check_count("max_entries", max_entries)
        self._max_bytes = check_count("max_bytes", max_bytes)
        self._entries: OrderedDict[str, LocalEntry] = OrderedDict()
        self._bytes = 0
        # family -> (its generation held here, the keys of its entries held)
        self._families: dict[Hashable, tuple[str, set[str]]] = {}

    @property
    def size(self) -> tuple[int, int]:
        """(entries, bytes of memory held now, as the budget counts them)."""
        return len(self._entries), self._bytes

    def get(
        self, key: str, family: Hashable = None, generation: str | None = None
    ) -> LocalEntry | None:
        """The entry under ``key``, if held and not expired; a ``generation`` of ``family``
        newer than the one held drops the family's older entries."""
        if family is not None and generation is not None:
            self._retire(family, generation)
        found = self._entries.get(key)
        if found is None:
            return None
        if found.expires_at <= time.time():
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return found

    def put(
        self,
        key: str,
        fetched_at: float,
        body: bytes,
        ttl: float,
        *,
        family: Hashable = None,
        generation: str | None = None,
    ) -> LocalEntry:
        """Keep ``body`` (unless it is too large to); the entry, kept or not. ``family`` and
        ``generation`` name what it is retired with (see ``get``)."""
        entry = LocalEntry(fetched_at, body, fetched_at + ttl)
        if _held(body) > self._max_bytes // 4:
            return entry  # one huge page would push out everything else
        self._drop(key)
        if family is not None and generation is not None:
            self._retire(family, generation)
            entry.family = family
            self._families.setdefault(family, (generation, set()))[1].add(key)
        self._entries[key] = entry
        self._bytes += _held(body)
        while len(self._entries) > self._max_entries or self._bytes > self._max_bytes:
            oldest = next(iter(self._entries))
            self._drop(oldest)
        return entry

    def _retire(self, family: Hashable, generation: str) -> None:
        held = self._families.get(family)
        # Generations are opaque: whichever is seen last is the one kept. A request still on
        # an older one drops the newer one's entries, which only costs a re-read.
        if held is not None and held[0] != generation:
            for key in list(held[1]):
                self._drop(key)

    def _drop(self, key: str) -> None:
        gone = self._entries.pop(key, None)
        if gone is None:
            return
        self._bytes -= _held(gone.body)
        if gone.family is not None:
            held = self._families.get(gone.family)
            if held is not None:
                held[1].discard(key)
                if not held[1]:
                    del self._families[gone.family]


def _held(body: bytes) -> int:
    return len(body) * HELD_PER_BODY_BYTE
