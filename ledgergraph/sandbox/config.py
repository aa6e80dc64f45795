"""Settings of the Sage Accounting v3.1 sandbox.

Every lifetime and limit is configurable so tests can make tokens expire, codes lapse and
budgets run out in milliseconds instead of minutes.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Sage's per-app budgets. ``None`` switches a limit off."""

    per_minute: int | None = None
    per_day: int | None = 1_296_000
    concurrent: int | None = 150
    retry_after_seconds: int = 1


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    client_id: str = "sandbox-client"
    client_secret: str = "sandbox-secret"
    # Registered redirect URIs; empty means "any http(s) URI on a loopback host".
    redirect_uris: tuple[str, ...] = ()
    access_token_ttl: float = 300.0
    refresh_token_ttl: float = 2_678_400.0
    authorization_code_ttl: float = 60.0
    # Seconds during which a spent refresh token is still honoured (Sage: unknown, assume 0).
    refresh_token_grace: float = 0.0
    idempotency_ttl: float = 7 * 24 * 3600.0
    controls: bool = False
    seed: int = 20240101
    # Multiplies the number of seeded contacts/invoices/bills/payments per business.
    scale: float = 1.0
    limits: RateLimits = field(default_factory=RateLimits)
