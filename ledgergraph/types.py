"""The small vocabulary the rest of LedgerGraph is typed against."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NewType, TypeAlias

TenantId = NewType("TenantId", str)
BusinessId = NewType("BusinessId", str)
JSONObject: TypeAlias = dict[str, Any]


class ConnectionStatus(StrEnum):
    CONNECTED = "CONNECTED"
    # No usable tokens: never connected, disconnected, or no business selected yet.
    NOT_CONNECTED = "NOT_CONNECTED"
    # Sage refused the refresh token (expired, revoked or lost in a crash): a person must
    # run the connect flow again.
    REAUTH_REQUIRED = "REAUTH_REQUIRED"
    # The selected business is no longer among the Sage user's businesses.
    BUSINESS_UNAVAILABLE = "BUSINESS_UNAVAILABLE"


@dataclass(frozen=True, slots=True)
class BusinessRef:
    """A Sage business as the connection remembers it."""

    id: BusinessId
    name: str
    country_code: str | None = None
    currency: str | None = None
