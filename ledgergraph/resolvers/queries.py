"""Root query resolvers: thin — arguments in, loaders and reads do the work."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from ledgergraph import kinds, model
from ledgergraph.errors import NotFound
from ledgergraph.ids import GlobalId
from ledgergraph.resolvers.arguments import document_filters
from ledgergraph.resolvers.context import Info
from ledgergraph.resolvers.lists import sage_window, whole_list_window
from ledgergraph.schema.arguments import After, BusinessArg, First, ModifiedSince


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
        info.context,
        kinds.CONTACT.resource,
        business=business,
        first=first,
        after=after,
        filters=filters,
    )


def _documents(kind: kinds.ObjectKind) -> Any:
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
            info.context,
            kind.resource,
            business=business,
            first=first,
            after=after,
            filters=filters,
        )

    return resolve


resolve_invoices = _documents(kinds.INVOICE)
resolve_bills = _documents(kinds.BILL)
resolve_credit_notes = _documents(kinds.CREDIT_NOTE)


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
        info.context,
        kinds.PAYMENT.resource,
        business=business,
        first=first,
        after=after,
        filters=filters,
    )


async def resolve_tax_rates(
    info: Info,
    business: BusinessArg = None,
    first: First = None,
    after: After = None,
    kind: model.TaxKind | None = None,
) -> Any:
    return await whole_list_window(
        info.context,
        kinds.TAX_RATE,
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
    return await whole_list_window(
        info.context,
        kinds.LEDGER_ACCOUNT,
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
    return await whole_list_window(
        info.context, kinds.BANK_ACCOUNT, business=business, first=first, after=after
    )


async def resolve_items(
    info: Info,
    business: BusinessArg = None,
    first: First = None,
    after: After = None,
    kind: model.ItemKind | None = None,
) -> Any:
    return await whole_list_window(
        info.context,
        kinds.ITEM,
        business=business,
        first=first,
        after=after,
        keep=lambda item: kind is None or item.kind is kind,
    )


def by_id(kind: kinds.ObjectKind) -> Any:
    """The root field that reads one object of ``kind`` by its global ID."""

    async def resolve(info: Info, id: strawberry.ID) -> Any:
        return await info.context.load_node(GlobalId.decode(str(id), expect=kind.type_name))

    return resolve


async def resolve_node(info: Info, id: strawberry.ID) -> Any:
    gid = GlobalId.decode(str(id))
    try:
        return await info.context.load_node(gid)
    except NotFound:
        # Relay: node(id:) is null for an object that does not exist (or is not this tenant's).
        return None
