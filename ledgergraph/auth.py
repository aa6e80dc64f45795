"""Who is calling: tenant JWTs sent as ``Authorization: Bearer``.

The frontend app's backend mints a short-lived JWT for a tenant: HS256 with the shared secret,
or RS256/ES256 verified with configured public keys (``security/jwks.py``). ``ledgergraph
token`` mints HS256 ones for development. A token needs ``exp`` and ``tenant`` or ``sub``;
``aud`` and ``iss`` are checked when configured; clock skew is tolerated up to ``leeway``
seconds (at most five minutes). The token's ``alg`` only selects among the algorithms the
configured keys allow, and each key verifies with its own algorithm alone: ``none``, an
algorithm without a key, or an HS256 token forged with a public key as its secret is refused.

Server-to-server callers may send a tenant API key instead (``lgk_...``, see
``security/api_keys.py``); its principal carries the key's scope. A JWT has full access.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import jwt

from ledgergraph.errors import Unauthenticated
from ledgergraph.security.jwks import PublicKey
from ledgergraph.types import TenantId

TENANT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
ALGORITHMS = ["HS256"]
MAX_LEEWAY = 300.0
# Far above any real tenant token; refused before any parsing.
MAX_TOKEN_LENGTH = 8192


class Scope(StrEnum):
    """What a credential may do: ``read`` runs queries and subscriptions only."""

    READ = "read"
    WRITE = "write"


@dataclass(frozen=True, slots=True)
class Principal:
    tenant: TenantId
    claims: dict[str, Any]
    scope: Scope = Scope.WRITE
    # The public prefix of the API key that authenticated (None: a JWT).
    api_key: str | None = None

    @property
    def can_write(self) -> bool:
        return self.scope is Scope.WRITE


def valid_tenant_id(value: str) -> TenantId:
    if not TENANT_ID.match(value):
        raise Unauthenticated(
            "The token's tenant id must be 1-128 letters, digits, '.', '_' or '-'."
        )
    return TenantId(value)


class TenantAuthenticator:
    def __init__(
        self,
        secret: str | None = None,
        *,
        public_keys: Sequence[PublicKey] = (),
        audience: str | None = None,
        issuer: str | None = None,
        leeway: float = 30.0,
    ) -> None:
        if not secret and not public_keys:
            raise ValueError("tenant tokens need a JWT secret or a public key to verify them")
        if not 0 <= leeway <= MAX_LEEWAY:
            raise ValueError(f"the JWT clock-skew leeway must be 0-{MAX_LEEWAY:.0f} seconds")
        self._secret = secret or None
        self._public_keys = tuple(public_keys)
        self._audience = audience
        self._issuer = issuer
        self._leeway = leeway
        self.algorithms = frozenset(
            (ALGORITHMS if self._secret else []) + [k.algorithm for k in self._public_keys]
        )

    @property
    def can_mint(self) -> bool:
        return self._secret is not None

    def authenticate(self, authorization: str | None) -> Principal:
        if not authorization:
            raise Unauthenticated(
                "Send a tenant token as 'Authorization: Bearer <JWT>' (for development: "
                "ledgergraph token --tenant <id>), or an API key as "
                "'Authorization: Bearer lgk_...'."
            )
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("The Authorization header must be 'Bearer <JWT>'.")
        return self.verify(token.strip())

    def verify(self, token: str) -> Principal:
        if len(token) > MAX_TOKEN_LENGTH:
            raise Unauthenticated("The tenant token is not valid: it is too long.")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise Unauthenticated(f"The tenant token is not valid: {exc}.") from exc
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm not in self.algorithms:
            raise Unauthenticated(
                f"The tenant token is not valid: algorithm {str(algorithm)[:16]!r} is not accepted "
                f"(accepted: {', '.join(sorted(self.algorithms))})."
            )
        claims = self._decode(token, algorithm, header.get("kid"))
        tenant = claims.get("tenant") or claims.get("sub")
        if not isinstance(tenant, str):
            raise Unauthenticated("The tenant token needs a 'tenant' or 'sub' claim.")
        return Principal(tenant=valid_tenant_id(tenant), claims=claims)

    def _decode(self, token: str, algorithm: str, kid: object) -> dict[str, Any]:
        keys = self._keys_for(algorithm, kid)
        failure: jwt.InvalidTokenError = jwt.InvalidSignatureError("Signature verification failed")
        for key in keys:
            try:
                claims: dict[str, Any] = jwt.decode(
                    token,
                    key,
                    algorithms=[algorithm],
                    audience=self._audience,
                    issuer=self._issuer,
                    leeway=self._leeway,
                    options={"require": ["exp"], "verify_aud": self._audience is not None},
                )
            except jwt.InvalidSignatureError as exc:
                failure = exc  # another key (no kid given) may still match
            except jwt.ExpiredSignatureError as exc:
                raise Unauthenticated("The tenant token has expired; get a fresh one.") from exc
            except jwt.InvalidTokenError as exc:
                raise Unauthenticated(f"The tenant token is not valid: {exc}.") from exc
            else:
                return claims
        raise Unauthenticated(f"The tenant token is not valid: {failure}.")

    def _keys_for(self, algorithm: str, kid: object) -> list[Any]:
        if algorithm == "HS256":
            return [self._secret]
        keys = [k for k in self._public_keys if k.algorithm == algorithm]
        if kid is not None and any(k.kid is not None for k in keys):
            keys = [k for k in keys if k.kid == kid]
            if not keys:
                raise Unauthenticated("The tenant token is not valid: no key has its kid.")
        return [k.key for k in keys]

    def mint(self, tenant: str, *, ttl: float = 3600.0) -> str:
        if self._secret is None:
            raise ValueError("minting tenant tokens needs LEDGERGRAPH_JWT_SECRET (HS256)")
        now = int(time.time())
        claims: dict[str, Any] = {"sub": valid_tenant_id(tenant), "iat": now, "exp": now + int(ttl)}
        if self._audience:
            claims["aud"] = self._audience
        if self._issuer:
            claims["iss"] = self._issuer
        return jwt.encode(claims, self._secret, algorithm="HS256")
