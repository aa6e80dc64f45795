"""Noticing that the store lost its data under running processes.

Every process remembers the epoch marker it found (or wrote) in the store. Should a later look
find the marker gone or replaced, the store has lost its data — a Redis restarted without
persistence, a flush: the first process to notice writes a new marker saying when, and every
process then learns it from there. A loss while every process was stopped leaves nothing to
compare with and goes unnoticed; that is what AOF is for (see ``ledgergraph/durability.py``).
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
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
    def __init__(self, kv: KeyValue, *, clock: Callable[[], float] = time.time) -> None:
        self._kv = kv
        self._clock = clock
        self._known: Epoch | None = None

    async def start(self) -> Epoch:
        """Find (or begin) the store's epoch; call once when the process starts."""
        current = await self._read()
        self._known = current or await self._begin(lost_at=None)
        return self._known

    async def lost_at(self) -> float | None:
        """When the store was last found to have lost its data, if ever."""
        current = await self._read()
        if current is None:
            # Gone: lost now, unless this process never saw a marker to lose.
            current = await self._begin(lost_at=None if self._known is None else self._clock())
        self._known = current
        return current.lost_at

    async def _read(self) -> Epoch | None:
        raw = await self._kv.get(keys.store_epoch())
        return Epoch.from_bytes(raw) if raw is not None else None

    async def _begin(self, *, lost_at: float | None) -> Epoch:
        fresh = Epoch(id=secrets.token_hex(8), since=self._clock(), lost_at=lost_at)
        if await self._kv.set_if_absent(keys.store_epoch(), fresh.to_bytes()):
            return fresh
        # Another process began it first: theirs is the one.
        return await self._read() or fresh
