"""Windows of a list: opaque cursors (offsets, as Sage's own paging is by offset) and the page
size a client may ask for. The Relay connection types these windows fill are in
``ledgergraph.schema.relay``."""

from __future__ import annotations

import base64
import binascii

from ledgergraph.errors import BadUserInput

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 20


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).rstrip(b"=").decode()


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, number = raw.partition(":")
        offset = int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise BadUserInput(f"{cursor!r} is not a cursor from this list.", field="after") from exc
    if prefix != "offset" or offset < 0:
        raise BadUserInput(f"{cursor!r} is not a cursor from this list.", field="after")
    return offset


def page_window(first: int | None, after: str | None) -> tuple[int, int]:
    """(offset, size) of the requested window, validated."""
    size = DEFAULT_PAGE_SIZE if first is None else first
    if not 0 < size <= MAX_PAGE_SIZE:
        raise BadUserInput(f"first must be between 1 and {MAX_PAGE_SIZE}.", field="first")
    offset = decode_cursor(after) + 1 if after else 0
    return offset, size
