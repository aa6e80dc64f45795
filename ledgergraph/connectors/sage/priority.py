"""Who a Sage call is for, so a fleet-wide budget can serve the most urgent first.

Callers say it once around their work (``with calls_for(Priority.POLLING): ...``); every Sage
call made in that context, by this task or the tasks it spawns, carries it. Unmarked calls are
``INTERACTIVE``: a GraphQL query or mutation a user is waiting for.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["Priority", "calls_for", "current_priority"]


class Priority(enum.IntEnum):
    """Lower values are served first."""

    INTERACTIVE = 0  # queries and mutations a user waits for; token refreshes ride along
    POLLING = 1  # the sync poller
    BACKGROUND = 2  # keep-alive, backfills, anything nobody waits for


_current: ContextVar[Priority] = ContextVar(
    "ledgergraph_sage_priority", default=Priority.INTERACTIVE
)


def current_priority() -> Priority:
    return _current.get()


@contextmanager
def calls_for(priority: Priority) -> Iterator[None]:
    token = _current.set(priority)
    try:
        yield
    finally:
        _current.reset(token)
