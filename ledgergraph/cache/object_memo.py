"""Objects built from cached payloads, remembered per process by the payload they came from.

A cached page is decoded once per process (``ResponseCache.lookup``), so warm requests see
the very same payload objects again; mapping them into unified objects again each request is
wasted work. The memo is keyed by the payload's identity plus what else the building depends
on (the caller's key: tenant, resource, mapping rules), and holds the payload itself, so its
identity cannot be reused by another object while remembered. A payload decoded afresh (a
new cache entry, a fresh fetch) is a new object: nothing stale can be found for it.

Bounded, least recently used first out, and swept of payloads nothing else holds any more
(CPython's reference counts): a payload decoded for one request only — read through, or a
cache entry that left this process's copy — is garbage the memo must not keep alive. What it
holds must be immutable (frozen models).
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from ledgergraph.cache.validation import check_count

__all__ = ["MISSING", "ObjectMemo"]

MISSING: Any = object()
# A payload referred to only by the memo's entry, the sweep's loop and ``getrefcount``.
_UNHELD = 3


class ObjectMemo:
    def __init__(self, max_entries: int = 20_000, *, sweep_every: int = 512) -> None:
        self._max_entries = check_count("max_entries", max_entries)
        self._sweep_every = check_count("sweep_every", sweep_every)
        self._built: OrderedDict[tuple[int, Hashable], tuple[object, Any]] = OrderedDict()
        self._puts = 0

    def __len__(self) -> int:
        return len(self._built)

    def get(self, payload: object, key: Hashable) -> Any:
        """What was built from this very ``payload`` under ``key``, or ``MISSING``."""
        found = self._built.get((id(payload), key))
        if found is None or found[0] is not payload:
            return MISSING
        self._built.move_to_end((id(payload), key))
        return found[1]

    def put(self, payload: object, key: Hashable, built: Any) -> None:
        self._built[(id(payload), key)] = (payload, built)
        self._built.move_to_end((id(payload), key))
        self._puts += 1
        if self._puts % self._sweep_every == 0:
            self.sweep()
        while len(self._built) > self._max_entries:
            self._built.popitem(last=False)

    def sweep(self) -> None:
        """Forget what was built from payloads nobody else holds (they cannot recur)."""
        for key, (payload, _built) in list(self._built.items()):
            if sys.getrefcount(payload) <= _UNHELD:
                del self._built[key]
