"""Sage's list envelope: paging, ``$next``/``$back`` links and attribute selection.

``items_per_page`` above 200 is clamped to 200 rather than refused: the spec declares the
maximum but not what happens past it, and the envelope's ``$itemsPerPage`` tells the client
the size it got. Below 1 it is clamped to 1. A ``page`` past the end gives the last page
(documented by Sage); below 1 gives the first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

from multidict import MultiMapping

from ledgergraph.sandbox.api import query as q
from ledgergraph.sandbox.api.wire import JSON

DEFAULT_ITEMS_PER_PAGE = 20
MAX_ITEMS_PER_PAGE = 200
_PAGING_PARAMS = ("page", "items_per_page")

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PageRequest:
    page: int
    items_per_page: int


def page_request(
    query: MultiMapping[str], default_size: int = DEFAULT_ITEMS_PER_PAGE
) -> PageRequest:
    size = q.integer(query, "items_per_page")
    page = q.integer(query, "page")
    return PageRequest(
        page=max(1, page if page is not None else 1),
        items_per_page=min(MAX_ITEMS_PER_PAGE, max(1, size if size is not None else default_size)),
    )


def _link(path: str, query: MultiMapping[str], page: int, size: int) -> str:
    kept = [(k, v) for k, v in query.items() if k not in _PAGING_PARAMS]
    return f"{path}?{urlencode([('page', page), ('items_per_page', size), *kept])}"


def envelope(
    path: str,
    query: MultiMapping[str],
    items: Sequence[T],
    render: Callable[[T], JSON],
    request: PageRequest,
    *,
    size_key: str = "$itemsPerPage",
) -> JSON:
    """One page of ``items`` in Sage's envelope; ``path`` is the collection's relative path."""
    size = request.items_per_page
    last_page = max(1, -(-len(items) // size))
    page = min(request.page, last_page)
    start = (page - 1) * size
    return {
        "$total": len(items),
        "$page": page,
        "$next": _link(path, query, page + 1, size) if page < last_page else None,
        "$back": _link(path, query, page - 1, size) if page > 1 else None,
        size_key: size,
        "$items": [render(item) for item in items[start : start + size]],
    }


@dataclass(frozen=True, slots=True)
class Attributes:
    """What of each list item to show: the base attributes, everything, or chosen extras."""

    everything: bool
    extra: tuple[str, ...]

    @classmethod
    def from_query(cls, query: MultiMapping[str]) -> Attributes:
        value = q.text(query, "attributes")
        if value is None:
            return cls(everything=False, extra=())
        names = tuple(name.strip() for name in value.split(",") if name.strip())
        return cls(everything="all" in names, extra=names)

    @property
    def base_only(self) -> bool:
        return not self.everything and not self.extra

    def select(self, base: JSON, full: Callable[[], JSON]) -> JSON:
        if self.base_only:
            return base
        payload = full()
        if self.everything:
            return payload
        chosen: dict[str, Any] = dict(base)
        for name in self.extra:
            if name in payload:
                chosen[name] = payload[name]
        return chosen
