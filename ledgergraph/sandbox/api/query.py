"""Reading query parameters the way Sage documents them; a malformed value is a 422."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime, time

from ledgergraph.sandbox.api.errors import record_invalid

Query = Mapping[str, str]

_OFFSET_SPACE = re.compile(r" (\d{2}:?\d{2})$")


def text(query: Query, name: str) -> str | None:
    value = query.get(name)
    return value if value not in (None, "") else None


def flag(query: Query, name: str) -> bool | None:
    value = text(query, name)
    if value is None:
        return None
    lowered = value.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise record_invalid(f"'{value}' is not a valid boolean", name)


def integer(query: Query, name: str) -> int | None:
    value = text(query, name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise record_invalid(f"'{value}' is not a valid integer", name) from None


def instant(query: Query, name: str) -> datetime | None:
    """A date (midnight UTC) or a date-time; without an offset the time is read as UTC."""
    value = text(query, name)
    if value is None:
        return None
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(), tzinfo=UTC)
        # An unencoded "+" in the offset arrives as a space.
        parsed = datetime.fromisoformat(_OFFSET_SPACE.sub(r"+\1", value).replace("Z", "+00:00"))
    except ValueError:
        raise record_invalid(f"'{value}' is not a valid date or date-time", name) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def day(query: Query, name: str) -> date | None:
    value = text(query, name)
    if value is None:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise record_invalid(f"'{value}' is not a valid date", name) from None


def choice(query: Query, name: str, allowed: Collection[str]) -> str | None:
    value = text(query, name)
    if value is not None and value not in allowed:
        raise record_invalid(f"'{value}' is not one of: {', '.join(sorted(allowed))}", name)
    return value
