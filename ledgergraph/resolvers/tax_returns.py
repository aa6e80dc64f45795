"""The root list of tax returns: Sage's returns and, in GB, its drafts, read only where Sage
has them (elsewhere the list is empty and costs no call), both lists whole (a business files
a few a year) and then from the cache."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated, Any

import strawberry

from ledgergraph import kinds
from ledgergraph.connectors.sage.mapping.tax_returns import (
    DRAFTS_APART,
    WITH_TAX_RETURNS,
    TaxReturn,
    TaxReturnStatus,
)
from ledgergraph.resolvers.context import Info
from ledgergraph.resolvers.lists import business_of, local_window
from ledgergraph.resolvers.ordering import WHOLE
from ledgergraph.schema.arguments import After, BusinessArg, First

PeriodFrom = Annotated[
    dt.date | None, strawberry.argument(description="Only periods starting on or after this.")
]
PeriodTo = Annotated[
    dt.date | None, strawberry.argument(description="Only periods starting on or before this.")
]
StatusArg = Annotated[
    TaxReturnStatus | None, strawberry.argument(description="Only those in this status.")
]


async def resolve_tax_returns(
    info: Info,
    business: BusinessArg = None,
    first: First = None,
    after: After = None,
    from_date: PeriodFrom = None,
    to_date: PeriodTo = None,
    status: StatusArg = None,
) -> Any:
    context = info.context
    business_id = await business_of(context, business)
    reads = context.loaders.reads
    country = (await reads.mapper(business_id)).country_code or ""
    resources = []
    if country in WITH_TAX_RETURNS:
        resources.append(kinds.TAX_RETURNS)
    if country in DRAFTS_APART:
        resources.append(kinds.DRAFT_TAX_RETURNS)
    lists = await asyncio.gather(*(reads.everything(r, business_id) for r in resources))

    def keep(r: TaxReturn) -> bool:
        start = r.period_start
        return (
            (status is None or r.status is status)
            and (from_date is None or (start is not None and start >= from_date))
            and (to_date is None or (start is not None and start <= to_date))
        )

    chosen = sorted(
        (r for found in lists for r in found if keep(r)),
        key=lambda r: (str(r.period_start or ""), str(r.created_at or ""), r.remote_id),
    )
    return local_window(chosen, first=first, after=after, order=WHOLE)
