"""Stream entry ids, and the rule deciding when a cursor has expired.

Ids are Redis stream ids, ``"<ms>-<seq>"``: milliseconds of the appender's clock and a sequence
number within that millisecond, compared as a pair. Both implementations keep, per stream, the
last id ever generated and the greatest id ever trimmed away (Redis keeps that one in the
stream's own ``max-deleted-entry-id``; our append script sets it with ``XSETID`` because Redis
only maintains it for ``XDEL``). From those the rule in ``cursor_expired`` is exact: a cursor
expires as soon as one entry after it has been trimmed, and never before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ledgergraph.cache.exceptions import InvalidCursor

__all__ = ["ZERO", "StreamId", "StreamState", "cursor_expired", "format_id", "parse_id"]

StreamId = tuple[int, int]

ZERO: StreamId = (0, 0)

_ID = re.compile(r"(\d{1,20})-(\d{1,20})")
_MAX = 2**64 - 1


def parse_id(text: str) -> StreamId:
    """Parse ``"<ms>-<seq>"``; raise ``InvalidCursor`` for anything else."""
    match = _ID.fullmatch(text)
    if match is None:
        raise InvalidCursor(text)
    ms, seq = int(match[1]), int(match[2])
    # The greatest id is refused too: nothing can follow it, and Redis rejects "(max" ranges.
    if ms > _MAX or seq > _MAX or (ms, seq) == (_MAX, _MAX):
        raise InvalidCursor(text)
    return ms, seq


def format_id(sid: StreamId) -> str:
    return f"{sid[0]}-{sid[1]}"


@dataclass(frozen=True, slots=True)
class StreamState:
    """What a stream knows about its own history, read atomically with its entries."""

    exists: bool
    last: StreamId  # the newest id ever generated, retained or not
    max_trimmed: StreamId  # the greatest id ever trimmed away; ZERO if none
    first: StreamId | None  # the oldest retained entry; None when empty


def cursor_expired(cursor: StreamId, state: StreamState) -> bool:
    """Would reading after ``cursor`` skip an entry that is gone?

    A cursor a stream handed out is ``ZERO`` or an id it generated. So besides "an entry after
    the cursor was trimmed", the rule also rejects cursors that cannot come from this stream's
    history -- newer than anything generated, or between the trimmed and the retained ids --
    which is what a cursor looks like after Redis lost the stream and it was started afresh.
    """
    if not state.exists:
        return cursor != ZERO
    if cursor > state.last or cursor < state.max_trimmed:
        return True
    return state.first is not None and state.max_trimmed < cursor < state.first
