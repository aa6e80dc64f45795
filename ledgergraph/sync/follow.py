"""Following a tenant's event stream from a cursor: replay, then live, with no gap.

Every follower reads the stream itself, from the cursor of the last event it delivered, so
what it yields is exactly the stream after that cursor, in order, each event once -- whether
the events were appended before it started (replay) or after (live); there is no second
channel whose timing could race with the stream.

Only the *waiting* is shared: per tenant, one task in this process blocks on the stream
(``XREAD BLOCK`` on Redis) and wakes that tenant's followers when something is appended, so a
thousand open subscriptions cost one blocked Redis connection per tenant, not a thousand. A
missed wake-up costs latency, never an event: followers also re-read every ``block`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator

from ledgergraph.cache import CursorExpired, StoreError, StoreUnavailable
from ledgergraph.events import EventLog, StoredEvent
from ledgergraph.sync.tasks import still_wanted, stop
from ledgergraph.types import TenantId

__all__ = ["StreamFollower"]

log = logging.getLogger(__name__)

_PAGE = 100


class _Watch:
    """The shared wait on one tenant's stream."""

    def __init__(self) -> None:
        self.followers = 0
        self.ready = asyncio.Event()
        self.appended = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.closed = False

    def signal(self) -> None:
        previous, self.appended = self.appended, asyncio.Event()
        previous.set()


class StreamFollower:
    def __init__(self, events: EventLog, *, block: float = 5.0, patience: float = 10.0) -> None:
        self._events = events
        self._block = block
        self._patience = patience
        self._watches: dict[TenantId, _Watch] = {}
        # Waits whose last follower left: cancelled, awaited by aclose if still unwinding.
        self._retired: set[asyncio.Task[None]] = set()

    async def follow(
        self, tenant: TenantId, after: str | None
    ) -> AsyncGenerator[StoredEvent, None]:
        """The tenant's events after the cursor ``after`` (``None``: from now on), forever.

        Raises ``CursorExpired`` if events after the cursor were trimmed away -- at once for
        an old ``after``, or later if this follower falls behind the stream's bounds -- and
        ``StoreUnavailable`` once the store has failed for ``patience`` seconds in a row.
        """
        watch = self._join(tenant)
        loop = asyncio.get_running_loop()
        try:
            await watch.ready.wait()
            cursor = after if after is not None else await self._events.last_cursor(tenant)
            failing_since: float | None = None
            while True:
                # Taken before reading: an append after the read sets this very event.
                appended = watch.appended
                try:
                    batch = await self._events.read(tenant, after=cursor, count=_PAGE)
                except StoreUnavailable:
                    still_wanted()
                    failing_since = failing_since or loop.time()
                    if loop.time() - failing_since >= self._patience:
                        raise
                    await asyncio.sleep(0.2)
                    continue
                failing_since = None
                for stored in batch:
                    cursor = stored.cursor
                    yield stored
                if batch:
                    continue
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._block):
                        await appended.wait()
                still_wanted()
        finally:
            self._leave(tenant, watch)

    async def aclose(self) -> None:
        watches, self._watches = list(self._watches.values()), {}
        for watch in watches:
            watch.closed = True
        tasks = [w.task for w in watches if w.task is not None] + list(self._retired)
        await stop(tasks, grace=2.0)

    def _join(self, tenant: TenantId) -> _Watch:
        watch = self._watches.get(tenant)
        if watch is None:
            watch = self._watches[tenant] = _Watch()
            watch.task = asyncio.create_task(
                self._watch(tenant, watch), name=f"ledgergraph-sync-watch-{tenant}"
            )
        watch.followers += 1
        return watch

    def _leave(self, tenant: TenantId, watch: _Watch) -> None:
        watch.followers -= 1
        if watch.followers == 0 and self._watches.get(tenant) is watch:
            del self._watches[tenant]
            watch.closed = True
            if watch.task is not None:
                watch.task.cancel()
                if not watch.task.done():
                    self._retired.add(watch.task)
                    watch.task.add_done_callback(self._retired.discard)

    async def _watch(self, tenant: TenantId, watch: _Watch) -> None:
        failures = 0
        cursor: str | None = None
        while not watch.closed:
            try:
                if cursor is None:
                    cursor = await self._events.last_cursor(tenant)
                    # Followers read only after this: whatever they miss, this wait sees.
                    watch.ready.set()
                batch = await self._events.read(
                    tenant, after=cursor, count=_PAGE, block=self._block
                )
                failures = 0
            except CursorExpired:
                cursor = None
                watch.signal()
                continue
            except StoreError as exc:
                still_wanted()
                failures += 1
                log.warning("waiting on the events of %s failed: %s", tenant, exc)
                # Let followers try (and report) for themselves, then wait a little.
                watch.ready.set()
                watch.signal()
                await asyncio.sleep(min(5.0, 0.1 * 2**failures))
                continue
            if batch:
                cursor = batch[-1].cursor
                watch.signal()
