"""Sync notifications of one process: subscribers, the stream they follow, and the pollers.

``Runtime.sync`` holds one ``SyncService``; the server starts it with the app and closes it on
shutdown. The ``syncEvents`` subscription uses three calls::

    registration = await sync.register(tenant, business, kinds)  # polling starts (fleet-wide)
    async with aclosing(sync.follow(tenant, after=cursor)) as stream:
        async for stored in stream: ...                           # replay, then live
    sync.release(registration)                                    # in the generator's finally
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncGenerator, Callable, Iterable

from ledgergraph.cache import Store, keys
from ledgergraph.connectors.sage.client import SageClient
from ledgergraph.connectors.sage.retry import RetryPolicy
from ledgergraph.events import EventLog, StoredEvent
from ledgergraph.settings import Settings
from ledgergraph.sync.follow import StreamFollower
from ledgergraph.sync.pacing import CachedHeadroom, Headroom
from ledgergraph.sync.poller import SyncPolicy, SyncWorker, TenantPoller
from ledgergraph.sync.registry import Registration, SubscriberRegistry
from ledgergraph.sync.state import KindState
from ledgergraph.sync.tasks import stop
from ledgergraph.types import TenantId

__all__ = ["SyncService"]


class SyncService:
    def __init__(
        self,
        *,
        store: Store,
        events: EventLog,
        poll_client: SageClient,
        sage: SageClient,
        policy: SyncPolicy,
        subscriber_ttl: float,
        enabled: bool = True,
        process_id: str | None = None,
        follow_block: float = 5.0,
        clock: Callable[[], float] = time.time,
        headroom: Headroom | None = None,
    ) -> None:
        """``headroom``: what is left of the Sage app's daily budget; polling slows down when
        it runs low (``SyncPolicy.slow_below``). ``None``: polling never slows for it."""
        self._store = store
        self._events = events
        self._clock = clock
        self.policy = policy
        self.process_id = process_id or uuid.uuid4().hex[:16]
        self.registry = SubscriberRegistry(
            store.kv,
            process_id=self.process_id,
            ttl=subscriber_ttl,
            clock=clock,
            on_change=self._subscribers_changed,
        )
        self.follower = StreamFollower(events, block=follow_block)
        # Read once a second for the whole process, not by every tenant's poller each round.
        shared = CachedHeadroom(headroom) if headroom is not None else None

        def make_poller(tenant: TenantId) -> TenantPoller:
            return TenantPoller(
                tenant,
                client=poll_client,
                kv=store.kv,
                locks=store.locks,
                events=events,
                registry=self.registry,
                invalidate=sage.invalidate,
                policy=policy,
                clock=clock,
                headroom=shared,
            )

        self.worker = SyncWorker(registry=self.registry, make_poller=make_poller, enabled=enabled)
        self._heartbeat: asyncio.Task[None] | None = None

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        store: Store,
        events: EventLog,
        sage: SageClient,
        headroom: Headroom | None = None,
    ) -> SyncService:
        # The pollers read through the process's own client — the same tokens, Sage budget
        # and transport — with one attempt per request: a 429 or a failure pauses the
        # tenant's polling (see poller.py) instead of being retried on the spot. Their own
        # concurrency cap keeps polling from crowding out the API's reads.
        poll_client = sage.with_policy(
            RetryPolicy.none(), max_concurrency=settings.sync_concurrency * 4
        )
        return cls(
            store=store,
            events=events,
            poll_client=poll_client,
            sage=sage,
            policy=SyncPolicy(
                interval=settings.sync_poll_interval,
                lease_ttl=settings.sync_lease_ttl,
                overlap=settings.sync_overlap,
                max_backoff=settings.sync_max_backoff,
                concurrency=settings.sync_concurrency,
                max_hold=settings.sync_max_hold,
                idle_max_interval=settings.sync_idle_max_interval,
                jitter=settings.sync_jitter,
                slow_below=settings.sync_slow_below,
                max_stretch=settings.sync_max_stretch,
            ),
            subscriber_ttl=settings.sync_subscriber_ttl,
            enabled=settings.sync_enabled,
            headroom=headroom,
        )

    async def start(self) -> None:
        if self._heartbeat is None:
            self._heartbeat = asyncio.create_task(
                self.registry.run(), name="ledgergraph-sync-subscribers"
            )

    async def aclose(self) -> None:
        await self.worker.aclose()
        self.registry.close()
        if self._heartbeat is not None:
            await stop([self._heartbeat], grace=2.0)
            self._heartbeat = None
        await self.registry.withdraw_all()
        await self.follower.aclose()

    async def register(self, tenant: TenantId, business: str, kinds: Iterable[str]) -> Registration:
        """A new live subscriber: changes of ``kinds`` in ``business`` are polled from now on.

        A kind nobody subscribed to before starts its cursor now, so what changed earlier is
        not reported; a kind polled before carries on from its cursor (nothing is lost while
        no one was subscribed).
        """
        kinds = frozenset(kinds)
        start = KindState.starting_at(self._clock()).to_bytes()
        for kind in sorted(kinds):
            # Only if absent: an existing cursor must never move back or be reset.
            await self._store.kv.compare_and_set(
                keys.sync_state(tenant, business, kind), start, None
            )
        return await self.registry.register(tenant, business, kinds)

    def release(self, registration: Registration) -> None:
        self.registry.release(registration)

    def follow(self, tenant: TenantId, after: str | None) -> AsyncGenerator[StoredEvent, None]:
        """The tenant's events after ``after``; close it (``aclosing``) when done."""
        return self.follower.follow(tenant, after)

    def _subscribers_changed(self, tenant: TenantId) -> None:
        self.worker.update(tenant)
