"""Sage's wire forms of values: embedded references, links, decimals, dates and instants."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from ledgergraph.sandbox.books.money import to_wire

JSON = dict[str, Any]

# Sage links each record to its page in the web app; the sandbox has no web app, so these
# point at Sage's host shape without claiming to resolve.
WEB_APP = "https://accounts-extra.sageone.com"


def ref(collection: str, record_id: str, displayed_as: str) -> JSON:
    return {"id": record_id, "displayed_as": displayed_as, "$path": f"/{collection}/{record_id}"}


def maybe_ref(collection: str, record_id: str | None, displayed_as: str | None) -> JSON | None:
    if record_id is None:
        return None
    return ref(collection, record_id, displayed_as or "")


def links(web_path: str) -> list[JSON]:
    return [{"href": f"{WEB_APP}/{web_path}", "rel": "alternate", "type": "text/html"}]


def money(value: Decimal | None) -> str | None:
    return None if value is None else to_wire(value)


def instant(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()
