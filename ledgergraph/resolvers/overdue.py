"""OVERDUE: what it means, and "today" for a business.

Sage has no overdue status and no due-date filter. A document is overdue when it is unpaid or
partly paid (Sage's ``UNPAID`` and ``PART_PAID``) and its due date is before today in the
business's time zone. Sage lists each status server-side (with ``to_date`` at yesterday, as a
document is never due before its date), and LedgerGraph keeps those due before today, so
``totalCount`` and paging stay exact.

Sage v3.1 records no time zone for a business (business settings carry none), so the zone is
the one of its country's seat of government — for CA and US, the eastern zone, where the day
turns first of the country's most populous zones; a country without an entry counts in UTC.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ledgergraph import model

ZONES: dict[str, str] = {
    "GB": "Europe/London",
    "IE": "Europe/Dublin",
    "FR": "Europe/Paris",
    "ES": "Europe/Madrid",
    "DE": "Europe/Berlin",
    "CA": "America/Toronto",
    "US": "America/New_York",
}

UNSETTLED = (model.DocumentStatus.UNPAID, model.DocumentStatus.PARTIALLY_PAID)


def zone_of(country_code: str | None) -> dt.tzinfo:
    name = ZONES.get((country_code or "").upper())
    if name is None:
        return dt.UTC
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError:  # no tz database on the host: UTC rather than a failure
        return dt.UTC


def today_in(country_code: str | None, now: dt.datetime | None = None) -> dt.date:
    return (now or dt.datetime.now(dt.UTC)).astimezone(zone_of(country_code)).date()


def is_overdue(document: model.Document, today: dt.date) -> bool:
    return (
        document.status in UNSETTLED and document.due_date is not None and document.due_date < today
    )
