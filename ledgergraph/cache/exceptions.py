"""Errors raised by ``ledgergraph.cache``.

::

    StoreError                  anything the store could not do
    ├── StoreUnavailable        Redis refused, dropped or did not answer in time; retry later
    ├── CursorExpired           stream entries after the cursor were trimmed away; resync
    └── InvalidCursor           (also a ValueError) not a cursor a stream ever handed out

Both implementations raise the same errors for the same situations, so callers never catch
``redis`` exceptions. Argument mistakes (a non-positive TTL, ``count < 1``) raise plain
``ValueError``: they are bugs in the caller, not conditions of the store.
"""

from __future__ import annotations

__all__ = ["CursorExpired", "InvalidCursor", "StoreError", "StoreUnavailable"]


class StoreError(Exception):
    """The store could not perform the operation (also: a key holds the wrong kind of value)."""


class StoreUnavailable(StoreError):
    """The backing Redis cannot be reached or did not answer within the configured timeout.

    The outcome of a write that fails this way is unknown: it may or may not have been applied.
    """


class CursorExpired(StoreError):
    """Entries after ``cursor`` are no longer in ``stream``, so a reader would silently miss some.

    Raised when the stream was trimmed past the cursor, or when the cursor cannot belong to the
    stream's current history (the stream was lost and recreated). The reader has to resync from
    scratch (``read(stream, after=None)``) or from ``last_id``.
    """

    def __init__(self, stream: str, cursor: str) -> None:
        super().__init__(f"cursor {cursor!r} of stream {stream!r} has expired")
        self.stream = stream
        self.cursor = cursor


class InvalidCursor(StoreError, ValueError):
    """The cursor is not of the form a stream hands out."""

    def __init__(self, cursor: str) -> None:
        super().__init__(f"not a stream cursor: {cursor!r}")
        self.cursor = cursor
