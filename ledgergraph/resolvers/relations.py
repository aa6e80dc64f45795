"""Reverse relations: the documents that name a contact, the payments allocated to a document.

A parent holds no list of these — Sage keeps the link on the child — so they are read from the
child's list. One loader per relation and request gathers every parent of a tick (the 50
contacts of a page, each asking for its last 5 invoices) and reads them as cheaply as Sage
allows: one call per distinct contact with Sage's ``contact_id`` filter, or the pages of the
business's whole list, whichever costs fewer calls — the choice ``SageReads.many`` makes for a
batch of ids. The list's length, when known from an earlier read, decides up front (one round
of calls); otherwise the first page of the whole list tells what the rest costs. With at most
``SMALL_BATCH`` contacts neither is asked for.

Newest first: by date, then by creation — Sage's ``sort=date:desc`` where Sage sorts the list
(documents), here where it does not (payments) or when the whole list was read.
"""

from __future__ import annotations

import asyncio
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from strawberry.dataloader import DataLoader

from ledgergraph import kinds, model
from ledgergraph.connectors.sage.reads import SMALL_BATCH
from ledgergraph.connectors.sage.resources import Resource
from ledgergraph.pagination import MAX_PAGE_SIZE, page_size
from ledgergraph.resolvers.loaders import Loaders
from ledgergraph.resolvers.ordering import DOCUMENT_ORDERS, Order

if TYPE_CHECKING:
    from ledgergraph.resolvers.context import Context
    from ledgergraph.schema.relay import ListPage


def _text(name: str) -> Any:
    def read(payload: Any) -> str:
        value = payload.get(name)
        return "" if value is None else str(value)

    return read


NEWEST_DOCUMENTS = DOCUMENT_ORDERS[model.DocumentOrder.DATE_DESC]
# Sage sorts no payment list: the same order, applied here.
NEWEST_PAYMENTS = Order(
    "PAYMENTS_NEWEST", None, (_text("date"), _text("created_at")), descending=True
)


@dataclass(frozen=True, slots=True)
class Relation:
    """The objects of ``resource`` whose ``contact`` is a given contact, newest first."""

    resource: Resource
    order: Order

    @property
    def sage_sorts(self) -> bool:
        """Whether Sage lists the resource in ``order``: then a contact's first N are one
        call for N; otherwise the contact's whole list is read and sorted here."""
        return self.order.sort is not None


RELATIONS: dict[str, Relation] = {
    kinds.INVOICE.type_name: Relation(kinds.SALES_INVOICES, NEWEST_DOCUMENTS),
    kinds.BILL.type_name: Relation(kinds.PURCHASE_INVOICES, NEWEST_DOCUMENTS),
    kinds.CREDIT_NOTE.type_name: Relation(kinds.SALES_CREDIT_NOTES, NEWEST_DOCUMENTS),
    kinds.PAYMENT.type_name: Relation(kinds.CONTACT_PAYMENTS, NEWEST_PAYMENTS),
}

# (business, the contact's Sage id, how many of the newest — None: all)
RelKey = tuple[str, str, int | None]
# (the newest objects, how many the contact has in all)
Found = tuple[list[Any], int]


