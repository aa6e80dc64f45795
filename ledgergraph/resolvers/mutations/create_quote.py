"""``createQuote``: a sales quote, exactly once per idempotency key (and the resolver
``createEstimate`` shares, in ``create_estimate``).

The lines are a sales invoice's (``mutations.lines``: tax by kind or id, accounts by role,
Canadian/US tax by the customer's province or state); what Sage also requires of a quote is
an expiry date, refused here when it comes before the quote's date.
"""

from __future__ import annotations

from typing import Any

from ledgergraph import kinds, model
from ledgergraph.errors import BadUserInput
from ledgergraph.kinds import ObjectKind
from ledgergraph.resolvers.context import Context, Info
from ledgergraph.resolvers.mutations.lines import sage_lines, validate
from ledgergraph.resolvers.mutations.lookups import TaxPlace, sage_id, tax_place
from ledgergraph.resolvers.mutations.runner import create_from_input
from ledgergraph.schema.arguments import IdempotencyKey, WriteBusinessArg
from ledgergraph.schema.quotes import QuoteInput

# The lines' key in Sage's body, per kind.
_LINES = {kinds.QUOTE.type_name: "quote_lines", kinds.ESTIMATE.type_name: "estimate_lines"}


def check(data: QuoteInput) -> None:
    validate(data.lines)
    if data.expiry_date < data.date:
        raise BadUserInput(
            "input.expiryDate must not be before input.date.", field="input.expiryDate"
        )


async def quote_body(context: Context, business_id: str, data: QuoteInput) -> dict[str, Any]:
    contact_id = sage_id(
        data.contact_id, expect="Contact", business_id=business_id, field="input.contactId"
    )
    mapper = await context.loaders.reads.mapper(business_id)
    place = TaxPlace(region=data.tax_region)
    if any(line.tax_rate_id is None for line in data.lines):
        place = await tax_place(
            context, business_id, contact_id, explicit=data.tax_region, sales=True
        )
    body: dict[str, Any] = {
        "contact_id": contact_id,
        "date": data.date.isoformat(),
        "expiry_date": data.expiry_date.isoformat(),
        "status_id": "DRAFT" if data.draft else "PENDING",
        "lines": await sage_lines(
            context,
            business_id,
            data.lines,
            default_role=model.AccountRole.SALES,
            place=place,
            country=mapper.country_code,
        ),
    }
    optional = {
        "reference": data.reference,
        "notes": data.notes,
        "terms_and_conditions": data.terms_and_conditions,
        # Sage taxes by this province or state (CA/US); the lines' rates were chosen for it.
        "tax_address_region_id": place.region,
    }
    body.update({k: v for k, v in optional.items() if v is not None})
    return body


def quote_mutation(operation: str, kind: ObjectKind) -> Any:
    """The resolver of the mutation that creates one quote (or estimate) of ``kind``."""

    async def kind_body(context: Context, business_id: str, data: QuoteInput) -> dict[str, Any]:
        body = await quote_body(context, business_id, data)
        body[_LINES[kind.type_name]] = body.pop("lines")
        return body

    async def resolve(
        info: Info,
        input: QuoteInput,
        idempotency_key: IdempotencyKey = None,
        business: WriteBusinessArg = None,
    ) -> Any:
        return await create_from_input(
            info.context,
            operation,
            kind,
            input,
            key_argument=idempotency_key,
            business=business,
            validate=check,
            body=kind_body,
        )

    return resolve


create_quote = quote_mutation("createQuote", kinds.QUOTE)
