"""Sales quotes and estimates, and the input that creates one."""

from __future__ import annotations

import datetime as dt

import strawberry

from ledgergraph import kinds
from ledgergraph.connectors.sage.mapping import quotes
from ledgergraph.connectors.sage.mapping.quotes import QuoteStatus
from ledgergraph.schema.contact import Contact
from ledgergraph.schema.documents import Invoice, LineItem, Shipping
from ledgergraph.schema.inputs import LineItemInput
from ledgergraph.schema.node import Node, follows, recognises
from ledgergraph.schema.scalars import Money

strawberry.enum(
    QuoteStatus,
    description="Where a quote or estimate stands: DRAFT, PENDING (awaiting the customer), "
    "ACCEPTED or DECLINED (by the business or by the customer), INVOICED; OTHER for a status "
    "Sage adds later.",
)


def _contact_name(root: strawberry.Parent[quotes.Quotation]) -> str | None:
    return root.contact.displayed_as if root.contact else None


@strawberry.interface(
    description="What quotes and estimates share: priced lines proposed to a customer until "
    "their expiry date. Totals, lines and tax are worked out as an invoice's; nothing is "
    "posted, paid or owed."
)
class Quotation(Node):
    number: str | None
    date: dt.date | None
    expiry_date: dt.date | None
    reference: str | None
    status: QuoteStatus
    currency: str
    net_amount: Money
    tax_amount: Money
    total_amount: Money
    lines: list[LineItem]
    shipping: Shipping | None
    sent: bool = strawberry.field(description="Whether it has been sent to the customer.")
    notes: str | None
    terms_and_conditions: str | None
    created_at: dt.datetime | None
    updated_at: dt.datetime | None
    contact: Contact | None = follows(kinds.CONTACT)
    contact_name: str | None = strawberry.field(
        resolver=_contact_name,
        description="The contact's name as the quote shows it, without its reference (costs "
        "no call).",
    )
    contact_reference: str | None
    invoice: Invoice | None = follows(
        kinds.INVOICE, description="The invoice this became, once it did."
    )


@strawberry.type(description="A sales quote (Sage's /sales_quotes).")
class Quote(Quotation):
    is_type_of = recognises(kinds.QUOTE)


@strawberry.type(description="A sales estimate (Sage's /sales_estimates).")
class Estimate(Quotation):
    is_type_of = recognises(kinds.ESTIMATE)


@strawberry.input(
    description="A new sales quote or estimate: its lines are a document's (tax by kind or "
    "id, account by role or id)."
)
class QuoteInput:
    contact_id: strawberry.ID
    date: dt.date
    expiry_date: dt.date = strawberry.field(
        description="When the offer lapses: on or after date (Sage requires it)."
    )
    lines: list[LineItemInput]
    reference: str | None = None
    notes: str | None = None
    terms_and_conditions: str | None = None
    draft: bool = strawberry.field(
        default=False, description="Create it as a DRAFT rather than PENDING (sent to answer)."
    )
    tax_region: str | None = strawberry.field(
        default=None, description="Canada/US: the province or state taxed, e.g. CA-BC."
    )
