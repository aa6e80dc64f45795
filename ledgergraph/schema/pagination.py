"""Relay connections over Sage's ``page``/``items_per_page`` lists.

Cursors are opaque offsets into the filtered list (Sage's own paging is by offset too).
"""

from __future__ import annotations

import base64
import binascii
from typing import Generic, TypeVar

import strawberry

from ledgergraph.errors import BadUserInput

T = TypeVar("T")

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 20


@strawberry.type(description="Where a page sits in the whole list.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type(description="An object in a list, with the cursor to continue after it.")
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type(description="A page of a list: edges, page info and the total count.")
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int = strawberry.field(description="How many objects the whole list holds.")

    @strawberry.field(description="The page's objects, without cursors.")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]


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


def build_connection(items: list[T], *, offset: int, total: int) -> Connection[T]:
    edges = [Edge(cursor=encode_cursor(offset + i), node=item) for i, item in enumerate(items)]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=offset + len(items) < total,
            has_previous_page=offset > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=total,
    )
