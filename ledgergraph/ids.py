"""Opaque global IDs of unified objects: ``base64url("<Type>:<business id>:<Sage id>")``.

They carry the business, so ``node(id:)`` knows where to look; the caller's access to that
business is checked before any Sage call.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from ledgergraph.errors import BadUserInput

# The most IDs one ``nodes(ids:)`` reads (the query cost model counts a variable as this many).
MAX_NODE_IDS = 100


@dataclass(frozen=True, slots=True)
class GlobalId:
    type_name: str
    business_id: str
    remote_id: str

    def encode(self) -> str:
        raw = f"{self.type_name}:{self.business_id}:{self.remote_id}".encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    @classmethod
    def decode(cls, value: str, *, expect: str | tuple[str, ...] | None = None) -> GlobalId:
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            raise BadUserInput(f"{value!r} is not a LedgerGraph ID.", field="id") from exc
        parts = raw.split(":", 2)
        if len(parts) != 3 or not all(parts):
            raise BadUserInput(f"{value!r} is not a LedgerGraph ID.", field="id")
        found = cls(*parts)
        allowed = (expect,) if isinstance(expect, str) else expect
        if allowed and found.type_name not in allowed:
            raise BadUserInput(
                f"ID {value!r} is a {found.type_name}, not a {' or '.join(allowed)}.", field="id"
            )
        return found


def encode(type_name: str, business_id: str, remote_id: str) -> str:
    return GlobalId(type_name, business_id, remote_id).encode()


def business_gid(business_id: str) -> str:
    """A business's global ID: its own id is both the business and the object."""
    return encode("Business", business_id, business_id)
