"""The root lists of reference data: each is the business's whole Sage list, read once per
request and then from the cache (``Loading.WHOLE_LIST``)."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from ledgergraph import kinds
from ledgergraph.resolvers.context import Info
from ledgergraph.resolvers.lists import whole_list_window
from ledgergraph.schema.arguments import After, BusinessArg, First

CurrencyArg = Annotated[
    str | None, strawberry.argument(description="Only the rate to this currency (ISO code).")
]


def whole(kind: kinds.ObjectKind) -> Any:
    """A root field listing every object of ``kind``, in Sage's order."""

    async def resolve(
        info: Info, business: BusinessArg = None, first: First = None, after: After = None
    ) -> Any:
        return await whole_list_window(
            info.context, kind, business=business, first=first, after=after
        )

    return resolve


async def resolve_exchange_rates(
    info: Info,
    business: BusinessArg = None,
    first: First = None,
    after: After = None,
    currency: CurrencyArg = None,
) -> Any:
    wanted = None if currency is None else currency.upper()
    return await whole_list_window(
        info.context,
        kinds.EXCHANGE_RATE,
        business=business,
        first=first,
        after=after,
        keep=lambda rate: wanted is None or rate.currency == wanted,
    )
