"""Who is calling: tenant JWTs sent as ``Authorization: Bearer``.

The frontend app's backend mints a short-lived JWT for a tenant; ``ledgergraph token`` mints
one for development.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

import jwt

from ledgergraph.errors import Unauthenticated
from ledgergraph.types import TenantId

TENANT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
ALGORITHMS = ["HS256"]


@dataclass(frozen=True, slots=True)
class Principal:
    tenant: TenantId
    claims: dict[str, Any]


def valid_tenant_id(value: str) -> TenantId:
    if not TENANT_ID.match(value):
        raise Unauthenticated(
            "The token's tenant id must be 1-128 letters, digits, '.', '_' or '-'."
        )
    return TenantId(value)


class TenantAuthenticator:
    def __init__(
        self,
        secret: str,
        *,
        audience: str | None = None,
        issuer: str | None = None,
        leeway: float = 30.0,
    ) -> None:
        self._secret = secret
        self._audience = audience
        self._issuer = issuer
        self._leeway = leeway

    def authenticate(self, authorization: str | None) -> Principal:
        if not authorization:
            raise Unauthenticated(
                "Send a tenant token as 'Authorization: Bearer <JWT>' "
                "(for development: ledgergraph token --tenant <id>)."
            )
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("The Authorization header must be 'Bearer <JWT>'.")
        return self.verify(token.strip())

    def verify(self, token: str) -> Principal:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=ALGORITHMS,
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp"], "verify_aud": self._audience is not None},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("The tenant token has expired; get a fresh one.") from exc
        except jwt.InvalidTokenError as exc:
            raise Unauthenticated(f"The tenant token is not valid: {exc}.") from exc
        tenant = claims.get("tenant") or claims.get("sub")
        if not isinstance(tenant, str):
            raise Unauthenticated("The tenant token needs a 'tenant' or 'sub' claim.")
        return Principal(tenant=valid_tenant_id(tenant), claims=claims)

    def mint(self, tenant: str, *, ttl: float = 3600.0) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {"sub": valid_tenant_id(tenant), "iat": now, "exp": now + int(ttl)}
        if self._audience:
            claims["aud"] = self._audience
        if self._issuer:
            claims["iss"] = self._issuer
        return jwt.encode(claims, self._secret, algorithm="HS256")
