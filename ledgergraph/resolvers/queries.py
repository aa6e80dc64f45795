"""Root query resolvers: thin — arguments in, loaders and reads do the work."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated, Any

import strawberry

from ledgergraph import model
from ledgergraph.connectors.sage import resources as r
from ledgergraph.errors import NotFound
from ledgergraph.resolvers.arguments import document_filters
from ledgergraph.resolvers.context import Context, Info
from ledgergraph.resolvers.lists import business_of, reference_window, sage_window
from ledgergraph.schema.global_id import GlobalId
from ledgergraph.schema.pagination import build_connection, page_window

BusinessArg = Annotated[
    strawberry.ID | None,
    strawberry.argument(description="A business of the Sage user (default: the selected one)."),
]
First = Annotated[int | None, strawberry.argument(description="Page size, 1-200 (default 20).")]
After = Annotated[str | None, strawberry.argument(description="Continue after this cursor.")]
ModifiedSince = Annotated[
    dt.datetime | None, strawberry.argument(description="Only objects changed since then.")
]


async def resolve_contacts(
    info: Info,
    business: BusinessArg = None,
    first: First = None,
    after: After = None,
    kind: model.ContactKind | None = None,
    search: str | None = None,
    modified_since: ModifiedSince = None,
) -> Any:
    filters: dict[str, Any] = document_filters(modified_since=modified_since, search=search)
    if kind is not None:
        filters["contact_type_id"] = "VENDOR" if kind is model.ContactKind.SUPPLIER else "CUSTOMER"
    return await sage_window(
        info.context, r.CONTACTS, business=business, first=first, after=after, filters=filters
    )


def _documents(resource: r.Resource) -> Any:
    async def resolve(
        info: Info,
        business: BusinessArg = None,
        first: First = None,
        after: After = None,
        status: model.DocumentStatus | None = None,
        contact: strawberry.ID | None = None,
        from_date: dt.date | None = None,
        to_date: dt.date | None = None,
        search: str | None = None,
        modified_since: ModifiedSince = None,
    ) -> Any:
        filters = document_filters(
            modified_since=modified_since,
            status=status,
            contact=contact,
            from_date=from_date,
            to_date=to_date,
            search=search,
        )
        return await sage_window(
            info.context, resource, business=business, first=first, after=after, filters=filters
        )

    return resolve


resolve_invoices = _documents(r.INVOICES)
resolve_bills = _documents(r.BILLS)
resolve_credit_notes = _documents(r.CREDIT_NOTES)


async def resolve_payments(
    info: Info,
    business: BusinessArg = None,
    first: First = None,
    after: After = None,
    contact: strawberry.ID | None = None,
    from_date: dt.date | None = None,
    to_date: dt.date | None = None,
    modified_since: ModifiedSince = None,
) -> Any:
    filters = document_filters(
        modified_since=modified_since, contact=contact, from_date=from_date, to_date=to_date
    )
    return await sage_window(
        info.context, r.PAYMENTS, business=business, first=first, after=after, filters=filters
    )


async def resolve_tax_rates(
    info: Info,
    business: BusinessArg = None,
    first: First = None,
    after: After = None,
    kind: model.TaxKind | None = None,
) -> Any:
    return await reference_window(
        info.context,
        info.context.loaders.tax_rate,
        business=business,
        first=first,
        after=after,
        keep=lambda rate: kind is None or rate.kind is kind,
    )


async def resolve_ledger_accounts(
    info: Info,
    business: BusinessArg = None,
    first: First = None,
    after: After = None,
    classification: model.AccountClassification | None = None,
    role: model.AccountRole | None = None,
) -> Any:
    return await reference_window(
        info.context,
        info.context.loaders.ledger_account,
        business=business,
        first=first,
        after=after,
        keep=lambda account: (
            (classification is None or account.classification is classification)
            and (role is None or role in account.roles)
        ),
    )


async def resolve_bank_accounts(
    info: Info, business: BusinessArg = None, first: First = None, after: After = None
) -> Any:
    return await reference_window(
        info.context,
        info.context.loaders.bank_account,
        business=business,
        first=first,
        after=after,
    )


async def resolve_items(
    info: Info,
    business: BusinessArg = None,
    first: First = None,
    after: After = None,
    kind: model.ItemKind | None = None,
) -> Any:
    context = info.context
    offset, size = page_window(first, after)
    business_id = await business_of(context, business)
    reads = context.loaders.reads
    products, services = await asyncio.gather(
        reads.everything(r.PRODUCTS, business_id), reads.everything(r.SERVICES, business_id)
    )
    everything = [i for i in [*products, *services] if kind is None or i.kind is kind]
    return build_connection(
        everything[offset : offset + size], offset=offset, total=len(everything)
    )


def _by_id(type_name: str) -> Any:
    async def resolve(info: Info, id: strawberry.ID) -> Any:
        return await load_node(info.context, GlobalId.decode(str(id), expect=type_name))

    return resolve


resolve_contact = _by_id("Contact")
resolve_invoice = _by_id("Invoice")
resolve_bill = _by_id("Bill")
resolve_credit_note = _by_id("CreditNote")
resolve_payment = _by_id("Payment")


async def resolve_node(info: Info, id: strawberry.ID) -> Any:
    gid = GlobalId.decode(str(id))
    try:
        return await load_node(info.context, gid)
    except NotFound:
        # Relay: node(id:) is null for an object that does not exist (or is not this tenant's).
        return None


async def load_node(context: Context, gid: GlobalId) -> Any:
    connection = await context.connection()
    business = next((b for b in connection.available if b.id == gid.business_id), None)
    if business is None:
        # Checked against the caller's own connection before any Sage call.
        raise NotFound(f"No {gid.type_name} with this ID is visible to this tenant.")
    if gid.type_name == "Business":
        return business
    loaders = context.loaders
    key = (gid.business_id, gid.remote_id)
    if gid.type_name == "Item":
        found = await loaders.product.load(key) or await loaders.service.load(key)
    else:
        loader: Any = {
            "Contact": loaders.contact,
            "Invoice": loaders.invoice,
            "Bill": loaders.bill,
            "CreditNote": loaders.credit_note,
            "Payment": loaders.payment,
            "TaxRate": loaders.tax_rate,
            "LedgerAccount": loaders.ledger_account,
            "BankAccount": loaders.bank_account,
        }.get(gid.type_name)
        if loader is None:
            raise NotFound(f"There is no object type {gid.type_name!r}.")
        found = await loader.load(key)
    if found is None:
        raise NotFound(f"No {gid.type_name} with this ID exists in the business.")
    return found
