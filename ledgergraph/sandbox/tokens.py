"""Authorization codes, access tokens and single-use refresh tokens, as Sage's OAuth server has.

Every lifetime comes from :class:`SandboxConfig` and every instant from an injectable monotonic
clock, so tests can expire codes and tokens without sleeping.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from ledgergraph.sandbox.config import SandboxConfig

Clock = Callable[[], float]

SCOPES = frozenset({"full_access", "readonly"})
PKCE_METHODS = frozenset({"S256", "plain"})


class OAuthError(Exception):
    """An OAuth error answer: ``{"error": error, "error_description": description}``."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description


@dataclass(frozen=True, slots=True)
class Grant:
    """Who authorized which app for what; shared by a code and the tokens it leads to."""

    client_id: str
    user_id: str
    scope: str
    country: str


@dataclass(frozen=True, slots=True)
class AuthorizationCode:
    grant: Grant
    redirect_uri: str
    code_challenge: str | None
    code_challenge_method: str
    expires_at: float


@dataclass(frozen=True, slots=True)
class AccessToken:
    grant: Grant
    expires_at: float
    # expire_access_tokens() starts a new generation; older tokens are dead from then on.
    generation: int


@dataclass(slots=True)
class RefreshToken:
    grant: Grant
    expires_at: float
    spent_at: float | None = None
    revoked: bool = False


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    grant: Grant

    def response(self, config: SandboxConfig) -> dict[str, str | int]:
        """The token endpoint's JSON body, field for field as Sage sends it."""
        return {
            "access_token": self.access_token,
            "scope": self.grant.scope,
            "token_type": "bearer",
            "expires_in": round(config.access_token_ttl),
            "refresh_token": self.refresh_token,
            "refresh_token_expires_in": round(config.refresh_token_ttl),
            "requested_by_id": self.grant.user_id,
        }


