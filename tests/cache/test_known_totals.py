"""Known list totals, on every store implementation: a hint kept in this process and shared
through the store."""

from __future__ import annotations

from ledgergraph.cache import Store, keys
from ledgergraph.cache.known_totals import KnownTotals, _digest


async def test_a_total_is_unknown_until_remembered(store: Store) -> None:
    totals = KnownTotals(store.kv)
    assert await totals.get("acme", "b1", "contacts", "/contacts?[]") is None
    await totals.remember("acme", "b1", "contacts", "/contacts?[]", 302)
    assert await totals.get("acme", "b1", "contacts", "/contacts?[]") == 302


async def test_another_process_reads_the_total_from_the_store(store: Store) -> None:
    await KnownTotals(store.kv).remember("acme", "b1", "contacts", "/contacts?[]", 302)
    assert await KnownTotals(store.kv).get("acme", "b1", "contacts", "/contacts?[]") == 302


async def test_totals_are_kept_apart_per_tenant_business_kind_and_filter(store: Store) -> None:
    totals = KnownTotals(store.kv)
    await totals.remember("acme", "b1", "contacts", "/contacts?[]", 302)
    fresh = KnownTotals(store.kv)
    for tenant, business, kind, list_key in [
        ("other", "b1", "contacts", "/contacts?[]"),
        ("acme", "b2", "contacts", "/contacts?[]"),
        ("acme", "b1", "tax_rates", "/contacts?[]"),
        ("acme", "b1", "contacts", "/contacts?[('search', 'x')]"),
    ]:
        assert await totals.get(tenant, business, kind, list_key) is None
        assert await fresh.get(tenant, business, kind, list_key) is None


async def test_a_changed_total_replaces_the_shared_one(store: Store) -> None:
    totals = KnownTotals(store.kv)
    await totals.remember("acme", "b1", "contacts", "/contacts?[]", 302)
    await totals.remember("acme", "b1", "contacts", "/contacts?[]", 450)
    assert await KnownTotals(store.kv).get("acme", "b1", "contacts", "/contacts?[]") == 450


async def test_an_unchanged_total_is_not_written_again(store: Store) -> None:
    totals = KnownTotals(store.kv)
    await totals.remember("acme", "b1", "contacts", "/contacts?[]", 302)
    key = keys.list_total("acme", "b1", "contacts", _digest("/contacts?[]"))
    await store.kv.delete(key)
    await totals.remember("acme", "b1", "contacts", "/contacts?[]", 302)
    assert await store.kv.get(key) is None


async def test_without_a_store_the_hint_is_this_process_alone() -> None:
    totals = KnownTotals(None, max_entries=2)
    for n, kind in enumerate(["a", "b", "c"]):
        await totals.remember("acme", "b1", kind, "/x", n)
    # Bounded: the oldest hint made room.
    assert await totals.get("acme", "b1", "a", "/x") is None
    assert await totals.get("acme", "b1", "c", "/x") == 2
