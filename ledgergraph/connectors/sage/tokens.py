"""The token manager: every Sage request gets a valid access token, and no refresh race ever
costs a tenant its connection.

Sage access tokens live five minutes and each refresh rotates the refresh token, so two
workers refreshing at once, or a refresh whose answer is lost, can lock a tenant out. Rules:

* refresh proactively, ``margin`` seconds before expiry;
* single-flight per tenant: in-process (one task) and across processes (a store lock with an
  owner token and a TTL, released by compare-and-delete); waiters re-read the stored record
  instead of refreshing again;
* the new pair is persisted (encrypted, versioned, compare-and-set) before it is used, so an
  older writer can never overwrite a newer pair;
* ``invalid_grant`` marks the connection REAUTH_REQUIRED once and emits an event — never a loop;
* a proactive refresh that fails for any other reason (429, 5xx, timeout, an odd OAuth error)
  leaves the still-valid access token in use and is retried after a growing pause;
* a refresh whose answer was lost is retried once at once with the same refresh token: Sage
  may honour a just-spent token for a moment (undocumented), and if it does not, the
  connection is lost anyway and is reported, with the reason, instead of later.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from ledgergraph.cache import KeyValue, Locks, keys
from ledgergraph.connectors.sage.connections import Connections
from ledgergraph.connectors.sage.oauth import OAuthError, SageOAuth, TokenAnswerLost
from ledgergraph.connectors.sage.priority import Priority, calls_for
from ledgergraph.connectors.sage.tokenset import TokenSet
from ledgergraph.encryption import TokenCipher
from ledgergraph.errors import (
    NotConnected,
    RateLimited,
    ReauthRequired,
    ServiceUnavailable,
    UpstreamError,
)
from ledgergraph.events import EventLog
from ledgergraph.observability import metrics
from ledgergraph.types import ConnectionStatus, TenantId

log = logging.getLogger(__name__)
# Decrypted pairs kept per process (one per tenant, the most recently read).
_DECRYPTED_TENANTS = 1024


@dataclass(frozen=True, slots=True)
class TokenPolicy:
    margin: float = 60.0
    lock_ttl: float = 15.0
    wait_timeout: float = 20.0
    poll_interval: float = 0.05
    # After a failed proactive refresh, the pause before the next attempt doubles from
    # ``retry_pause`` up to ``retry_pause_max`` (or Sage's Retry-After, if longer).
    retry_pause: float = 1.0
    retry_pause_max: float = 30.0


@dataclass(frozen=True, slots=True)
class StoredTokens:
    tokens: TokenSet
    version: int


class TokenManager:
    def __init__(
        self,
        *,
        kv: KeyValue,
        locks: Locks,
        oauth: SageOAuth,
        cipher: TokenCipher,
        connections: Connections,
        events: EventLog | None = None,
        policy: TokenPolicy | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._kv = kv
        self._locks = locks
        self._oauth = oauth
        self._cipher = cipher
        self._connections = connections
        self._events = events
        self.policy = policy or TokenPolicy()
        self._clock = clock
        self._inflight: dict[TenantId, asyncio.Task[TokenSet]] = {}
        # Per tenant: (consecutive failed refreshes, no new attempt before this time).
        self._paused: dict[TenantId, tuple[int, float]] = {}
        # Per tenant, the stored ciphertext last decrypted and its pair: the memo is keyed by
        # the stored bytes, so it can never answer other than the store does.
        self._decrypted: dict[TenantId, tuple[bytes, TokenSet]] = {}

    # -- reading and writing the record -------------------------------------------------

    async def load(self, tenant: TenantId) -> StoredTokens | None:
        record = await self._kv.get_versioned(keys.token(tenant))
        if record is None:
            return None
        known = self._decrypted.get(tenant)
        if known is not None and known[0] == record.value:
            # The very record decrypted (and found under the newest key) before: every Sage
            # call reads it, and decrypting is two Fernet checks.
            return StoredTokens(known[1], record.version)
        stored = StoredTokens(
            TokenSet.from_bytes(self._cipher.decrypt(record.value)), record.version
        )
        if not self._cipher.needs_rotation(record.value):
            self._decrypted.pop(tenant, None)
            self._decrypted[tenant] = (record.value, stored.tokens)
            if len(self._decrypted) > _DECRYPTED_TENANTS:
                del self._decrypted[next(iter(self._decrypted))]
        else:
            # Re-encrypt under the newest key; losing this race to a refresh is harmless.
            rotated = self._cipher.rotate(record.value)
            version = await self._kv.compare_and_set(
                keys.token(tenant), rotated, expected_version=record.version
            )
            if version is not None:
                stored = StoredTokens(stored.tokens, version)
        return stored

    async def save_new(self, tenant: TenantId, tokens: TokenSet) -> None:
        """Store a pair that came from a fresh authorization, replacing whatever was there."""
        key = keys.token(tenant)
        while True:
            current = await self._kv.get_versioned(key)
            expected = current.version if current else None
            stored = await self._kv.compare_and_set(
                key, self._cipher.encrypt(tokens.to_bytes()), expected_version=expected
            )
            if stored is not None:
                return

    async def forget(self, tenant: TenantId) -> TokenSet | None:
        """Delete the stored pair, returning it (so the caller can revoke it at Sage)."""
        stored = await self.load(tenant)
        if stored is None:
            return None
        await self._kv.compare_and_delete(keys.token(tenant), stored.version)
        self._decrypted.pop(tenant, None)
        return stored.tokens

    # -- the one call the client needs ---------------------------------------------------

    async def access_token(self, tenant: TenantId, *, rejected: str | None = None) -> str:
        """A valid access token; ``rejected`` is one Sage just answered 401 to."""
        stored = await self.load(tenant)
        if stored is None:
            raise await self._not_usable(tenant)
        now = self._clock()
        tokens = stored.tokens
        if rejected is None and tokens.access_valid(now=now, margin=self.policy.margin):
            return tokens.access_token
        if rejected is not None:
            if tokens.access_token != rejected and tokens.access_valid(now=now, margin=0):
                return tokens.access_token
        elif self._pausing(tenant, now) and tokens.access_valid(now=now, margin=1.0):
            return tokens.access_token
        try:
            fresh = await self._single_flight(tenant, stored.version)
        except (UpstreamError, ServiceUnavailable) as exc:
            # Anything but a refused refresh token (REAUTH_REQUIRED, raised as such) is
            # worth another try later; meanwhile the current token serves while it lives.
            self._pause(tenant, exc)
            if rejected is None and tokens.access_valid(now=self._clock(), margin=1.0):
                log.warning(
                    "refreshing tenant %s's Sage token failed (%s); its current token is "
                    "still valid and stays in use",
                    tenant,
                    exc.code,
                )
                return tokens.access_token
            raise
        self._paused.pop(tenant, None)
        return fresh.access_token

    async def refresh(self, tenant: TenantId) -> TokenSet:
        """Refresh now (keep-alive), single-flight like any other refresh."""
        stored = await self.load(tenant)
        if stored is None:
            raise await self._not_usable(tenant)
        return await self._single_flight(tenant, stored.version)

    async def keep_alive(self, window: float) -> int:
        """Refresh every connection whose refresh token lapses within ``window`` seconds.

        Nobody waits on these: they are ``BACKGROUND`` calls of the fleet's Sage budget.
        """
        refreshed = 0
        with calls_for(Priority.BACKGROUND):
            for tenant in await self._connections.tenants():
                stored = await self.load(tenant)
                if stored is None or stored.tokens.refresh_expires_at - self._clock() > window:
                    continue
                try:
                    await self._single_flight(tenant, stored.version)
                    refreshed += 1
                except (ReauthRequired, NotConnected):
                    continue
                except (UpstreamError, ServiceUnavailable) as exc:
                    log.warning("keep-alive refresh of tenant %s failed: %s", tenant, exc.code)
        return refreshed

    # -- internals -----------------------------------------------------------------------

    def _pausing(self, tenant: TenantId, now: float) -> bool:
        paused = self._paused.get(tenant)
        return paused is not None and now < paused[1]

    def _pause(self, tenant: TenantId, error: Exception) -> None:
        failures = self._paused.get(tenant, (0, 0.0))[0] + 1
        pause = min(self.policy.retry_pause * 2 ** (failures - 1), self.policy.retry_pause_max)
        if isinstance(error, RateLimited) and error.retry_after:
            pause = max(pause, error.retry_after)
        self._paused[tenant] = (failures, self._clock() + pause)

    async def _single_flight(self, tenant: TenantId, seen_version: int) -> TokenSet:
        task = self._inflight.get(tenant)
        if task is None:
            task = asyncio.create_task(self._refresh_across_processes(tenant, seen_version))
            self._inflight[tenant] = task
            task.add_done_callback(lambda _t: self._inflight.pop(tenant, None))
        return await asyncio.shield(task)

    async def _refresh_across_processes(self, tenant: TenantId, seen_version: int) -> TokenSet:
        lock_name = keys.refresh_lock(tenant)
        deadline = time.monotonic() + self.policy.wait_timeout
        while True:
            lease = await self._locks.acquire(lock_name, ttl=self.policy.lock_ttl)
            if lease is not None:
                try:
                    return await self._refresh_holding_lock(tenant, seen_version)
                finally:
                    await self._locks.release(lease)
            # Another process is refreshing: wait for its result instead of refreshing again.
            while time.monotonic() < deadline:
                await asyncio.sleep(self.policy.poll_interval)
                stored = await self.load(tenant)
                if stored is None:
                    raise await self._not_usable(tenant)
                if stored.version != seen_version and stored.tokens.access_valid(
                    now=self._clock(), margin=0
                ):
                    return stored.tokens
                if await self._locks.owner(lock_name) is None:
                    break
            else:
                raise ServiceUnavailable(
                    "Refreshing the Sage access token is taking too long; retry shortly."
                )

    async def _refresh_holding_lock(self, tenant: TenantId, seen_version: int) -> TokenSet:
        stored = await self.load(tenant)
        if stored is None:
            raise await self._not_usable(tenant)
        if stored.version != seen_version and stored.tokens.access_valid(
            now=self._clock(), margin=0
        ):
            return stored.tokens
        try:
            with metrics.refresh_observed():
                fresh = await self._grant(tenant, stored.tokens.refresh_token)
        except OAuthError as exc:
            if not exc.invalid_grant:
                raise
            return await self._refresh_refused(tenant, stored, exc)
        written = await self._kv.compare_and_set(
            keys.token(tenant),
            self._cipher.encrypt(fresh.to_bytes()),
            expected_version=stored.version,
        )
        if written is None:
            # Someone wrote a newer pair (a re-authorization) while we held an expired lock:
            # theirs wins, ours is simply never used.
            latest = await self.load(tenant)
            if latest is None:
                raise await self._not_usable(tenant)
            return latest.tokens
        return fresh

    async def _grant(self, tenant: TenantId, refresh_token: str) -> TokenSet:
        try:
            return await self._oauth.refresh(refresh_token)
        except TokenAnswerLost:
            log.warning(
                "the answer to tenant %s's token refresh was lost in transit; retrying once "
                "with the same refresh token (if Sage already rotated it, the connection "
                "needs re-authorization)",
                tenant,
            )
            return await self._oauth.refresh(refresh_token)

    async def _refresh_refused(
        self, tenant: TenantId, stored: StoredTokens, exc: OAuthError
    ) -> TokenSet:
        latest = await self.load(tenant)
        if latest is not None and latest.version != stored.version:
            return latest.tokens
        log.warning("Sage refused the refresh token of tenant %s: re-authorization needed", tenant)
        reason = "Sage no longer accepts this connection's refresh token; connect again."
        # Status first, then the dead pair: a concurrent reader that finds no pair must find
        # the reason too.
        await self._connections.update(
            tenant, lambda c: c.with_status(ConnectionStatus.REAUTH_REQUIRED, reason)
        )
        await self._kv.compare_and_delete(keys.token(tenant), stored.version)
        if self._events is not None:
            await self._events.connection_changed(tenant, ConnectionStatus.REAUTH_REQUIRED)
        raise ReauthRequired(reason) from exc

    async def _not_usable(self, tenant: TenantId) -> Exception:
        connection = await self._connections.get(tenant)
        if connection is not None and connection.status is ConnectionStatus.REAUTH_REQUIRED:
            return ReauthRequired(
                connection.reason or "This tenant's Sage connection must be authorized again."
            )
        return NotConnected(
            "This tenant has no Sage connection yet: open /connect/sage to connect one."
        )