class RelationLoader(DataLoader[RelKey, Found]):
    """One relation's objects by contact: every contact asked for in a tick, one read."""

    def __init__(self, loaders: Loaders, relation: Relation) -> None:
        batching = loaders.batching
        super().__init__(load_fn=self._load, max_batch_size=None if batching else 1, cache=batching)
        self._loaders = loaders
        self._reads = loaders.reads
        self.relation = relation

    async def _load(self, keys: Sequence[RelKey]) -> list[Found]:
        wanted: dict[str, dict[str, int | None]] = defaultdict(dict)
        for business, contact, count in keys:
            contacts = wanted[business]
            contacts[contact] = _more(contacts[contact], count) if contact in contacts else count
        read = await asyncio.gather(*(self._business(b, c) for b, c in wanted.items()))
        by_key = {
            (b, c): found for b, each in zip(wanted, read, strict=True) for c, found in each.items()
        }
        answers: list[Found] = []
        for business, contact, count in keys:
            items, total = by_key[(business, contact)]
            answers.append((items if count is None else items[:count], total))
        return answers

    async def _business(self, business: str, contacts: dict[str, int | None]) -> dict[str, Found]:
        resource, reads = self.relation.resource, self._reads
        if len(contacts) > SMALL_BATCH:
            # The list's length when last read (a hint, see SageReads): the choice is made up
            # front and its calls go out in one round. (SageReads keeps the hint private so
            # far; it is read here as ``many`` reads it.)
            known = await reads._known_pages(resource, business, None)
            if known is not None and known <= len(contacts):
                return self._grouped(await reads.everything(resource, business), contacts)
            if known is None:
                first, total = await reads.window(resource, business, offset=0, size=MAX_PAGE_SIZE)
                # The rest of the whole list, unless one call per contact costs fewer.
                if math.ceil(total / MAX_PAGE_SIZE) - 1 <= len(contacts):
                    rest: list[Any] = []
                    if total > len(first):
                        rest, _ = await reads.window(
                            resource, business, offset=len(first), size=total - len(first)
                        )
                    return self._grouped([*first, *rest], contacts)
        found = await asyncio.gather(
            *(self._of_contact(business, c, count) for c, count in contacts.items())
        )
        return dict(zip(contacts, found, strict=True))

    def _grouped(self, everything: list[Any], contacts: dict[str, int | None]) -> dict[str, Found]:
        groups: dict[str, list[Any]] = {contact: [] for contact in contacts}
        for obj in everything:
            ref: model.Ref | None = obj.contact
            if ref is not None and ref.id in groups:
                groups[ref.id].append(obj)
        result: dict[str, Found] = {}
        for contact, objs in groups.items():
            ordered = self.relation.order.sorted(objs)
            count = contacts[contact]
            result[contact] = (ordered if count is None else ordered[:count], len(ordered))
        return result

    async def _of_contact(self, business: str, contact: str, count: int | None) -> Found:
        relation, reads = self.relation, self._reads
        filters = {"contact_id": contact, **relation.order.params}
        if count is not None and relation.sage_sorts:
            return await reads.window(
                relation.resource, business, offset=0, size=count, filters=filters
            )
        items, total = await reads.window(
            relation.resource, business, offset=0, size=MAX_PAGE_SIZE, filters=filters
        )
        if total > len(items):
            rest, _ = await reads.window(
                relation.resource,
                business,
                offset=len(items),
                size=total - len(items),
                filters=filters,
            )
            items = [*items, *rest]
        ordered = items if relation.sage_sorts else relation.order.sorted(items)
        return (ordered if count is None else ordered[:count]), total


def _more(one: int | None, other: int | None) -> int | None:
    """The larger of two counts, None (all) being the largest."""
    return None if one is None or other is None else max(one, other)


def _loader(loaders: Loaders, type_name: str) -> RelationLoader:
    relation = RELATIONS[type_name]
    return loaders.keyed(f"relation:{type_name}", lambda: RelationLoader(loaders, relation))


async def documents_of(
    context: Context,
    contact: model.Contact,
    kind: kinds.ObjectKind,
    *,
    first: int | None,
    after: str | None,
) -> ListPage[Any]:
    """A page of the contact's documents of ``kind``, newest first. The first page of every
    contact in a tick is one batch; a page after a cursor is the contact's own filtered list."""
    # Imported here: lists builds on the request context, which builds on this module.
    from ledgergraph.resolvers.lists import page_of, sage_window

    relation = RELATIONS[kind.type_name]
    size = page_size(first)
    if after:
        return await sage_window(
            context,
            relation.resource,
            business=contact.business_id,
            first=size,
            after=after,
            filters={"contact_id": contact.remote_id},
            order=relation.order,
        )
    loaders = context.loaders
    items, total = await _loader(loaders, kind.type_name).load(
        (contact.business_id, contact.remote_id, size)
    )
    loaders.prime(items)
    return page_of(items, offset=0, total=total, order=relation.order)


async def payments_of(context: Context, document: model.Document) -> list[model.Payment]:
    """The payments allocated to ``document``, newest first: those of its contact (batched
    across documents like ``documents_of``) that name it. A document with nothing paid has
    none, at no cost."""
    if document.contact is None or not document.amount_paid.amount:
        return []
    loaders = context.loaders
    payments, _ = await _loader(loaders, kinds.PAYMENT.type_name).load(
        (document.business_id, document.contact.id, None)
    )
    # Sage's ids are unique across its resources: the allocation's id alone names the document.
    mine = [
        payment
        for payment in payments
        if any(a.document.id == document.remote_id for a in payment.allocations)
    ]
    loaders.prime(mine)
    return mine
