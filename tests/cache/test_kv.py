"""The key-value contract, run against every implementation."""

from __future__ import annotations

import asyncio

import pytest

from ledgergraph.cache import Store, StoreError, Versioned


async def test_missing_key_reads_as_none(store: Store) -> None:
    assert await store.kv.get("nothing") is None
    assert await store.kv.get_versioned("nothing") is None


async def test_set_round_trips_arbitrary_bytes(store: Store) -> None:
    value = bytes(range(256))
    await store.kv.set("k", value)
    assert await store.kv.get("k") == value


async def test_set_overwrites(store: Store) -> None:
    await store.kv.set("k", b"old")
    await store.kv.set("k", b"new")
    assert await store.kv.get("k") == b"new"


async def test_value_expires_after_its_ttl(store: Store) -> None:
    await store.kv.set("short", b"v", ttl=0.1)
    await store.kv.set("long", b"v", ttl=10)
    assert await store.kv.get("short") == b"v"
    await asyncio.sleep(0.15)
    assert await store.kv.get("short") is None
    assert await store.kv.get("long") == b"v"


async def test_set_without_ttl_clears_an_earlier_ttl(store: Store) -> None:
    await store.kv.set("k", b"v", ttl=0.1)
    await store.kv.set("k", b"v")
    await asyncio.sleep(0.15)
    assert await store.kv.get("k") == b"v"


async def test_set_if_absent_stores_only_the_first_value(store: Store) -> None:
    assert await store.kv.set_if_absent("k", b"first", ttl=0.1)
    assert not await store.kv.set_if_absent("k", b"second")
    assert await store.kv.get("k") == b"first"
    await asyncio.sleep(0.15)
    assert await store.kv.set_if_absent("k", b"after expiry")


async def test_delete_reports_whether_the_key_existed(store: Store) -> None:
    await store.kv.set("k", b"v")
    assert await store.kv.delete("k")
    assert not await store.kv.delete("k")
    assert await store.kv.get("k") is None


async def test_incr_counts_from_zero(store: Store) -> None:
    assert await store.kv.incr("n") == 1
    assert await store.kv.incr("n", 5) == 6
    assert await store.kv.incr("n", -7) == -1
    assert await store.kv.get("n") == b"-1"


async def test_incr_sets_the_ttl_only_when_creating_the_counter(store: Store) -> None:
    await store.kv.incr("window", ttl=0.3)
    await asyncio.sleep(0.15)
    assert await store.kv.incr("window", ttl=0.3) == 2
    await asyncio.sleep(0.2)
    # The second call did not push the window's end further out.
    assert await store.kv.get("window") is None


async def test_incr_of_a_non_integer_raises(store: Store) -> None:
    await store.kv.set("k", b"not a number")
    with pytest.raises(StoreError):
        await store.kv.incr("k")


async def test_compare_and_set_with_none_creates_only_if_absent(store: Store) -> None:
    version = await store.kv.compare_and_set("rec", b"a", None)
    assert version is not None
    assert await store.kv.compare_and_set("rec", b"b", None) is None
    assert await store.kv.get_versioned("rec") == Versioned(b"a", version)


async def test_compare_and_set_refuses_a_stale_writer(store: Store) -> None:
    v1 = await store.kv.compare_and_set("token", b"pair 1", None)
    v2 = await store.kv.compare_and_set("token", b"pair 2", v1)
    assert v2 is not None
    # A writer that read v1 before the refresh can no longer overwrite the newer pair.
    assert await store.kv.compare_and_set("token", b"stale pair", v1) is None
    assert await store.kv.get_versioned("token") == Versioned(b"pair 2", v2)


async def test_versions_strictly_increase(store: Store) -> None:
    versions: list[int] = []
    for i in range(20):
        version = await store.kv.compare_and_set(
            "rec", b"%d" % i, versions[-1] if versions else None
        )
        assert version is not None
        versions.append(version)
    assert versions == sorted(set(versions))


