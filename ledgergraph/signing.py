"""Short-lived, tamper-proof tokens for browser round trips (OAuth ``state``, connect links,
the business chooser): HMAC-SHA256 over a JSON payload, bound to a purpose, with an expiry."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any


class BadSignature(ValueError):
    pass


class Expired(BadSignature):
    pass


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    def __init__(self, secret: bytes, *, clock: Callable[[], float] = time.time) -> None:
        if len(secret) < 16:
            raise ValueError("the signing secret must be at least 16 bytes")
        self._secret = secret
        self._clock = clock

    def sign(self, purpose: str, payload: dict[str, Any], *, ttl: float) -> str:
        body = _b64(json.dumps({**payload, "exp": self._clock() + ttl}).encode())
        return f"{body}.{self._mac(purpose, body)}"

    def verify(self, purpose: str, token: str) -> dict[str, Any]:
        body, _, mac = token.partition(".")
        if not body or not mac or not hmac.compare_digest(mac, self._mac(purpose, body)):
            raise BadSignature("invalid signature")
        try:
            payload: dict[str, Any] = json.loads(_unb64(body))
        except ValueError as exc:
            raise BadSignature("malformed payload") from exc
        if float(payload.get("exp", 0)) < self._clock():
            raise Expired("expired")
        return payload

    def _mac(self, purpose: str, body: str) -> str:
        digest = hmac.new(self._secret, f"{purpose}.{body}".encode(), hashlib.sha256).digest()
        return _b64(digest)
