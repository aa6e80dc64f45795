"""Noticing that the store lost its data under running processes.

Every process remembers the epoch marker it found (or wrote) in the store. Should a later look
find the marker gone or replaced, the store has lost its data — a Redis restarted without
persistence, a flush: the first process to notice writes a new marker saying when, and every
process then learns it from there. A loss while every process was stopped leaves nothing to
compare with and goes unnoticed; that is what AOF is for (see ``ledgergraph/durability.py``).

On a Redis Cluster each shard can lose its data alone (a primary restarted empty, a failover to
a replica that had not caught up), and a marker on one shard says nothing of the others: each
shard holds a marker of its own (``Store.shard_tags``), and a loss on any shard is the store's.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass

from ledgergraph.cache import keys
from ledgergraph.cache.types import KeyValue

__all__ = ["Epoch", "StoreEpoch"]


@dataclass(frozen=True, slots=True)
class Epoch:
    id: str
    since: float
    # When the store was found to have lost the data of the epoch before this one.
    lost_at: float | None = None

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self)).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Epoch:
        return cls(**json.loads(raw))


class StoreEpoch:
    def __init__(
        self,
        kv: KeyValue,
        *,
        shards: Callable[[], Awaitable[Sequence[str]]] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``shards``: the store's ``shard_tags`` (without it, one marker for the store)."""
        self._kv = kv
        self._shards = shards
        self._clock = clock
        # The marker this process found (or wrote) on each shard.
        self._known: dict[str, Epoch] = {}

    async def start(self) -> None:
        """Find (or begin) the epoch of every shard; call once when the process starts."""
        for shard in await self._shard_tags():
            current = await self._read(shard)
            self._known[shard] = current or await self._begin(shard, lost_at=None)

    async def lost_at(self) -> float | None:
        """When the store (any shard of it) was last found to have lost its data, if ever."""
        losses = []
        for shard in await self._shard_tags():
            current = await self._read(shard)
            if current is None:
                # Gone: lost now, unless this process never saw a marker there to lose.
                seen = shard in self._known
                current = await self._begin(shard, lost_at=self._clock() if seen else None)
            self._known[shard] = current
            if current.lost_at is not None:
                losses.append(current.lost_at)
        return max(losses, default=None)

    async def _shard_tags(self) -> Sequence[str]:
        return ("",) if self._shards is None else await self._shards()

    async def _read(self, shard: str) -> Epoch | None:
        raw = await self._kv.get(keys.store_epoch(shard))
        return Epoch.from_bytes(raw) if raw is not None else None

    async def _begin(self, shard: str, *, lost_at: float | None) -> Epoch:
        fresh = Epoch(id=secrets.token_hex(8), since=self._clock(), lost_at=lost_at)
        if await self._kv.set_if_absent(keys.store_epoch(shard), fresh.to_bytes()):
            return fresh
        # Another process began it first: theirs is the one.
        return await self._read(shard) or fresh
