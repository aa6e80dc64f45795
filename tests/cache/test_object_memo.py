"""The memo of objects built from cached payloads: found only for the very same payload and
key, bounded, and never keeping alive a payload nothing else holds."""

from __future__ import annotations

import gc

from ledgergraph.cache.object_memo import MISSING, ObjectMemo


def test_an_object_is_found_for_the_same_payload_and_key_only() -> None:
    memo = ObjectMemo()
    payload, twin = {"id": "c1"}, {"id": "c1"}
    memo.put(payload, ("contacts", "acme"), "built")
    assert memo.get(payload, ("contacts", "acme")) == "built"
    assert memo.get(twin, ("contacts", "acme")) is MISSING
    assert memo.get(payload, ("contacts", "other")) is MISSING


def test_the_least_recently_used_make_room() -> None:
    memo = ObjectMemo(max_entries=2)
    payloads = [{"n": n} for n in range(3)]
    for payload in payloads:
        memo.put(payload, "k", payload["n"])
    assert [memo.get(p, "k") for p in payloads] == [MISSING, 1, 2]


def test_a_sweep_forgets_payloads_nothing_else_holds() -> None:
    memo = ObjectMemo()
    held = {"id": "held"}
    memo.put(held, "k", "kept")
    memo.put({"id": "garbage"}, "k", "dropped")
    gc.collect()
    memo.sweep()
    assert len(memo) == 1
    assert memo.get(held, "k") == "kept"


def test_puts_sweep_now_and_then() -> None:
    memo = ObjectMemo(sweep_every=4)
    for n in range(8):
        memo.put({"n": n}, "k", n)
    assert len(memo) < 4
