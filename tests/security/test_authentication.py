"""Tenant tokens: HS256 with the shared secret, RS256/ES256 with configured public keys; every
malformed, forged, expired or unsigned token is refused — for queries, mutations and the
WebSocket's connection_init alike."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ledgergraph.auth import TenantAuthenticator
from ledgergraph.errors import Unauthenticated
from ledgergraph.sandbox import RunningSandbox
from ledgergraph.security.jwks import PublicKey, load_jwks, load_pem
from tests.security.helpers import post
from tests.security.keys import (
    claims,
    ec_key,
    hmac_with_public_key,
    hs256,
    jwks,
    other_rsa_key,
    public_pem,
    rsa_key,
    tampered,
    unsigned,
)
from tests.support.answers import without_cost
from tests.support.server import JWT_SECRET, LiveServer, serve_ledgergraph
from tests.support.ws import ConnectionRefused, GraphQLWebSocket

pytestmark = pytest.mark.redis

Factory = Callable[[Path], TenantAuthenticator]


def _rsa() -> PublicKey:
    return load_pem(public_pem(rsa_key()))


def _jwks(path: Path) -> tuple[PublicKey, ...]:
    file = path / "jwks.json"
    file.write_text(jwks((ec_key(), "ec-1"), (rsa_key(), "rsa-1")))
    return load_jwks(str(file))


AUTHENTICATORS: dict[str, Factory] = {
    "secret": lambda _p: TenantAuthenticator(JWT_SECRET),
    "secret+audience": lambda _p: TenantAuthenticator(JWT_SECRET, audience="ledgergraph"),
    "secret+issuer": lambda _p: TenantAuthenticator(JWT_SECRET, issuer="https://app.example"),
    "rsa-pem": lambda _p: TenantAuthenticator(public_keys=[_rsa()]),
    "rsa-pem+secret": lambda _p: TenantAuthenticator(JWT_SECRET, public_keys=[_rsa()]),
    "jwks": lambda p: TenantAuthenticator(public_keys=_jwks(p)),
}


def _now() -> int:
    return int(time.time())


ACCEPTED: list[tuple[str, Callable[[], str]]] = [
    ("secret", lambda: hs256(claims())),
    ("secret", lambda: hs256(claims(sub=None, tenant="acme"))),
    ("secret", lambda: hs256(claims(exp=_now() - 10))),  # within the clock-skew leeway
    ("secret+audience", lambda: hs256(claims(aud="ledgergraph"))),
    ("secret+issuer", lambda: hs256(claims(iss="https://app.example"))),
    ("rsa-pem", lambda: jwt.encode(claims(), rsa_key(), algorithm="RS256")),
    ("rsa-pem+secret", lambda: jwt.encode(claims(), rsa_key(), algorithm="RS256")),
    ("rsa-pem+secret", lambda: hs256(claims())),
    ("jwks", lambda: jwt.encode(claims(), ec_key(), algorithm="ES256", headers={"kid": "ec-1"})),
    ("jwks", lambda: jwt.encode(claims(), rsa_key(), algorithm="RS256", headers={"kid": "rsa-1"})),
    ("jwks", lambda: jwt.encode(claims(), ec_key(), algorithm="ES256")),  # no kid: tried
]


ACCEPTED_IDS = [
    "hs256",
    "tenant-claim",
    "expired-within-skew",
    "audience",
    "issuer",
    "rs256-pem",
    "rs256-with-secret-too",
    "hs256-with-public-key-too",
    "es256-jwks-kid",
    "rs256-jwks-kid",
    "es256-jwks-no-kid",
]


@pytest.mark.parametrize(("authenticator", "token"), ACCEPTED, ids=ACCEPTED_IDS)
def test_valid_tokens_authenticate_their_tenant(
    tmp_path: Path, authenticator: str, token: Callable[[], str]
) -> None:
    principal = AUTHENTICATORS[authenticator](tmp_path).authenticate(f"Bearer {token()}")
    assert principal.tenant == "acme"


REFUSED: list[tuple[str, Callable[[], str], str]] = [
    ("secret", lambda: unsigned(claims()), "algorithm 'none' is not accepted"),
    ("secret", lambda: hs256(claims(), "another-secret-of-sufficient-length!"), "Signature"),
    ("secret", lambda: tampered(hs256(claims()), sub="beta"), "Signature"),
    ("secret", lambda: hs256(claims(exp=_now() - 120)), "expired"),
    ("secret", lambda: hs256(claims(exp=None)), '"exp"'),
    ("secret", lambda: hs256(claims(sub=None)), "'tenant' or 'sub'"),
    ("secret", lambda: hs256(claims(nbf=_now() + 600)), "not yet valid"),
    ("secret", lambda: hs256(claims(iat=_now() + 600)), "not yet valid"),
    ("secret", lambda: "not-a-jwt", "not valid"),
    ("secret", lambda: "e" * 9000, "too long"),
    ("secret", lambda: jwt.encode(claims(), rsa_key(), algorithm="RS256"), "'RS256' is not"),
    ("secret+audience", lambda: hs256(claims()), '"aud"'),
    ("secret+audience", lambda: hs256(claims(aud="someone-else")), "(?i)audience"),
    ("secret+issuer", lambda: hs256(claims(iss="https://evil.example")), "(?i)issuer"),
    ("secret+issuer", lambda: hs256(claims()), '"iss"'),
    # Algorithm confusion: HS256 "signed" with the server's public key as the secret.
    ("rsa-pem", lambda: hmac_with_public_key(claims(), public_pem(rsa_key())), "'HS256' is not"),
    ("rsa-pem+secret", lambda: hmac_with_public_key(claims(), public_pem(rsa_key())), "Signature"),
    ("rsa-pem", lambda: jwt.encode(claims(), other_rsa_key(), algorithm="RS256"), "Signature"),
    ("rsa-pem", lambda: jwt.encode(claims(), ec_key(), algorithm="ES256"), "'ES256' is not"),
    ("rsa-pem", lambda: unsigned(claims()), "'none' is not"),
    (
        "jwks",
        lambda: jwt.encode(claims(), ec_key(), algorithm="ES256", headers={"kid": "ec-9"}),
        "kid",
    ),
    (
        "jwks",
        lambda: jwt.encode(claims(), other_rsa_key(), algorithm="RS256", headers={"kid": "rsa-1"}),
        "Signature",
    ),
]


REFUSED_IDS = [
    "alg-none",
    "wrong-secret",
    "tampered-payload",
    "expired",
    "no-exp",
    "no-tenant",
    "not-before-in-future",
    "issued-in-future",
    "garbage",
    "too-long",
    "rs256-without-public-key",
    "audience-missing",
    "audience-wrong",
    "issuer-wrong",
    "issuer-missing",
    "hs256-keyed-with-public-key",
    "hs256-keyed-with-public-key-secret-configured",
    "rs256-other-key",
    "es256-without-key",
    "alg-none-public-key",
    "unknown-kid",
    "known-kid-other-key",
]


@pytest.mark.parametrize(("authenticator", "token", "reason"), REFUSED, ids=REFUSED_IDS)
def test_bad_tokens_are_refused_with_the_reason(
    tmp_path: Path, authenticator: str, token: Callable[[], str], reason: str
) -> None:
    with pytest.raises(Unauthenticated, match=reason) as refused:
        AUTHENTICATORS[authenticator](tmp_path).authenticate(f"Bearer {token()}")
    assert refused.value.code == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    "configure",
    [
        lambda: TenantAuthenticator(),
        lambda: TenantAuthenticator(JWT_SECRET, leeway=301),
        lambda: TenantAuthenticator(JWT_SECRET, leeway=-1),
        lambda: TenantAuthenticator(public_keys=[_rsa()]).mint("acme"),
    ],
    ids=["no-key", "skew-too-large", "negative-skew", "mint-without-secret"],
)
def test_unsafe_configurations_are_refused(configure: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match=r"."):
        configure()


def _private_pem() -> str:
    return (
        rsa_key()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


def _weak_pem() -> str:
    return public_pem(rsa.generate_private_key(public_exponent=65537, key_size=1024))


@pytest.mark.parametrize(
    ("pem", "reason"),
    [(_private_pem, "public key only"), (_weak_pem, "at least 2048 bits")],
    ids=["private-key", "weak-rsa"],
)
def test_keys_that_must_not_verify_tokens_are_refused(pem: Callable[[], str], reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        load_pem(pem())


def test_a_jwks_with_private_key_material_is_refused(tmp_path: Path) -> None:
    document = jwt.algorithms.RSAAlgorithm.to_jwk(rsa_key(), as_dict=True) | {"kid": "k"}
    file = tmp_path / "jwks.json"
    file.write_text(json.dumps({"keys": [document]}))
    with pytest.raises(ValueError, match="private"):
        load_jwks(str(file))


def test_a_pem_file_path_is_read(tmp_path: Path) -> None:
    file = tmp_path / "key.pem"
    file.write_text(public_pem(ec_key()))
    assert load_pem(str(file)).algorithm == "ES256"


# -- over HTTP and WebSocket ---------------------------------------------------------------

QUERY = "{ connection { status } }"
MUTATION = """mutation {
  createContact(idempotencyKey: "k-1", input: {name: "X", kinds: [CUSTOMER]}) { id } }"""
BAD_TOKENS: dict[str, Callable[[], str | None]] = {
    "missing": lambda: None,
    "unsigned": lambda: unsigned(claims()),
    "wrong-secret": lambda: hs256(claims(), "another-secret-of-sufficient-length!"),
    "tampered": lambda: tampered(hs256(claims(sub="beta")), sub="acme"),
    "expired": lambda: hs256(claims(exp=_now() - 120)),
    "no-expiry": lambda: hs256(claims(exp=None)),
    "no-tenant": lambda: hs256(claims(sub=None)),
    "algorithm-confusion": lambda: hmac_with_public_key(claims(), public_pem(rsa_key())),
    "garbage": lambda: "not-a-jwt",
}


@pytest.mark.parametrize("operation", [QUERY, MUTATION], ids=["query", "mutation"])
@pytest.mark.parametrize("token", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
async def test_graphql_over_http_refuses_bad_tokens_with_401(
    server: LiveServer,
    http: httpx.AsyncClient,
    sandbox: RunningSandbox,
    operation: str,
    token: Callable[[], str | None],
) -> None:
    answer = await post(http, server, operation, token=token())
    assert answer.status == 401
    assert answer.codes == ["UNAUTHENTICATED"]
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert "data" not in answer.body


@pytest.mark.parametrize("token", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
async def test_websocket_connection_init_refuses_bad_tokens(
    server: LiveServer, token: Callable[[], str | None]
) -> None:
    with pytest.raises(ConnectionRefused) as refused:
        async with GraphQLWebSocket.open(server.url, token=token()):
            pass
    assert refused.value.code == 4403


async def test_a_server_with_a_jwks_file_accepts_rs256_and_es256_tokens(
    sandbox: RunningSandbox,
    redis_url: str,
    key_prefix: str,
    http: httpx.AsyncClient,
    tmp_path: Path,
) -> None:
    file = tmp_path / "jwks.json"
    file.write_text(jwks((ec_key(), "ec-1"), (rsa_key(), "rsa-1")))
    async with serve_ledgergraph(
        sandbox, redis_url=redis_url, prefix=key_prefix, jwt_jwks_file=str(file)
    ) as server:
        rs256 = jwt.encode(claims(), rsa_key(), algorithm="RS256", headers={"kid": "rsa-1"})
        answer = await post(http, server, QUERY, token=rs256)
        assert without_cost(answer.body) == {"data": {"connection": {"status": "NOT_CONNECTED"}}}

        es256 = jwt.encode(claims(), ec_key(), algorithm="ES256", headers={"kid": "ec-1"})
        async with GraphQLWebSocket.open(server.url, token=es256) as socket:
            assert not socket.closed.is_set()

        forged = hmac_with_public_key(claims(), public_pem(rsa_key()))
        assert (await post(http, server, QUERY, token=forged)).status == 401
