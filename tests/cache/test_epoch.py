"""The store's epoch marker: a loss of the store's data under running processes is noticed
by each of them, and by processes that start afterwards."""

from __future__ import annotations

from ledgergraph.cache import Store, keys
from ledgergraph.cache.epoch import StoreEpoch


async def test_a_fresh_store_has_lost_nothing(store: Store) -> None:
    epoch = StoreEpoch(store.kv)
    await epoch.start()
    assert await epoch.lost_at() is None


async def test_every_running_process_notices_the_loss_and_agrees_when(store: Store) -> None:
    first, second = StoreEpoch(store.kv, clock=lambda: 1000.0), StoreEpoch(store.kv)
    await first.start()
    await second.start()

    await store.kv.delete(keys.store_epoch())  # what a Redis restarted empty looks like

    assert await first.lost_at() == 1000.0
    assert await second.lost_at() == 1000.0
    # A process started after the loss learns of it from the marker.
    late = StoreEpoch(store.kv)
    await late.start()
    assert await late.lost_at() == 1000.0


async def test_a_process_that_never_saw_a_marker_reports_no_loss(store: Store) -> None:
    assert await StoreEpoch(store.kv).lost_at() is None
