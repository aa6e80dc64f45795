"""The idempotency record store, against both store implementations."""

from __future__ import annotations

import asyncio

import pytest

from ledgergraph.cache import RedisOptions, Store
from ledgergraph.errors import BadUserInput
from ledgergraph.idempotency import (
    Claim,
    Idempotency,
    IdempotencyInProgress,
    IdempotencyKeyReused,
    Replay,
    State,
    sage_idempotency_id,
)
from tests.support.fixtures import backend_store_fixture

# These test the records' rules, not Redis's speed: a loaded machine must not fail them.
store = backend_store_fixture(RedisOptions(timeout=5.0, connect_timeout=5.0))


async def test_the_first_request_claims_and_a_repeat_replays(store: Store) -> None:
    idem = Idempotency(store.kv)
    claim = await idem.begin("acme", "k1", "createInvoice", {"total": "10.00"})
    assert isinstance(claim, Claim)
    await idem.succeed(claim, {"id": "inv-1"})

    again = await idem.begin("acme", "k1", "createInvoice", {"total": "10.00"})

    assert isinstance(again, Replay)
    assert again.record.state is State.SUCCEEDED
    assert again.record.result == {"id": "inv-1"}


async def test_concurrent_requests_with_one_key_make_one_claim(store: Store) -> None:
    idem = Idempotency(store.kv)

    async def attempt() -> str:
        try:
            outcome = await idem.begin("acme", "k1", "createInvoice", {"n": 1})
        except IdempotencyInProgress:
            return "in-progress"
        return "claim" if isinstance(outcome, Claim) else "replay"

    results = await asyncio.gather(*(attempt() for _ in range(30)))

    assert results.count("claim") == 1
    assert set(results) == {"claim", "in-progress"}


async def test_the_same_key_with_other_input_is_refused(store: Store) -> None:
    idem = Idempotency(store.kv)
    claim = await idem.begin("acme", "k1", "createInvoice", {"n": 1})
    assert isinstance(claim, Claim)
    await idem.succeed(claim, {"id": "x"})

    with pytest.raises(IdempotencyKeyReused):
        await idem.begin("acme", "k1", "createInvoice", {"n": 2})
    with pytest.raises(IdempotencyKeyReused):
        await idem.begin("acme", "k1", "createContact", {"n": 1})


async def test_a_released_key_can_be_claimed_again(store: Store) -> None:
    idem = Idempotency(store.kv)
    claim = await idem.begin("acme", "k1", "createInvoice", {"n": 1})
    assert isinstance(claim, Claim)
    await idem.release(claim)

    assert isinstance(await idem.begin("acme", "k1", "createInvoice", {"n": 1}), Claim)


async def test_a_definite_failure_is_replayed(store: Store) -> None:
    idem = Idempotency(store.kv)
    claim = await idem.begin("acme", "k1", "createInvoice", {"n": 1})
    assert isinstance(claim, Claim)
    await idem.fail(claim, {"code": "VALIDATION_FAILED"})

    again = await idem.begin("acme", "k1", "createInvoice", {"n": 1})
    assert isinstance(again, Replay)
    assert again.record.state is State.FAILED


async def test_keys_are_scoped_by_tenant(store: Store) -> None:
    idem = Idempotency(store.kv)
    first = await idem.begin("acme", "shared", "createInvoice", {"n": 1})
    assert isinstance(first, Claim)
    await idem.succeed(first, {"id": "acme-invoice"})

    other = await idem.begin("beta", "shared", "createInvoice", {"n": 2})

    assert isinstance(other, Claim)


async def test_an_abandoned_claim_expires_after_its_lease(store: Store) -> None:
    idem = Idempotency(store.kv, lease=0.1)
    assert isinstance(await idem.begin("acme", "k1", "op", {}), Claim)
    await asyncio.sleep(0.25)
    assert isinstance(await idem.begin("acme", "k1", "op", {}), Claim)


@pytest.mark.parametrize("key", ["", "   ", "x" * 256])
async def test_bad_keys_are_refused(store: Store, key: str) -> None:
    with pytest.raises(BadUserInput, match="idempotencyKey"):
        await Idempotency(store.kv).begin("acme", key, "op", {})


def test_sage_idempotency_ids_are_32_hex_and_deterministic() -> None:
    first = sage_idempotency_id("acme", "b1", "key", "f1")
    assert first == sage_idempotency_id("acme", "b1", "key", "f1")
    assert len(first) == 32
    int(first, 16)
    assert first != sage_idempotency_id("beta", "b1", "key", "f1")
    assert first != sage_idempotency_id("acme", "b2", "key", "f1")
    # Other input under the same key is another operation to Sage.
    assert first != sage_idempotency_id("acme", "b1", "key", "f2")


async def test_a_held_claim_outlives_its_lease_and_frees_once_abandoned(store: Store) -> None:
    idem = Idempotency(store.kv, lease=0.3)
    claim = await idem.begin("acme", "k1", "op", {})
    assert isinstance(claim, Claim)

    async with idem.held(claim):
        await asyncio.sleep(0.8)
        with pytest.raises(IdempotencyInProgress) as running:
            await idem.begin("acme", "k1", "op", {})
    # Abandoned (as by a crashed worker): nobody renews it any more.
    await asyncio.sleep(0.5)

    assert running.value.extensions["retryAfter"] > 0
    assert isinstance(await idem.begin("acme", "k1", "op", {}), Claim)


async def test_a_renewed_claim_still_finishes(store: Store) -> None:
    idem = Idempotency(store.kv, lease=0.3)
    claim = await idem.begin("acme", "k1", "op", {})
    assert isinstance(claim, Claim)
    async with idem.held(claim):
        await asyncio.sleep(0.5)
    await idem.succeed(claim, {"id": "inv-1"})

    replay = await idem.begin("acme", "k1", "op", {})

    assert isinstance(replay, Replay)
    assert replay.record.result == {"id": "inv-1"}
