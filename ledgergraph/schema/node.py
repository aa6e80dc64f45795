"""The Relay ``Node`` interface every unified object implements; ``follows``: how a type
declares a field that follows a reference to another object; and the reverse relations
(``documents_naming``, ``payments_allocated``): the objects that refer to this one."""

from __future__ import annotations

from typing import Any, cast

import strawberry
from strawberry.scalars import JSON

from ledgergraph import model
from ledgergraph.ids import GlobalId
from ledgergraph.kinds import ObjectKind
from ledgergraph.schema.arguments import After, First
from ledgergraph.schema.request import Info
from ledgergraph.security.cost import list_size


def _id(root: strawberry.Parent[model.Record]) -> strawberry.ID:
    type_name = type(root).__name__
    return strawberry.ID(GlobalId(type_name, root.business_id, root.remote_id).encode())


def _remote_data(root: strawberry.Parent[model.Record]) -> JSON:
    return cast(JSON, root.remote_data)


@strawberry.interface(description="An object with an opaque, globally unique ID.")
class Node:
    remote_id: str = strawberry.field(description="Sage's own id of this object.")
    id: strawberry.ID = strawberry.field(
        resolver=_id, description="Opaque global ID; pass it to node(id:) or as a filter."
    )
    remote_data: JSON = strawberry.field(
        resolver=_remote_data,
        description="The raw Sage payload: the escape hatch for fields the unified model does "
        "not cover. Only sent when asked for.",
    )


def recognises(kind: ObjectKind) -> Any:
    """The ``is_type_of`` of ``kind``'s GraphQL type: resolvers return plain model objects,
    and this tells them apart."""

    def is_type_of(cls: type, obj: Any, info: Any) -> bool:
        return kind.is_kind_of(obj)

    return classmethod(is_type_of)


def follows(kind: ObjectKind, *, description: str | None = None) -> Any:
    """A field that follows the reference of the same name (a ``model.Ref``) to the object of
    ``kind`` it names; null when Sage sent no reference (which costs nothing)."""

    def resolve(root: strawberry.Parent[Any], info: Info) -> Any:
        # Synchronous: the loader's awaitable goes to graphql-core as it is (one await, not a
        # coroutine per field wrapping another); no reference answers null at once, and an
        # object loaded already answers at once.
        ref: model.Ref | None = getattr(root, info.python_name)
        return info.context.referenced(root.business_id, ref, kind)

    return strawberry.field(resolver=resolve, description=description, metadata={FOLLOWS: kind})


# A ``follows`` field's metadata: the kind it follows to (read by the list prefetch,
# ``ledgergraph.resolvers.prefetch``, which starts a page's references before they resolve).
FOLLOWS = "ledgergraph.follows"


def documents_naming(kind: ObjectKind, *, description: str) -> Any:
    """A contact's field: a page of the documents of ``kind`` that name it, newest first. The
    contacts of one page asking at once share one read (see ``Request.documents_of``)."""

    async def resolve(
        root: strawberry.Parent[model.Contact], info: Info, first: First = None, after: After = None
    ) -> Any:
        return await info.context.documents_of(root, kind, first, after)

    return strawberry.field(resolver=resolve, description=description)


def payments_allocated(*, description: str) -> Any:
    """A document's field: the payments allocated to it, newest first, batched across the
    documents asking at once (see ``Request.payments_of``)."""

    async def resolve(root: strawberry.Parent[model.Document], info: Info) -> Any:
        return await info.context.payments_of(root)

    return strawberry.field(resolver=resolve, description=description, metadata=list_size(5))