async def test_recreated_record_never_reuses_a_version(store: Store) -> None:
    old = await store.kv.compare_and_set("rec", b"a", None)
    assert old is not None
    assert await store.kv.compare_and_delete("rec", old)
    new = await store.kv.compare_and_set("rec", b"b", None)
    assert new is not None
    assert new > old
    assert await store.kv.compare_and_set("rec", b"stale", old) is None


async def test_concurrent_compare_and_set_has_exactly_one_winner(store: Store) -> None:
    base = await store.kv.compare_and_set("rec", b"base", None)
    results = await asyncio.gather(
        *(store.kv.compare_and_set("rec", f"writer {i}".encode(), base) for i in range(50))
    )
    winners = [(i, version) for i, version in enumerate(results) if version is not None]
    assert len(winners) == 1
    [(i, version)] = winners
    assert await store.kv.get_versioned("rec") == Versioned(f"writer {i}".encode(), version)


async def test_concurrent_creation_has_exactly_one_winner(store: Store) -> None:
    results = await asyncio.gather(
        *(store.kv.compare_and_set("rec", b"x", None) for _ in range(50))
    )
    assert sum(version is not None for version in results) == 1


async def test_versioned_record_expires_after_its_ttl(store: Store) -> None:
    version = await store.kv.compare_and_set("idem", b"in progress", None, ttl=0.1)
    await asyncio.sleep(0.15)
    assert await store.kv.get_versioned("idem") is None
    assert await store.kv.compare_and_set("idem", b"done", version) is None


async def test_compare_and_set_resets_the_ttl(store: Store) -> None:
    version = await store.kv.compare_and_set("idem", b"in progress", None, ttl=0.2)
    done = await store.kv.compare_and_set("idem", b"done", version, ttl=10)
    assert done is not None
    await asyncio.sleep(0.25)
    assert await store.kv.get_versioned("idem") == Versioned(b"done", done)


async def test_compare_and_delete_needs_the_current_version(store: Store) -> None:
    v1 = await store.kv.compare_and_set("rec", b"a", None)
    v2 = await store.kv.compare_and_set("rec", b"b", v1)
    assert v1 is not None
    assert v2 is not None
    assert not await store.kv.compare_and_delete("rec", v1)
    assert await store.kv.compare_and_delete("rec", v2)
    assert await store.kv.get_versioned("rec") is None
    assert not await store.kv.compare_and_delete("rec", v2)


async def test_plain_and_versioned_values_do_not_mix(store: Store) -> None:
    await store.kv.set("plain", b"v")
    await store.kv.compare_and_set("rec", b"v", None)
    with pytest.raises(StoreError):
        await store.kv.get_versioned("plain")
    with pytest.raises(StoreError):
        await store.kv.compare_and_set("plain", b"v", None)
    with pytest.raises(StoreError):
        await store.kv.get("rec")
    with pytest.raises(StoreError):
        await store.kv.incr("rec")
    # set and delete work on either kind.
    assert await store.kv.delete("rec")
    await store.kv.set("plain", b"w")


@pytest.mark.parametrize("ttl", [0, -1, float("nan"), float("inf")])
async def test_ttl_must_be_a_positive_duration(store: Store, ttl: float) -> None:
    with pytest.raises(ValueError, match="ttl"):
        await store.kv.set("k", b"v", ttl=ttl)
    with pytest.raises(ValueError, match="ttl"):
        await store.kv.compare_and_set("k", b"v", None, ttl=ttl)


async def test_get_many_reads_values_in_order_with_none_for_absent_ones(store: Store) -> None:
    await store.kv.set("{t}a", b"1")
    await store.kv.set("{t}c", b"3", ttl=0.1)
    await store.kv.compare_and_set("{t}record", b"r", expected_version=None)
    await asyncio.sleep(0.15)
    await store.kv.set("{t}b", b"2")

    found = await store.kv.get_many(["{t}b", "{t}missing", "{t}a", "{t}c", "{t}record"])

    assert found == [b"2", None, b"1", None, None]
    assert await store.kv.get_many([]) == []