class TokenRegistry:
    def __init__(self, config: SandboxConfig, clock: Clock = time.monotonic) -> None:
        self._config = config
        self._clock = clock
        self._codes: dict[str, AuthorizationCode] = {}
        self._access: dict[str, AccessToken] = {}
        self._refresh: dict[str, RefreshToken] = {}
        self._generation = 0
        self._sweep_at = 1024

    # -- authorization codes -------------------------------------------------------------------

    def issue_code(
        self,
        grant: Grant,
        *,
        redirect_uri: str,
        code_challenge: str | None = None,
        code_challenge_method: str = "plain",
    ) -> str:
        code = f"{grant.country.upper()}/{secrets.token_hex(32)}"
        self._codes[code] = AuthorizationCode(
            grant=grant,
            redirect_uri=redirect_uri,
            code_challenge=code_challenge,
            code_challenge_method=code_challenge_method,
            expires_at=self._clock() + self._config.authorization_code_ttl,
        )
        return code

    def redeem_code(
        self, code: str, *, client_id: str, redirect_uri: str, code_verifier: str | None
    ) -> TokenPair:
        # pop first: a code is spent by its first exchange attempt, successful or not.
        entry = self._codes.pop(code, None)
        if entry is None:
            raise OAuthError("invalid_grant", "The authorization code is invalid or was used.")
        if self._clock() >= entry.expires_at:
            raise OAuthError("invalid_grant", "The authorization code has expired.")
        if entry.grant.client_id != client_id:
            raise OAuthError(
                "invalid_grant", "The authorization code was issued to another client."
            )
        if entry.redirect_uri != redirect_uri:
            raise OAuthError(
                "invalid_grant", "redirect_uri does not match the authorization request."
            )
        if entry.code_challenge is not None:
            _verify_pkce(entry.code_challenge, entry.code_challenge_method, code_verifier)
        return self._issue_pair(entry.grant)

    # -- refresh tokens --------------------------------------------------------------------------

    def refresh(self, refresh_token: str, *, client_id: str) -> TokenPair:
        entry = self._refresh.get(refresh_token)
        now = self._clock()
        if entry is None or entry.grant.client_id != client_id:
            raise OAuthError("invalid_grant", "The refresh token is invalid.")
        if entry.revoked:
            raise OAuthError("invalid_grant", "The refresh token has been revoked.")
        if now >= entry.expires_at:
            raise OAuthError("invalid_grant", "The refresh token has expired.")
        if entry.spent_at is not None and now >= entry.spent_at + self._config.refresh_token_grace:
            raise OAuthError("invalid_grant", "The refresh token has already been used.")
        if entry.spent_at is None:
            entry.spent_at = now
        return self._issue_pair(entry.grant)

    def revoke(self, refresh_token: str, *, client_id: str) -> None:
        """Revoke a refresh token; unknown tokens are ignored, as RFC 7009 asks."""
        entry = self._refresh.get(refresh_token)
        if entry is not None and entry.grant.client_id == client_id:
            entry.revoked = True

    # -- access tokens ---------------------------------------------------------------------------

    def lookup(self, access_token: str) -> AccessToken | None:
        """The token's record, expired or not (rate limits still charge its app)."""
        return self._access.get(access_token)

    def authenticate(self, access_token: str) -> AccessToken | None:
        """The token's record if it is valid right now, else ``None``."""
        entry = self._access.get(access_token)
        if entry is None or not self._is_live(entry, self._clock()):
            return None
        return entry

    def expire_access_tokens(self) -> int:
        """Expire every access token issued so far; refresh tokens stay valid. Returns how many."""
        now = self._clock()
        live = sum(self._is_live(entry, now) for entry in self._access.values())
        self._generation += 1
        return live

    # -- internals -------------------------------------------------------------------------------

    def _is_live(self, entry: AccessToken, now: float) -> bool:
        return entry.generation == self._generation and now < entry.expires_at

    def _issue_pair(self, grant: Grant) -> TokenPair:
        now = self._clock()
        self._sweep(now)
        access = _jwt_looking(grant, self._config.access_token_ttl)
        refresh = secrets.token_urlsafe(48)
        expires_at = now + self._config.access_token_ttl
        self._access[access] = AccessToken(grant, expires_at, self._generation)
        self._refresh[refresh] = RefreshToken(grant, now + self._config.refresh_token_ttl)
        return TokenPair(access, refresh, grant)

    def _sweep(self, now: float) -> None:
        """Forget dead codes and tokens once in a while, so a long-running demo stays small."""
        if len(self._access) + len(self._refresh) + len(self._codes) < self._sweep_at:
            return
        self._codes = {k: v for k, v in self._codes.items() if now < v.expires_at}
        self._access = {k: v for k, v in self._access.items() if self._is_live(v, now)}
        # A spent or revoked refresh token gives the same invalid_grant as an unknown one.
        self._refresh = {
            k: v
            for k, v in self._refresh.items()
            if now < v.expires_at
            and not v.revoked
            and (v.spent_at is None or now < v.spent_at + self._config.refresh_token_grace)
        }
        size = len(self._access) + len(self._refresh) + len(self._codes)
        self._sweep_at = max(1024, 2 * size)


def _verify_pkce(challenge: str, method: str, verifier: str | None) -> None:
    if not verifier:
        raise OAuthError("invalid_grant", "code_verifier is required.")
    if method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
        computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    else:
        computed = verifier
    if not secrets.compare_digest(computed, challenge):
        raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge.")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _jwt_looking(grant: Grant, ttl: float) -> str:
    """An opaque token shaped like Sage's RS512 JWTs: public claims, a random signature."""
    issued = int(time.time())
    header = {"alg": "RS512", "kid": "sandbox", "typ": "JWT"}
    claims = {
        "jti": secrets.token_hex(16),
        "iat": issued,
        "exp": issued + round(ttl),
        "iss": "oauth.sandbox.ledgergraph.local",
        "sub": grant.user_id,
        "aud": "api.sandbox.ledgergraph.local",
        "azp": grant.client_id,
        "country": grant.country.lower(),
        "scopes": "accounts:rw accounting:rw core:rw"
        if grant.scope == "full_access"
        else "accounts:r accounting:r core:r",
    }
    parts = (json.dumps(header).encode(), json.dumps(claims).encode(), secrets.token_bytes(256))
    return ".".join(_b64(part) for part in parts)
