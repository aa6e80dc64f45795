"""Shared state behind small interfaces: key-value with compare-and-set, locks, streams.

``open_store(url)`` gives a Redis store (several processes) or, without a URL, a memory store
(one process). Callers speak ``types.py``; ``keys`` names everything LedgerGraph stores, and
``ResponseCache`` keeps Sage GET responses on top of a ``KeyValue``.
"""

from ledgergraph.cache import keys
from ledgergraph.cache.exceptions import (
    CursorExpired,
    InvalidCursor,
    StoreError,
    StoreUnavailable,
)
from ledgergraph.cache.memory import MemoryStore
from ledgergraph.cache.redis import RedisOptions, RedisStore
from ledgergraph.cache.response_cache import ResponseCache
from ledgergraph.cache.store import open_store
from ledgergraph.cache.types import (
    Durability,
    Entry,
    KeyValue,
    Lease,
    Locks,
    Store,
    Streams,
    Versioned,
)

__all__ = [
    "CursorExpired",
    "Durability",
    "Entry",
    "InvalidCursor",
    "KeyValue",
    "Lease",
    "Locks",
    "MemoryStore",
    "RedisOptions",
    "RedisStore",
    "ResponseCache",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "Streams",
    "Versioned",
    "keys",
    "open_store",
]
