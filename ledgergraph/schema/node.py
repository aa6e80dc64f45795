"""The Relay ``Node`` interface every unified object implements."""

from __future__ import annotations

from typing import cast

import strawberry
from strawberry.scalars import JSON

from ledgergraph import model
from ledgergraph.schema.global_id import encode


@strawberry.interface(description="An object with an opaque, globally unique ID.")
class Node:
    @strawberry.field(description="Opaque global ID; pass it to node(id:) or as a filter.")
    def id(self) -> strawberry.ID:
        record = cast(model.Record, self)
        return strawberry.ID(encode(type(record).__name__, record.business_id, record.remote_id))

    remote_id: str = strawberry.field(description="Sage's own id of this object.")

    @strawberry.field(
        description="The raw Sage payload: the escape hatch for fields the unified model does "
        "not cover. Only sent when asked for."
    )
    def remote_data(self) -> JSON:
        return cast(JSON, cast(model.Record, self).remote_data)
