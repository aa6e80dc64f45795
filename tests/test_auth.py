from __future__ import annotations

import time

import jwt
import pytest

from ledgergraph.auth import TenantAuthenticator
from ledgergraph.errors import Unauthenticated

SECRET = "a-secret-of-decent-length-for-hs256!"
LATER = time.time() + 86400


def bearer(claims: dict[str, object], key: str = SECRET) -> str:
    return f"Bearer {jwt.encode(claims, key)}"


def test_a_minted_token_authenticates_its_tenant() -> None:
    auth = TenantAuthenticator(SECRET)
    assert auth.authenticate(f"Bearer {auth.mint('acme')}").tenant == "acme"


def test_the_tenant_claim_wins_over_sub() -> None:
    token = jwt.encode({"sub": "user-1", "tenant": "acme", "exp": time.time() + 86400}, SECRET)
    assert TenantAuthenticator(SECRET).verify(token).tenant == "acme"


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "Authorization: Bearer"),
        ("Basic abc", "Bearer <JWT>"),
        ("Bearer ", "Bearer <JWT>"),
        (bearer({"sub": "acme", "exp": time.time() - 120}), "expired"),
        (bearer({"sub": "acme", "exp": LATER}, "x" * 40), "not valid"),
        (bearer({"sub": "acme"}), "not valid"),
        (bearer({"exp": LATER}), "'tenant' or 'sub'"),
        (bearer({"sub": "a:{b}", "exp": LATER}), "tenant id"),
    ],
    ids=[
        "missing",
        "wrong-scheme",
        "empty",
        "expired",
        "wrong-key",
        "no-exp",
        "no-tenant",
        "bad-tenant-id",
    ],
)
def test_bad_tokens_are_refused_with_a_reason(header: str | None, message: str) -> None:
    with pytest.raises(Unauthenticated, match=message):
        TenantAuthenticator(SECRET).authenticate(header)


def test_unsigned_tokens_are_refused() -> None:
    token = jwt.encode({"sub": "acme", "exp": time.time() + 86400}, key="", algorithm="none")
    with pytest.raises(Unauthenticated):
        TenantAuthenticator(SECRET).verify(token)
