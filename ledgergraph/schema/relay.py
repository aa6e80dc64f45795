"""Relay connection types: a page of a list, its edges and where it sits in the whole list.

The GraphQL type of ``contacts`` is ``ContactConnection`` (Strawberry names the generic
``ListPage[Contact]`` after its argument and the GraphQL name ``Connection``)."""

from __future__ import annotations

from typing import Generic, TypeVar

import strawberry

T = TypeVar("T")


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


@strawberry.type(
    name="Connection", description="A page of a list: edges, page info and the total count."
)
class ListPage(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int = strawberry.field(description="How many objects the whole list holds.")

    @strawberry.field(description="The page's objects, without cursors.")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]

    @classmethod
    def of(cls, items: list[T], *, cursors: list[str], offset: int, total: int) -> ListPage[T]:
        """The page of ``items`` (each with its cursor) found at ``offset`` in a list of
        ``total`` objects."""
        edges = [Edge(cursor=c, node=item) for c, item in zip(cursors, items, strict=True)]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=offset + len(items) < total,
                has_previous_page=offset > 0,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=total,
        )
