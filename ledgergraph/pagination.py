"""Windows of a list: opaque, stable cursors and the page size a client may ask for.

A cursor names the last item a client saw, not a position: the item's id, its sort key in the
list's order, the order's name, and where it was (a hint where to look first). The next page
is re-anchored on the item, so objects created or deleted between two pages neither shift the
window nor make it skip or repeat one; when the item itself is gone, the page continues after
its sort key. The Relay connection types these windows fill are in
``ledgergraph.schema.relay``.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

import orjson

from ledgergraph.errors import BadUserInput

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 20
_VERSION = 2


@dataclass(frozen=True, slots=True)
class Anchor:
    """The last item a page showed: what a cursor carries."""

    order: str
    id: str
    key: tuple[str, ...]
    # Where the item was when the page was read: where to look for it first.
    offset: int


def encode_cursor(anchor: Anchor) -> str:
    raw = orjson.dumps(
        {"v": _VERSION, "s": anchor.order, "i": anchor.id, "k": anchor.key, "o": anchor.offset}
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _not_a_cursor(cursor: str) -> BadUserInput:
    return BadUserInput(
        f"{cursor[:60]!r} is not a cursor from this list: pass a cursor (edges.cursor or "
        "pageInfo.endCursor) the same list gave, or leave `after` out to start again.",
        field="after",
    )


def decode_cursor(cursor: str, order: str) -> Anchor:
    """The anchor ``cursor`` names; ``order``: the order the list is read in now."""
    try:
        raw: Any = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError) as exc:
        raise _not_a_cursor(cursor) from exc
    if not isinstance(raw, dict) or raw.get("v") != _VERSION:
        raise _not_a_cursor(cursor)
    ident, key, offset, named = raw.get("i"), raw.get("k"), raw.get("o"), raw.get("s")
    if (
        not isinstance(ident, str)
        or not isinstance(key, list)
        or not all(isinstance(part, str) for part in key)
        or not isinstance(offset, int)
        or isinstance(offset, bool)
        or offset < 0
        or not isinstance(named, str)
    ):
        raise _not_a_cursor(cursor)
    if named != order:
        raise BadUserInput(
            f"This cursor is from the list in {named} order, not {order}: keep orderBy the "
            "same from page to page, or leave `after` out to start again.",
            field="after",
        )
    return Anchor(order=named, id=ident, key=tuple(key), offset=offset)


def page_size(first: int | None) -> int:
    """The requested page size, validated."""
    size = DEFAULT_PAGE_SIZE if first is None else first
    if not 0 < size <= MAX_PAGE_SIZE:
        raise BadUserInput(f"first must be between 1 and {MAX_PAGE_SIZE}.", field="first")
    return size
