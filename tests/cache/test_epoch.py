"""The store's epoch marker: a loss of the store's data under running processes is noticed
by each of them, and by processes that start afterwards — on a cluster, a loss of any shard."""

from __future__ import annotations

from ledgergraph.cache import Store, keys
from ledgergraph.cache.epoch import StoreEpoch


def _epoch(store: Store, clock: float | None = None) -> StoreEpoch:
    if clock is None:
        return StoreEpoch(store.kv, shards=store.shard_tags)
    return StoreEpoch(store.kv, shards=store.shard_tags, clock=lambda: clock)


async def test_a_fresh_store_has_lost_nothing(store: Store) -> None:
    epoch = _epoch(store)
    await epoch.start()
    assert await epoch.lost_at() is None


async def test_every_running_process_notices_the_loss_and_agrees_when(store: Store) -> None:
    first, second = _epoch(store, clock=1000.0), _epoch(store)
    await first.start()
    await second.start()

    for shard in await store.shard_tags():  # what a Redis restarted empty looks like
        await store.kv.delete(keys.store_epoch(shard))

    assert await first.lost_at() == 1000.0
    assert await second.lost_at() == 1000.0
    # A process started after the loss learns of it from the marker.
    late = _epoch(store)
    await late.start()
    assert await late.lost_at() == 1000.0


async def test_a_loss_of_one_shard_alone_is_the_stores_loss(store: Store) -> None:
    running = _epoch(store, clock=1000.0)
    await running.start()
    *_, last = await store.shard_tags()

    await store.kv.delete(keys.store_epoch(last))  # one primary restarted empty

    assert await running.lost_at() == 1000.0
    assert await _epoch(store).lost_at() == 1000.0


async def test_a_process_that_never_saw_a_marker_reports_no_loss(store: Store) -> None:
    assert await _epoch(store).lost_at() is None


async def test_each_shard_has_a_tag_of_its_own(store: Store) -> None:
    tags = await store.shard_tags()
    assert len(set(tags)) == len(tags) >= 1
