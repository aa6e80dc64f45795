"""Root query resolvers: thin — arguments in, loaders and reads do the work."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated, Any

import strawberry

from ledgergraph import kinds, model
from ledgergraph.errors import BadUserInput, NotFound
from ledgergraph.ids import MAX_NODE_IDS, GlobalId
from ledgergraph.resolvers import ordering
from ledgergraph.resolvers.arguments import SAGE_STATUS, document_filters
from ledgergraph.resolvers.context import Info
from ledgergraph.resolvers.lists import (
    business_of,
    filtered_window,
    sage_window,
    whole_list_window,
)
from ledgergraph.resolvers.overdue import UNSETTLED, is_overdue, today_in
from ledgergraph.resolvers.prefetch import references
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
        order=ordering.CONTACTS,
        prefetch=references(info),
    )


StatusArg = Annotated[
    model.DocumentStatusFilter | None,
    strawberry.argument(
        description="Only documents in this status. OVERDUE: unpaid or partly paid, due "
        "before today in the business's time zone."
    ),
]
OrderByArg = Annotated[
    model.DocumentOrder | None,
    strawberry.argument(description="The order to list in (default: CREATED_ASC)."),
]
DueBefore = Annotated[
    dt.date | None, strawberry.argument(description="Only documents due before this date.")
]
DueAfter = Annotated[
    dt.date | None, strawberry.argument(description="Only documents due after this date.")
]


async def _documents(
    info: Info,
    kind: kinds.ObjectKind,
    *,
    business: str | None,
    first: int | None,
    after: str | None,
    status: model.DocumentStatusFilter | None,
    contact: strawberry.ID | None,
    from_date: dt.date | None,
    to_date: dt.date | None,
    search: str | None,
    modified_since: dt.datetime | None,
    order_by: model.DocumentOrder | None,
    due_before: dt.date | None = None,
    due_after: dt.date | None = None,
) -> Any:
    context = info.context
    order = ordering.document_order(order_by)
    overdue = status is model.DocumentStatusFilter.OVERDUE
    filters = document_filters(
        modified_since=modified_since,
        status=None if status is None or overdue else model.DocumentStatus(status.value),
        contact=contact,
        from_date=from_date,
        to_date=to_date,
        search=search,
    )
    if not overdue and due_before is None and due_after is None:
        return await sage_window(
            context,
            kind.resource,
            business=business,
            first=first,
            after=after,
            filters=filters,
            order=order,
            prefetch=references(info),
        )
    # Sage filters by neither due date nor "overdue": it filters what it can, LedgerGraph
    # the rest (see ledgergraph.resolvers.overdue).
    business_id = await business_of(context, business)
    today = await _today(info, business_id) if overdue else None
    reads = [filters]
    if today:
        yesterday = (today - dt.timedelta(days=1)).isoformat()
        filters["to_date"] = min(filters.get("to_date", yesterday), yesterday)
        reads = [{**filters, "status_id": SAGE_STATUS[s]} for s in UNSETTLED]

    def keep(document: model.Document) -> bool:
        due = document.due_date
        if today and not is_overdue(document, today):
            return False
        if due_before is not None and (due is None or due >= due_before):
            return False
        return due_after is None or (due is not None and due > due_after)

    return await filtered_window(
        context,
        kind.resource,
        business_id=business_id,
        first=first,
        after=after,
        reads=reads,
        keep=keep,
        order=order,
        prefetch=references(info),
    )


async def _today(info: Info, business_id: str) -> dt.date:
    context = info.context
    ref = await context.runtime.sage.business_for(context.tenant, business_id)
    country = ref.country_code or (await context.business_details(business_id)).country_code
    return today_in(country)


def _due_documents(kind: kinds.ObjectKind) -> Any:
    async def resolve(
        info: Info,
        business: BusinessArg = None,
        first: First = None,
        after: After = None,
        status: StatusArg = None,
        contact: strawberry.ID | None = None,
        from_date: dt.date | None = None,
        to_date: dt.date | None = None,
        due_before: DueBefore = None,
        due_after: DueAfter = None,
        search: str | None = None,
        modified_since: ModifiedSince = None,
        order_by: OrderByArg = None,
    ) -> Any:
        return await _documents(
            info,
            kind,
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
            due_before=due_before,
            due_after=due_after,
        )

    return resolve


resolve_invoices = _due_documents(kinds.INVOICE)
resolve_bills = _due_documents(kinds.BILL)


def _credit_notes(kind: kinds.ObjectKind) -> Any:
    """Credit notes (sales or purchase) have no due date: no OVERDUE and no due-date filters."""

    async def resolve(
        info: Info,
        business: BusinessArg = None,
        first: First = None,
        after: After = None,
        status: Annotated[
            model.DocumentStatus | None,
            strawberry.argument(description="Only credit notes in this status (any but OTHER)."),
        ] = None,
        contact: strawberry.ID | None = None,
        from_date: dt.date | None = None,
        to_date: dt.date | None = None,
        search: str | None = None,
        modified_since: ModifiedSince = None,
        order_by: OrderByArg = None,
    ) -> Any:
        if status is model.DocumentStatus.OTHER:
            # OTHER is whatever Sage adds later: no Sage id names it.
            raise BadUserInput(
                "status: OTHER cannot be listed by; leave status out.", field="status"
            )
        return await _documents(
            info,
            kind,
            business=business,
            first=first,
            after=after,
            status=None if status is None else model.DocumentStatusFilter(status.value),
            contact=contact,
            from_date=from_date,
            to_date=to_date,
            search=search,
            modified_since=modified_since,
            order_by=order_by,
        )

    return resolve


resolve_credit_notes = _credit_notes(kinds.CREDIT_NOTE)
resolve_supplier_credit_notes = _credit_notes(kinds.SUPPLIER_CREDIT_NOTE)


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
        prefetch=references(info),
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


FromDate = Annotated[dt.date | None, strawberry.argument(description="Only from this date on.")]
ToDate = Annotated[dt.date | None, strawberry.argument(description="Only up to this date.")]


def listed(kind: kinds.ObjectKind) -> Any:
    """The root field that lists ``kind`` by its ``Listing``, in creation order."""
    listing = kind.listing
    if listing is None:
        raise ValueError(f"{kind.type_name} has no Listing")

    def within(obj: Any, from_date: dt.date | None, to_date: dt.date | None) -> bool:
        day: dt.date | None = obj.date
        if day is None:
            return from_date is None and to_date is None
        return (from_date is None or day >= from_date) and (to_date is None or day <= to_date)

    async def resolve(
        info: Info,
        business: BusinessArg = None,
        first: First = None,
        after: After = None,
        from_date: FromDate = None,
        to_date: ToDate = None,
        modified_since: ModifiedSince = None,
    ) -> Any:
        dated = from_date is not None or to_date is not None
        if not dated or listing.sage_filters_dates:
            filters = document_filters(
                modified_since=modified_since, from_date=from_date, to_date=to_date
            )
            return await sage_window(
                info.context,
                kind.resource,
                business=business,
                first=first,
                after=after,
                filters=filters,
                prefetch=references(info),
            )
        return await filtered_window(
            info.context,
            kind.resource,
            business_id=await business_of(info.context, business),
            first=first,
            after=after,
            reads=[document_filters(modified_since=modified_since)],
            keep=lambda obj: within(obj, from_date, to_date),
            order=ordering.CREATION,
            prefetch=references(info),
        )

    return resolve


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


NodeIds = Annotated[
    list[strawberry.ID],
    strawberry.argument(description=f"Global IDs, at most {MAX_NODE_IDS}, of any types."),
]


async def resolve_nodes(info: Info, ids: NodeIds) -> list[Any]:
    """Relay's ``nodes(ids:)``: every ID in one batch, answers in the order asked. As with
    ``node``, what does not exist or is not the tenant's is null; a malformed ID is null with
    a ``BAD_USER_INPUT`` error at its index (``field: "ids[i]"``), the others still answer."""
    if len(ids) > MAX_NODE_IDS:
        raise BadUserInput(
            f"ids names {len(ids)} objects; at most {MAX_NODE_IDS} are read at once — ask "
            "for the rest in another request.",
            field="ids",
        )
    decoded: list[GlobalId | BadUserInput] = []
    for index, value in enumerate(ids):
        try:
            decoded.append(GlobalId.decode(str(value)))
        except BadUserInput as error:
            decoded.append(BadUserInput(error.message, field=f"ids[{index}]"))
    loads = [info.context.load_node(gid) for gid in decoded if isinstance(gid, GlobalId)]
    found = iter(await asyncio.gather(*loads, return_exceptions=True))
    # graphql-core raises an exception in a list as that item's error: the item is null, and
    # its error carries its path (["nodes", i]).
    return [gid if isinstance(gid, BadUserInput) else _node_or_none(next(found)) for gid in decoded]


def _node_or_none(result: object) -> object:
    if isinstance(result, NotFound):
        return None
    if isinstance(result, BaseException) and not isinstance(result, Exception):
        raise result  # cancellation: not an answer to report per item
    return result
