"""Tenant API keys for server-to-server callers: ``lgk_<prefix>_<secret>``.

The 8-character prefix is public (it shows in lists and logs) and finds the key's record in
one read; the store keeps only a SHA-256 digest of the whole key, the tenant, the scope
(``read``: queries and subscriptions; ``write``: mutations and Sage writes too), when it was
created and last used, and whether it was revoked. The key itself is shown once, at creation.

Every request reads the record, so a revocation takes effect at once on every process: there
is no in-process cache to wait out. The last-used time is written at most once a minute per
key, not on every request.

Rotation without downtime: ``rotate`` makes a new key with the same tenant and scope and lets
the old one work for a grace period (then it is refused as ``API_KEY_REVOKED``); or create a
second key, deploy it, and revoke the first.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import re
import secrets
import string
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any

from ledgergraph.auth import Principal, Scope, valid_tenant_id
from ledgergraph.cache import KeyValue, StoreError, keys
from ledgergraph.errors import (
    ApiKeyRevoked,
    BadUserInput,
    NotFound,
    ServiceUnavailable,
    Unauthenticated,
)
from ledgergraph.types import TenantId

__all__ = ["KEY_MARK", "ApiKey", "ApiKeys", "is_api_key", "parse_scope"]

KEY_MARK = "lgk_"
PREFIX_LENGTH = 8
_PREFIX_ALPHABET = string.ascii_lowercase + string.digits
# token_urlsafe(32): 43 characters, 256 bits from the OS's CSPRNG.
_KEY = re.compile(r"^lgk_([a-z0-9]{8})_([A-Za-z0-9_-]{43})$")
_PREFIX = re.compile(r"^[a-z0-9]{8}$")
# Writing last-used on every request would turn each read into a store write.
TOUCH_INTERVAL = 60.0
MAX_NAME_LENGTH = 100
# Revoked and expired records are kept this long (listed, and refused with their reason).
REVOKED_RETENTION = 30 * 24 * 3600.0
MAX_GRACE = 30 * 24 * 3600.0


def is_api_key(credential: str) -> bool:
    return credential.startswith(KEY_MARK)


def parse_scope(value: object) -> Scope:
    try:
        return Scope(str(value))
    except ValueError:
        raise BadUserInput("scope must be 'read' or 'write'.", field="scope") from None


def digest(key: str) -> str:
    # A plain SHA-256 is enough, unlike for passwords: the secret is 256 random bits, so a
    # leaked digest cannot be reversed by guessing, with or without a pepper. A pepper derived
    # from another secret (the JWT secret) would tie every key to that secret's rotation, and
    # the CLI could not make keys without it.
    return hashlib.sha256(key.encode()).hexdigest()


def _iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, UTC).isoformat()


@dataclass(frozen=True, slots=True)
class ApiKey:
    prefix: str
    tenant: str
    scope: str
    digest: str
    created_at: float
    name: str | None = None
    last_used_at: float | None = None
    revoked_at: float | None = None
    # Set by rotation: the key stops working at this time.
    expires_at: float | None = None

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self), separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> ApiKey:
        return cls(**json.loads(raw))

    def status(self, now: float) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and now >= self.expires_at:
            return "expired"
        return "active"

    def describe(self, now: float) -> dict[str, Any]:
        """What an operator may see: never the key or its digest."""
        return {
            "prefix": self.prefix,
            "tenant": self.tenant,
            "scope": self.scope,
            "name": self.name,
            "status": self.status(now),
            "createdAt": _iso(self.created_at),
            "lastUsedAt": _iso(self.last_used_at),
            "revokedAt": _iso(self.revoked_at),
            "expiresAt": _iso(self.expires_at),
        }


class ApiKeys:
    def __init__(self, kv: KeyValue, *, clock: Callable[[], float] = time.time) -> None:
        self._kv = kv
        self._clock = clock

    # -- administration (admin API and CLI) -----------------------------------------------

    async def create(
        self, tenant: TenantId, scope: Scope, *, name: str | None = None
    ) -> tuple[str, ApiKey]:
        """A new key: the key itself (shown once, never stored) and its record."""
        valid_tenant_id(tenant)
        if name is not None and not 0 < len(name) <= MAX_NAME_LENGTH:
            raise BadUserInput(f"name must be 1-{MAX_NAME_LENGTH} characters.", field="name")
        while True:
            prefix = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
            key = f"{KEY_MARK}{prefix}_{secrets.token_urlsafe(32)}"
            record = ApiKey(prefix, tenant, scope.value, digest(key), self._clock(), name)
            stored = await self._kv.compare_and_set(
                keys.api_key(prefix), record.to_bytes(), expected_version=None
            )
            if stored is not None:
                break  # else: another key has this prefix (1 in 36^8); draw again
        await self._update_index(tenant, lambda prefixes: [*prefixes, prefix])
        return key, record

    async def for_tenant(self, tenant: TenantId) -> list[ApiKey]:
        found: list[ApiKey] = []
        indexed = await self._index(tenant)
        for prefix in indexed:
            record = await self._kv.get_versioned(keys.api_key(prefix))
            if record is not None:
                found.append(ApiKey.from_bytes(record.value))
        gone = set(indexed) - {k.prefix for k in found}
        if gone:
            # Revoked records expire; forget their prefixes too.
            await self._update_index(
                tenant, lambda prefixes: [p for p in prefixes if p not in gone]
            )
        return sorted(found, key=lambda k: k.created_at)

    async def revoke(self, tenant: TenantId, prefix: str) -> ApiKey:
        """Refused from the next request on, by every process."""
        now = self._clock()

        def revoked(key: ApiKey) -> ApiKey:
            return key if key.revoked_at is not None else replace(key, revoked_at=now)

        return await self._update(tenant, prefix, revoked, ttl=REVOKED_RETENTION)

    async def rotate(self, tenant: TenantId, prefix: str, *, grace: float) -> tuple[str, ApiKey]:
        """A new key with the old one's scope and name; the old one works ``grace`` seconds
        more (0: revoked now), so callers can switch without an outage."""
        if not 0 <= grace <= MAX_GRACE:
            raise BadUserInput(
                f"The grace period must be 0-{MAX_GRACE:.0f} seconds.", field="graceSeconds"
            )
        old = await self._owned(tenant, prefix)
        status = old.status(self._clock())
        if status != "active":
            raise BadUserInput(f"API key {prefix} is {status}: create a new one instead.")
        key, record = await self.create(tenant, Scope(old.scope), name=old.name)
        if grace == 0:
            await self.revoke(tenant, prefix)
        else:
            until = self._clock() + grace

            def expiring(current: ApiKey) -> ApiKey:
                if current.expires_at is not None and current.expires_at <= until:
                    return current
                return replace(current, expires_at=until)

            await self._update(tenant, prefix, expiring, ttl=grace + REVOKED_RETENTION)
        return key, record

    # -- authentication (every request) ------------------------------------------------------

    async def authenticate(self, credential: str) -> Principal:
        match = _KEY.match(credential)
        if match is None:
            raise Unauthenticated(
                "The API key is not valid: expected lgk_<8 characters>_<secret>, as created."
            )
        prefix = match.group(1)
        try:
            record = await self._kv.get_versioned(keys.api_key(prefix))
        except StoreError as exc:
            raise ServiceUnavailable(
                "LedgerGraph's store is unavailable, so the API key cannot be checked; "
                "retry shortly."
            ) from exc
        key = ApiKey.from_bytes(record.value) if record is not None else None
        # One answer for an unknown prefix and a wrong secret: no oracle for prefixes.
        if key is None or not hmac.compare_digest(digest(credential), key.digest):
            raise Unauthenticated("The API key is not valid (unknown, or deleted).")
        now = self._clock()
        if key.revoked_at is not None:
            raise ApiKeyRevoked(
                f"API key {prefix} was revoked at {_iso(key.revoked_at)}; use another key "
                "(an operator creates one: ledgergraph api-keys create).",
                apiKey=prefix,
            )
        if key.expires_at is not None and now >= key.expires_at:
            raise ApiKeyRevoked(
                f"API key {prefix} was rotated and stopped working at {_iso(key.expires_at)}; "
                "use its replacement.",
                apiKey=prefix,
            )
        assert record is not None
        if key.last_used_at is None or now - key.last_used_at >= TOUCH_INTERVAL:
            await self._touch(prefix, key, record.version, now)
        return Principal(
            tenant=valid_tenant_id(key.tenant),
            claims={},
            scope=Scope(key.scope),
            api_key=prefix,
        )

    async def _touch(self, prefix: str, key: ApiKey, version: int, now: float) -> None:
        # Versioned, so a revocation written meanwhile is never overwritten; losing the race
        # only means another request recorded the use. Bookkeeping only: a store error here
        # does not fail a request already authenticated.
        with contextlib.suppress(StoreError):
            await self._kv.compare_and_set(
                keys.api_key(prefix),
                replace(key, last_used_at=now).to_bytes(),
                expected_version=version,
                ttl=self._ttl(key, now),
            )

    # -- records --------------------------------------------------------------------------

    def _ttl(self, key: ApiKey, now: float) -> float | None:
        if key.revoked_at is not None:
            return max(1.0, key.revoked_at + REVOKED_RETENTION - now)
        if key.expires_at is not None:
            return max(1.0, key.expires_at + REVOKED_RETENTION - now)
        return None

    async def _owned(self, tenant: TenantId, prefix: str) -> ApiKey:
        if not _PREFIX.match(prefix):
            raise BadUserInput("Not an API key prefix (8 letters or digits).", field="prefix")
        record = await self._kv.get_versioned(keys.api_key(prefix))
        key = ApiKey.from_bytes(record.value) if record is not None else None
        if key is None or key.tenant != tenant:
            raise NotFound(f"Tenant {tenant!r} has no API key {prefix}.")
        return key

    async def _update(
        self, tenant: TenantId, prefix: str, change: Callable[[ApiKey], ApiKey], *, ttl: float
    ) -> ApiKey:
        await self._owned(tenant, prefix)
        name = keys.api_key(prefix)
        while True:
            record = await self._kv.get_versioned(name)
            if record is None:
                raise NotFound(f"Tenant {tenant!r} has no API key {prefix}.")
            changed = change(ApiKey.from_bytes(record.value))
            if await self._kv.compare_and_set(name, changed.to_bytes(), record.version, ttl=ttl):
                return changed

    async def _index(self, tenant: TenantId) -> list[str]:
        record = await self._kv.get_versioned(keys.api_keys_of(tenant))
        return list(json.loads(record.value)) if record is not None else []

    async def _update_index(
        self, tenant: TenantId, change: Callable[[list[str]], list[str]]
    ) -> None:
        name = keys.api_keys_of(tenant)
        while True:
            record = await self._kv.get_versioned(name)
            current = list(json.loads(record.value)) if record is not None else []
            version = record.version if record is not None else None
            if await self._kv.compare_and_set(name, json.dumps(change(current)).encode(), version):
                return
