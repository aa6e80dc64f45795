"""The per-process copy of cache entries: bounded in entries and bytes, expiring with the
store's copy."""

from __future__ import annotations

import time

import pytest

from ledgergraph.cache.local_entries import HELD_PER_BODY_BYTE, LocalEntries

# The budget counts memory: an entry holds its body decoded, and what is built from it.
HELD = HELD_PER_BODY_BYTE


def test_an_entry_is_served_until_its_store_ttl_would_expire_it() -> None:
    local = LocalEntries()
    now = time.time()
    local.put("fresh", now, b"f", ttl=60)
    local.put("expired", now - 61, b"e", ttl=60)
    fresh = local.get("fresh")
    assert fresh is not None
    assert (fresh.fetched_at, fresh.body) == (now, b"f")
    assert local.get("expired") is None
    assert local.get("absent") is None
    assert local.size == (1, HELD)


@pytest.mark.parametrize(
    ("max_entries", "max_bytes", "kept"),
    [
        (2, 1000 * HELD, ["d", "e"]),
        (10, 80 * HELD, ["b", "c", "d", "e"]),
        (10, 1000 * HELD, ["a", "b", "c", "d", "e"]),
    ],
)
def test_the_least_recently_used_entries_make_room(
    max_entries: int, max_bytes: int, kept: list[str]
) -> None:
    local = LocalEntries(max_entries=max_entries, max_bytes=max_bytes)
    for key in "abcde":
        local.put(key, time.time(), b"x" * 20, ttl=60)
    assert [k for k in "abcde" if local.get(k) is not None] == kept


def test_reading_an_entry_keeps_it_longer() -> None:
    local = LocalEntries(max_entries=2)
    local.put("a", time.time(), b"a", ttl=60)
    local.put("b", time.time(), b"b", ttl=60)
    assert local.get("a") is not None
    local.put("c", time.time(), b"c", ttl=60)
    assert local.get("a") is not None
    assert local.get("b") is None


def test_an_entry_too_large_for_a_quarter_of_the_budget_is_not_kept() -> None:
    local = LocalEntries(max_bytes=400 * HELD)
    local.put("small", time.time(), b"s" * 100, ttl=60)
    local.put("huge", time.time(), b"h" * 101, ttl=60)
    assert local.get("huge") is None
    assert local.get("small") is not None


def test_replacing_an_entry_counts_its_bytes_once() -> None:
    local = LocalEntries()
    local.put("a", time.time(), b"x" * 10, ttl=60)
    local.put("a", time.time(), b"y" * 20, ttl=60)
    assert local.size == (1, 20 * HELD)


@pytest.mark.parametrize("seen_by", ["get", "put"])
def test_a_newer_generation_of_a_family_drops_its_older_entries_at_once(seen_by: str) -> None:
    local = LocalEntries()
    now = time.time()
    for key in ("a1", "a2"):
        local.put(key, now, b"x" * 10, ttl=60, family="contacts", generation="g1")
    local.put("b1", now, b"y" * 10, ttl=60, family="invoices", generation="g1")
    if seen_by == "get":
        assert local.get("a3", "contacts", "g2") is None
    else:
        local.put("a3", now, b"z" * 10, ttl=60, family="contacts", generation="g2")
    assert local.get("a1") is None
    assert local.get("a2") is None
    assert local.get("b1") is not None
    assert (local.get("a3") is not None) is (seen_by == "put")
    assert local.size == (1 + (seen_by == "put"), (10 + 10 * (seen_by == "put")) * HELD)


def test_entries_of_the_generation_held_stay() -> None:
    local = LocalEntries()
    local.put("a1", time.time(), b"x", ttl=60, family="contacts", generation="g1")
    local.put("a2", time.time(), b"x", ttl=60, family="contacts", generation="g1")
    assert local.get("a1", "contacts", "g1") is not None
    assert local.get("a2", "contacts", "g1") is not None
