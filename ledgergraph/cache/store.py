"""Choosing a store from configuration."""

from __future__ import annotations

from ledgergraph.cache.memory import MemoryStore
from ledgergraph.cache.redis import RedisOptions, RedisStore
from ledgergraph.cache.types import Store

__all__ = ["open_store"]


def open_store(
    redis_url: str | None, *, prefix: str = "lg:", options: RedisOptions | None = None
) -> Store:
    """A Redis store when ``redis_url`` is given, else a memory store for this process alone.

    ``redis://host:port/0?cluster=1`` (more seed nodes as ``&addr=host:port``) is a Redis
    Cluster; a URL a cluster cannot serve raises ``ValueError`` saying what to write instead.

    Nothing is connected yet: ``await store.ping()`` to find out whether Redis answers. The
    memory store has no shared key space, so ``prefix`` and ``options`` only apply to Redis.
    """
    if redis_url is None:
        return MemoryStore()
    return RedisStore(redis_url, prefix=prefix, options=options)
