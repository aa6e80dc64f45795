"""Exactly-once mutations: the client's idempotency key, remembered per tenant.

A record ``(tenant, key) → fingerprint, state, result`` lives 24 h (configurable):

* same key + same input, finished → the stored result again, marked as a replay;
* same key while the first request still runs → ``IDEMPOTENCY_IN_PROGRESS`` (retryable);
* same key + different input → ``IDEMPOTENCY_KEY_REUSED``.

Only definite outcomes are stored (success, or a validation error Sage decided); a transient
failure releases the key so the client may retry with it. An in-progress record carries a short
lease that the running request renews (``held``): a process dying mid-request frees its keys
within one lease (10 s by default) instead of blocking client retries for minutes.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from ledgergraph.cache import KeyValue, StoreError, keys
from ledgergraph.errors import BadUserInput, LedgerGraphError
from ledgergraph.observability import metrics

log = logging.getLogger(__name__)

MAX_KEY_LENGTH = 255
# What IDEMPOTENCY_IN_PROGRESS suggests as retryAfter: a Sage write usually takes less.
IN_PROGRESS_RETRY_AFTER = 1.0


class IdempotencyInProgress(LedgerGraphError):
    code = "IDEMPOTENCY_IN_PROGRESS"
    retryable = True


class IdempotencyKeyReused(LedgerGraphError):
    code = "IDEMPOTENCY_KEY_REUSED"


class State(StrEnum):
    IN_PROGRESS = "IN_PROGRESS"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


@dataclass(frozen=True, slots=True)
class Record:
    fingerprint: str
    state: State
    started_at: float
    # For SUCCEEDED: what the mutation returned (JSON). For FAILED: the error.
    result: Any = None

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self), separators=(",", ":"), default=str).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Record:
        data = json.loads(raw)
        data["state"] = State(data["state"])
        return cls(**data)


@dataclass(slots=True)
class Claim:
    """Permission to run the operation once; hand it back with ``succeed``/``fail``/``release``.

    ``version`` moves on each renewal of the lease."""

    tenant: str
    key: str
    version: int
    fingerprint: str
    record: bytes


@dataclass(frozen=True, slots=True)
class Replay:
    record: Record


def fingerprint(operation: str, payload: Any) -> str:
    canonical = json.dumps([operation, payload], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key: str) -> str:
    if not key or not key.strip():
        raise BadUserInput("idempotencyKey must not be empty.", field="idempotencyKey")
    if len(key) > MAX_KEY_LENGTH:
        raise BadUserInput(
            f"idempotencyKey must be at most {MAX_KEY_LENGTH} characters.", field="idempotencyKey"
        )
    return key


def sage_idempotency_id(tenant: str, business: str, key: str, fingerprint: str) -> str:
    """The ``idempotency_id`` Sage de-duplicates on: 32 hex characters, derived
    deterministically so every attempt, from any process, sends the same one.

    The input's fingerprint is part of it: should the store lose the key's record, a retry
    with the same input still finds the object Sage created, while the same key with other
    input is never answered with that object (it is a new operation to Sage).
    """
    raw = f"ledgergraph|{tenant}|{business}|{key}|{fingerprint}".encode()
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


class Idempotency:
    def __init__(self, kv: KeyValue, *, ttl: float = 24 * 3600.0, lease: float = 10.0) -> None:
        self._kv = kv
        self.ttl = ttl
        self.lease = lease

    async def begin(self, tenant: str, key: str, operation: str, payload: Any) -> Claim | Replay:
        check_key(key)
        digest = fingerprint(operation, payload)
        store_key = self._key(tenant, key)
        while True:
            record = await self._kv.get_versioned(store_key)
            if record is None:
                fresh = Record(digest, State.IN_PROGRESS, time.time())
                version = await self._kv.compare_and_set(
                    store_key, fresh.to_bytes(), expected_version=None, ttl=self.lease
                )
                if version is not None:
                    metrics.IDEMPOTENCY.labels("new").inc()
                    return Claim(tenant, key, version, digest, fresh.to_bytes())
                continue
            existing = Record.from_bytes(record.value)
            if existing.fingerprint != digest:
                metrics.IDEMPOTENCY.labels("reused").inc()
                raise IdempotencyKeyReused(
                    "This idempotencyKey was already used with different input; use a new key "
                    "for a new operation.",
                    field="idempotencyKey",
                )
            if existing.state is State.IN_PROGRESS:
                metrics.IDEMPOTENCY.labels("in_progress").inc()
                raise IdempotencyInProgress(
                    "A request with this idempotencyKey is still running; retry shortly with "
                    "the same key to get its result.",
                    retryAfter=IN_PROGRESS_RETRY_AFTER,
                )
            metrics.IDEMPOTENCY.labels("replay").inc()
            return Replay(existing)

    async def renew(self, claim: Claim) -> bool:
        """Extend the claim's lease by a full lease; False if the claim was lost meanwhile."""
        version = await self._kv.compare_and_set(
            self._key(claim.tenant, claim.key),
            claim.record,
            expected_version=claim.version,
            ttl=self.lease,
        )
        if version is None:
            return False
        claim.version = version
        return True

    @contextlib.asynccontextmanager
    async def held(self, claim: Claim) -> AsyncIterator[None]:
        """Keep the claim's lease alive while the operation runs (renewed every third of it)."""
        task = asyncio.create_task(self._heartbeat(claim))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _heartbeat(self, claim: Claim) -> None:
        while True:
            await asyncio.sleep(self.lease / 3)
            try:
                if not await self.renew(claim):
                    log.warning("lost the in-progress lease of an idempotency key")
                    return
            except StoreError as exc:
                # The next beat tries again; the lease still has two thirds to run.
                log.warning("could not renew an idempotency lease: %s", exc)

    async def succeed(self, claim: Claim, result: Any) -> None:
        await self._finish(claim, State.SUCCEEDED, result)

    async def fail(self, claim: Claim, error: Any) -> None:
        """Store a definite failure (Sage decided: validation), replayed like a success."""
        await self._finish(claim, State.FAILED, error)

    async def release(self, claim: Claim) -> None:
        """Forget the claim after a transient failure, so the client may retry the key."""
        await self._kv.compare_and_delete(self._key(claim.tenant, claim.key), claim.version)

    async def _finish(self, claim: Claim, state: State, result: Any) -> None:
        record = Record(claim.fingerprint, state, time.time(), result)
        await self._kv.compare_and_set(
            self._key(claim.tenant, claim.key),
            record.to_bytes(),
            expected_version=claim.version,
            ttl=self.ttl,
        )

    def _key(self, tenant: str, key: str) -> str:
        digest = hashlib.sha256(key.encode()).hexdigest()[:40]
        return keys.idempotency(tenant, digest)
