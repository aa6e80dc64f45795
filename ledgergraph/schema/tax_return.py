"""Tax returns: VAT (GB, IE) and GST/HST (CA) returns over a period."""

from __future__ import annotations

import datetime as dt

import strawberry

from ledgergraph import kinds
from ledgergraph.connectors.sage.mapping.tax_returns import TaxReturnStatus
from ledgergraph.schema.node import Node, recognises
from ledgergraph.schema.scalars import Money

strawberry.enum(
    TaxReturnStatus,
    description="Where a tax return is: DRAFT, SUBMITTED, SUBMISSION_FAILED, QUEUED, WAITING "
    "(Sage's), or OTHER (a status Sage added later; see remoteData).",
)


@strawberry.type(
    description="A tax return over one period (Sage's /tax_returns: VAT returns in GB and IE, "
    "GST/HST returns in CA; and GB's Making Tax Digital drafts, /draft_tax_returns; Sage v3.1 "
    "has none in US, FR, ES and DE). Sage gives its total, not its boxes."
)
class TaxReturn(Node):
    period_start: dt.date | None
    period_end: dt.date | None
    number: str | None
    status: TaxReturnStatus
    paid: bool
    total: Money = strawberry.field(
        description="What the period owes (output tax less input tax), in the base currency; "
        "negative when it is a refund."
    )
    return_type: str | None = strawberry.field(
        description="Canada's return type (GST/HST or QST); null elsewhere."
    )
    created_at: dt.datetime | None
    updated_at: dt.datetime | None

    is_type_of = recognises(kinds.TAX_RETURN)
