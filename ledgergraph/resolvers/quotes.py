"""The root lists of quotes and estimates.

Sage filters both by contact, status, date and text; only quotes can be sorted (by creation
or date: they fall due on no date). Their statuses are their own, so the document filters'
status is not theirs.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import strawberry

from ledgergraph import kinds, model
from ledgergraph.connectors.sage.mapping.quotes import SAGE_QUOTE_STATUS, QuoteStatus
from ledgergraph.errors import BadUserInput
from ledgergraph.resolvers import ordering
from ledgergraph.resolvers.arguments import document_filters
from ledgergraph.resolvers.context import Info
from ledgergraph.resolvers.lists import sage_window
from ledgergraph.schema.arguments import After, BusinessArg, First, ModifiedSince

_NO_DUE_DATE = (model.DocumentOrder.DUE_DATE_ASC, model.DocumentOrder.DUE_DATE_DESC)

QuoteStatusArg = Annotated[
    QuoteStatus | None,
    strawberry.argument(description="Only those in this status (any but OTHER)."),
]
QuoteOrderArg = Annotated[
    model.DocumentOrder | None,
    strawberry.argument(
        description="The order to list in (default: CREATED_ASC); quotes have no due date."
    ),
]


async def _quotations(
    info: Info,
    kind: kinds.ObjectKind,
    *,
    business: str | None,
    first: int | None,
    after: str | None,
    status: QuoteStatus | None,
    contact: strawberry.ID | None,
    from_date: dt.date | None,
    to_date: dt.date | None,
    search: str | None,
    modified_since: dt.datetime | None,
    order_by: model.DocumentOrder | None,
) -> Any:
    if order_by in _NO_DUE_DATE:
        raise BadUserInput("orderBy: a quote or estimate has no due date.", field="orderBy")
    filters = document_filters(
        modified_since=modified_since,
        contact=contact,
        from_date=from_date,
        to_date=to_date,
        search=search,
    )
    if status is not None:
        sage_status = SAGE_QUOTE_STATUS.get(status)
        if sage_status is None:
            # OTHER is whatever Sage adds later: no Sage id names it.
            raise BadUserInput(
                "status: OTHER cannot be listed by; leave status out.", field="status"
            )
        filters["status_id"] = sage_status
    return await sage_window(
        info.context,
        kind.resource,
        business=business,
        first=first,
        after=after,
        filters=filters,
        order=ordering.document_order(order_by),
    )


async def resolve_quotes(
    info: Info,
    business: BusinessArg = None,
    first: First = None,
    after: After = None,
    status: QuoteStatusArg = None,
    contact: strawberry.ID | None = None,
    from_date: dt.date | None = None,
    to_date: dt.date | None = None,
    search: str | None = None,
    modified_since: ModifiedSince = None,
    order_by: QuoteOrderArg = None,
) -> Any:
    return await _quotations(
        info,
        kinds.QUOTE,
        business=business,
        first=first,
        after=after,
        status=status,
        contact=contact,
        from_date=from_date,
        to_date=to_date,
        search=search,
        modified_since=modified_since,
        order_by=order_by,
    )


async def resolve_estimates(
    info: Info,
    business: BusinessArg = None,
    first: First = None,
    after: After = None,
    status: QuoteStatusArg = None,
    contact: strawberry.ID | None = None,
    from_date: dt.date | None = None,
    to_date: dt.date | None = None,
    search: str | None = None,
    modified_since: ModifiedSince = None,
) -> Any:
    """Sage's ``/sales_estimates`` takes no ``sort``: creation order only."""
    return await _quotations(
        info,
        kinds.ESTIMATE,
        business=business,
        first=first,
        after=after,
        status=status,
        contact=contact,
        from_date=from_date,
        to_date=to_date,
        search=search,
        modified_since=modified_since,
        order_by=None,
    )
