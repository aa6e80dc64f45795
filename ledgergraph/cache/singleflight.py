"""Single flight of cache fills across processes: one fetches, the others wait for its entry.

When a cached response expires or is invalidated, every process asking for it at once would
ask Sage too (a stampede). Instead the first takes a short *fill lease* in the store — a plain
key written only if absent, so it works on every store and names one key (Redis Cluster) —
fetches, stores the entry and drops the lease. The others poll the store for the entry.

The lease only ever saves calls, it never fails a read: a waiter stops waiting and fetches by
itself when the lease disappears without an entry (its holder failed or died), or after
``wait`` seconds. Within one process there is one poller per entry however many requests
wait for it, and a lease this process holds is not waited for at all: the Sage client's own
in-flight sharing joins those requests to the fetch already running.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from ledgergraph.cache.exceptions import StoreError, StoreUnavailable
from ledgergraph.cache.types import KeyValue
from ledgergraph.cache.validation import check_positive

__all__ = ["FillLeases", "Poll"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

# One look at the store while waiting: (stop waiting?, what was found).
Poll = Callable[[], Awaitable[tuple[bool, T | None]]]

# First polls come quickly (a Sage GET takes tens of milliseconds), later ones back off.
FIRST_POLL = 0.005
LAST_POLL = 0.05


class FillLeases(Generic[T]):
    def __init__(self, kv: KeyValue, *, ttl: float = 5.0, wait: float = 5.0) -> None:
        self._kv = kv
        # Longer than a Sage GET takes with its retries, short enough that a dead holder
        # delays the others by seconds at most.
        self._ttl = check_positive("fill lease ttl", ttl)
        self._wait = check_positive("fill wait", wait)
        # Leases this process took, until when (a failed fetch may never release its own).
        self._held: dict[str, float] = {}
        self._polls: dict[tuple[str, object], asyncio.Task[T | None]] = {}

    async def take(self, name: str) -> bool:
        """Take the fill lease ``name`` for this process; ``False`` if someone holds it."""
        taken = await self._kv.set_if_absent(name, secrets.token_hex(8).encode(), ttl=self._ttl)
        if taken:
            now = time.monotonic()
            if len(self._held) > 1024:
                self._held = {n: until for n, until in self._held.items() if until > now}
            self._held[name] = now + self._ttl
        return taken

    def held_here(self, name: str) -> bool:
        """Whether this process holds ``name`` (its requests then share the running fetch)."""
        return self._held.get(name, 0.0) > time.monotonic()

    async def release(self, name: str) -> None:
        """Drop the lease after the entry is stored (or the fetch failed).

        Deleted without checking the holder: if this fetch outlived its lease and another
        process holds ``name`` now, a third process may fetch too — one call more at worst.
        """
        self._held.pop(name, None)
        try:
            await self._kv.delete(name)
        except (StoreUnavailable, StoreError) as exc:
            logger.debug("fill lease %s not released (it expires): %s", name, exc)

    async def wait_for(self, name: str, poll: Poll[T], *, share: object = None) -> T | None:
        """What ``poll`` finds once the holder of ``name`` has filled the entry; ``None`` when
        the lease vanished without it, ``poll`` said stop, or after the bounded wait.

        Requests of this process waiting for the same ``(name, share)`` share one poller.
        """
        key = (name, share)
        task = self._polls.get(key)
        if task is None:
            task = asyncio.ensure_future(self._poll(name, poll))
            self._polls[key] = task
            task.add_done_callback(lambda _t: self._polls.pop(key, None))
        # Shielded: one waiter giving up does not cancel the others' poller.
        return await asyncio.shield(task)

    async def _poll(self, name: str, poll: Poll[T]) -> T | None:
        deadline = time.monotonic() + self._wait
        interval = FIRST_POLL
        try:
            while time.monotonic() < deadline:
                await asyncio.sleep(interval)
                interval = min(interval * 2, LAST_POLL)
                stop, found = await poll()
                if stop or found is not None:
                    return found
                if await self._kv.get(name) is None:
                    # Released meanwhile: the entry may have landed just before.
                    stop, found = await poll()
                    return found
        except (StoreUnavailable, StoreError) as exc:
            logger.debug("waiting for fill %s failed, fetching instead: %s", name, exc)
        return None
