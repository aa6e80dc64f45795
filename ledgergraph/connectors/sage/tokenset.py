"""The Sage token pair as LedgerGraph keeps it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import orjson


@dataclass(frozen=True, slots=True)
class TokenSet:
    access_token: str
    refresh_token: str
    # Absolute times (seconds since the epoch), computed when the pair arrived.
    access_expires_at: float
    refresh_expires_at: float
    scope: str = ""
    requested_by_id: str | None = None

    @classmethod
    def from_response(cls, body: dict[str, Any], *, now: float) -> TokenSet:
        return cls(
            access_token=str(body["access_token"]),
            refresh_token=str(body["refresh_token"]),
            access_expires_at=now + float(body.get("expires_in", 300)),
            refresh_expires_at=now + float(body.get("refresh_token_expires_in", 2_678_400)),
            scope=str(body.get("scope", "")),
            requested_by_id=body.get("requested_by_id"),
        )

    def access_valid(self, *, now: float, margin: float) -> bool:
        return now + margin < self.access_expires_at

    def to_bytes(self) -> bytes:
        return orjson.dumps(asdict(self))

    @classmethod
    def from_bytes(cls, raw: bytes) -> TokenSet:
        return cls(**orjson.loads(raw))
