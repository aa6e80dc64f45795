"""The vocabulary of the stores: three small interfaces, the records they hand out, a bundle.

Every implementation (Redis for a fleet of processes, memory for one process) honours the
contracts written here; ``tests/cache`` runs one suite against both.

Keys and names are plain strings chosen by the caller, e.g. ``tenant:{acme}:token``. The part in
braces is a Redis Cluster hash tag: keys sharing it live on the same shard.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, Self

__all__ = ["Entry", "KeyValue", "Lease", "Locks", "Store", "Streams", "Versioned"]


@dataclass(frozen=True, slots=True)
class Versioned:
    """A stored value with its version (see ``KeyValue.compare_and_set``)."""

    value: bytes
    version: int


@dataclass(frozen=True, slots=True)
class Lease:
    """Proof of holding the lock ``name``: only the holder of ``token`` may release or extend it."""

    name: str
    token: str


@dataclass(frozen=True, slots=True)
class Entry:
    """One stream entry. ``id`` is also the cursor to read on from (opaque to callers)."""

    id: str
    payload: bytes


class KeyValue(Protocol):
    """Bytes under string keys, with optional expiry and versioned compare-and-set.

    A TTL is in seconds and must be positive; ``None`` means "never expires". Every write
    replaces the previous TTL (``incr`` excepted). A key holds either a plain value (``set``,
    ``incr``) or a versioned record (``compare_and_set``); using one through the other kind's
    methods raises ``StoreError``.
    """

    async def get(self, key: str) -> bytes | None:
        """The value at ``key``, or ``None`` if absent or expired."""
        ...

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        """The values at ``keys``, in order, in one round trip (``None`` where absent or
        expired, and where a key holds a versioned record). The keys must share one hash tag:
        on a Redis Cluster they are read from one shard at once."""
        ...

    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        """Store ``value`` at ``key`` unconditionally (replacing a value of either kind)."""
        ...

    async def set_if_absent(self, key: str, value: bytes, ttl: float | None = None) -> bool:
        """Store ``value`` only if ``key`` is absent; ``True`` if it was stored."""
        ...

    async def delete(self, key: str) -> bool:
        """Remove ``key`` (of either kind); ``True`` if it existed."""
        ...

    async def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        """Add ``amount`` to the integer at ``key`` (absent counts as 0) and return the result.

        ``ttl`` applies only when this call creates the key, so a fixed-window counter expires
        at the end of its window however often it is incremented.
        """
        ...

    async def get_versioned(self, key: str) -> Versioned | None:
        """The versioned record at ``key``, or ``None`` if absent or expired."""
        ...

    async def compare_and_set(
        self, key: str, value: bytes, expected_version: int | None, ttl: float | None = None
    ) -> int | None:
        """Write ``value`` only if the stored version is ``expected_version``.

        ``expected_version=None`` means "only if absent". Returns the new version, or ``None``
        (and changes nothing) when the stored version differs. Versions of a key only ever
        grow, even across deletion or expiry, so a writer holding a version read before the
        record was deleted and recreated can never overwrite the new record.
        """
        ...

    async def compare_and_delete(self, key: str, expected_version: int) -> bool:
        """Delete the versioned record only if its version is ``expected_version``."""
        ...


class Locks(Protocol):
    """Named mutual-exclusion leases with an owner token and an expiry.

    A lease that is not released or extended within its TTL expires and anyone may take the
    lock; the former holder's ``release``/``extend`` then return ``False``.
    """

    async def acquire(self, name: str, ttl: float) -> Lease | None:
        """Take the lock if it is free (or expired); ``None`` if someone else holds it."""
        ...

    async def acquire_wait(
        self,
        name: str,
        ttl: float,
        timeout: float,  # noqa: ASYNC109
        poll: float = 0.05,
    ) -> Lease | None:
        """Take the lock, retrying every ``poll`` seconds; ``None`` after ``timeout`` seconds.

        Unlike cancelling ``acquire`` from outside, running out of time is an answer here: the
        token refresher then re-reads the record the lock holder has written meanwhile.
        """
        ...

    async def release(self, lease: Lease) -> bool:
        """Free the lock if ``lease`` still holds it; ``False`` (and nothing freed) otherwise."""
        ...

    async def extend(self, lease: Lease, ttl: float) -> bool:
        """Reset the lock's expiry to ``ttl`` from now if ``lease`` still holds it."""
        ...

    async def owner(self, name: str) -> str | None:
        """The token of the lease currently holding ``name``, or ``None`` if it is free."""
        ...


class Streams(Protocol):
    """Append-only logs of byte payloads, read by cursor.

    Entry ids look like Redis stream ids (``"<ms>-<seq>"``) and strictly increase within a
    stream. Callers treat them as opaque cursors.

    Trimming happens on ``append`` and is exact: afterwards the stream holds at most
    ``max_len`` entries and none whose id is more than ``max_age`` seconds older than the new
    entry's. A reader whose cursor is older than a trimmed entry gets ``CursorExpired`` rather
    than a silent gap.
    """

    async def append(
        self,
        stream: str,
        payload: bytes,
        *,
        max_len: int | None = None,
        max_age: float | None = None,
    ) -> str:
        """Append ``payload``, trim as asked, and return the new entry's id."""
        ...

    async def read(
        self,
        stream: str,
        after: str | None = None,
        *,
        count: int = 100,
        block: float | None = None,
    ) -> list[Entry]:
        """Up to ``count`` entries strictly after the cursor ``after``, oldest first.

        ``after=None`` starts at the oldest entry still retained. If there is nothing to return
        and ``block`` is given, wait up to ``block`` seconds for an entry to be appended; an
        empty list means none came. Raises ``CursorExpired`` if entries after ``after`` were
        trimmed, ``InvalidCursor`` if ``after`` is malformed.
        """
        ...

    async def last_id(self, stream: str) -> str:
        """The id of the newest entry ever appended (trimmed or not); ``"0-0"`` if none.

        Reading after it yields exactly the entries appended from now on.
        """
        ...


@dataclass(frozen=True, slots=True)
class Durability:
    """What the backend keeps across its own restart and under memory pressure, as it says.

    ``None`` where the backend would not tell (a managed Redis with CONFIG disabled)."""

    survives_restart: bool | None
    evicts: bool | None
    detail: str


class Store(Protocol):
    """One backend's key-value store, locks and streams, sharing a connection and a prefix."""

    @property
    def kv(self) -> KeyValue: ...

    @property
    def locks(self) -> Locks: ...

    @property
    def streams(self) -> Streams: ...

    async def ping(self) -> None:
        """Return if the backend answers; raise ``StoreUnavailable`` otherwise."""
        ...

    async def durability(self) -> Durability:
        """How durable the backend is configured to be (``StoreUnavailable`` if it is down)."""
        ...

    async def shard_tags(self) -> tuple[str, ...]:
        """One hash tag per shard (a key tagged ``{tag}`` lives on that shard), for state that
        each shard must hold (the epoch marker); ``("",)`` for a store that is not sharded."""
        ...

    async def aclose(self) -> None:
        """Release the connections; the store is not used afterwards."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
