"""How many items each list had when last read: a hint to ask for all its pages at once.

Sage tells a list's length (``$total``) only on a page of it, so reading a whole list of
unknown length costs two dependent rounds: page 1, then the pages its ``$total`` reveals.
Remembering the last total seen lets the next read ask for every page in its first round.

Only a hint: readers still check each page-1 ``$total`` and fetch pages the hint missed, so a
hint that has become too small costs one more round (as without a hint), one too large one
extra call that answers an empty page. That is why it may outlive the response cache's
generations: an invalidation empties cached pages, but the list's length rarely moves much.

Kept in this process (a bounded dict, read first) and in the store (for the other processes
and a restarted one), per tenant, business, resource and filter; the store copy is written
only when the total changes, so a steady list costs no writes. A store that is down only
loses the hint.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict

from ledgergraph.cache import keys
from ledgergraph.cache.exceptions import StoreError, StoreUnavailable
from ledgergraph.cache.types import KeyValue

__all__ = ["KnownTotals"]

logger = logging.getLogger(__name__)

# A hint is worth keeping for as long as lists stay roughly the same length.
TOTAL_TTL = 7 * 24 * 3600.0
_Key = tuple[str, str, str, str]


class KnownTotals:
    def __init__(self, kv: KeyValue | None, *, max_entries: int = 10_000) -> None:
        self._kv = kv
        self._local: OrderedDict[_Key, int] = OrderedDict()
        self._max_entries = max_entries

    async def get(self, tenant: str, business: str, kind: str, list_key: str) -> int | None:
        """The list's last seen total, or ``None`` if never seen (or the store is down)."""
        key = (tenant, business, kind, list_key)
        local = self._local.get(key)
        if local is not None or self._kv is None:
            return local
        try:
            stored = await self._kv.get(keys.list_total(tenant, business, kind, _digest(list_key)))
        except (StoreUnavailable, StoreError) as exc:
            logger.debug("known totals unavailable: %s", exc)
            return None
        if stored is None or not stored.isdigit():
            return None
        total = int(stored)
        self._keep(key, total)
        return total

    async def remember(
        self, tenant: str, business: str, kind: str, list_key: str, total: int
    ) -> None:
        """Record the total a page 1 just told (a store write only when it changed)."""
        key = (tenant, business, kind, list_key)
        if self._local.get(key) == total:
            self._local.move_to_end(key)
            return
        self._keep(key, total)
        if self._kv is None:
            return
        try:
            await self._kv.set(
                keys.list_total(tenant, business, kind, _digest(list_key)),
                str(total).encode(),
                ttl=TOTAL_TTL,
            )
        except (StoreUnavailable, StoreError) as exc:
            logger.debug("known totals unavailable, hint not shared: %s", exc)

    def _keep(self, key: _Key, total: int) -> None:
        self._local[key] = total
        self._local.move_to_end(key)
        while len(self._local) > self._max_entries:
            self._local.popitem(last=False)


def _digest(list_key: str) -> str:
    return hashlib.sha256(list_key.encode()).hexdigest()[:32]
