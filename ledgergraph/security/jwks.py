"""Public keys verifying tenant JWTs the app's backend signs with RS256 or ES256.

A key comes from a PEM (the text itself or a file holding it: a public key or a certificate)
or from a JWKS file (``{"keys": [...]}``, selected by the token's ``kid``). Each key carries
the one algorithm it verifies — RS256 for RSA (2048 bits or more), ES256 for P-256 — so a
token can never choose how its own signature is checked: an HS256 token is never verified
with a public key, whatever the token's header says.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

__all__ = ["ASYMMETRIC_ALGORITHMS", "PublicKey", "load_jwks", "load_pem", "public_keys"]

ASYMMETRIC_ALGORITHMS = frozenset({"RS256", "ES256"})
MIN_RSA_BITS = 2048


@dataclass(frozen=True, slots=True)
class PublicKey:
    algorithm: str
    key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey
    kid: str | None = None


def algorithm_for(key: object) -> str:
    """The one algorithm ``key`` verifies."""
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise ValueError(f"RSA keys must have at least {MIN_RSA_BITS} bits")
        return "RS256"
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return "ES256"
    raise ValueError("tenant tokens are verified with RSA (RS256) or P-256 (ES256) public keys")


def load_pem(value: str) -> PublicKey:
    """A public key from PEM text, or from the file it names."""
    text = value if "-----BEGIN" in value else Path(value).read_text()
    data = text.encode()
    if "PRIVATE KEY-----" in text:
        raise ValueError("give LedgerGraph the public key only, never the private key")
    key: Any
    if "-----BEGIN CERTIFICATE-----" in text:
        key = x509.load_pem_x509_certificate(data).public_key()
    else:
        key = serialization.load_pem_public_key(data)
    return PublicKey(algorithm_for(key), key)


def load_jwks(path: str) -> tuple[PublicKey, ...]:
    """The signing keys of a JWKS file."""
    document = json.loads(Path(path).read_text())
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ValueError(f"{path} is not a JWKS document ({{'keys': [...]}})")
    keys: list[PublicKey] = []
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
            continue
        if any(private in entry for private in ("d", "p", "q", "k")):
            raise ValueError(f"{path} holds private or symmetric key material; publish public keys")
        key = jwt.PyJWK(entry).key
        algorithm = algorithm_for(key)
        if entry.get("alg", algorithm) != algorithm:
            raise ValueError(f"key {entry.get('kid')!r}: alg {entry['alg']} does not fit its key")
        kid = entry.get("kid")
        keys.append(PublicKey(algorithm, key, str(kid) if kid is not None else None))
    if not keys:
        raise ValueError(f"{path} holds no signing key")
    return tuple(keys)


def public_keys(pem: str | None, jwks_file: str | None) -> Sequence[PublicKey]:
    """Every configured public key (none: HS256 with the shared secret only)."""
    keys: list[PublicKey] = []
    if pem:
        keys.append(load_pem(pem))
    if jwks_file:
        keys.extend(load_jwks(jwks_file))
    return tuple(keys)
