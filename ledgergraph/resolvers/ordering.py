"""The orders lists are read in, and each item's sort key in them.

A stable cursor (``ledgergraph.pagination``) re-anchors on the item it names; when that item
is gone it continues after the item's sort key, so LedgerGraph must know the order Sage lists
in. Where Sage takes ``sort`` (documents: ``created_at``, ``updated_at``, ``date``,
``due_date``, each ``:asc`` or ``:desc``) the order is the one asked for; where it does not,
Sage's own: documents and payments in creation order, contacts by reference (or name, for one
without), system contacts first. Ties go by id, ascending, whichever the direction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ledgergraph import model
from ledgergraph.pagination import Anchor

Payload = Mapping[str, Any]


def _text(name: str) -> Callable[[Payload], str]:
    def read(payload: Payload) -> str:
        value = payload.get(name)
        return "" if value is None else str(value)

    return read


def _system_first(payload: Payload) -> str:
    return "0" if payload.get("system") else "1"


def _reference_or_name(payload: Payload) -> str:
    return str(payload.get("reference") or payload.get("name") or "").lower()


@dataclass(frozen=True, slots=True)
class Order:
    name: str
    # Sage's ``sort`` parameter (None: Sage's default order).
    sort: str | None = None
    fields: tuple[Callable[[Payload], str], ...] = ()
    descending: bool = False
    # False: the order of a list read whole, known only by position.
    keyed: bool = field(default=True)

    @property
    def params(self) -> dict[str, str]:
        return {} if self.sort is None else {"sort": self.sort}

    def key(self, obj: model.Record) -> tuple[str, ...]:
        return tuple(read(obj.remote_data) for read in self.fields)

    def is_after(self, obj: model.Record, anchor: Anchor) -> bool:
        """Whether ``obj`` comes after the anchor in this order."""
        key = self.key(obj)
        if key == anchor.key:
            return obj.remote_id > anchor.id
        return key < anchor.key if self.descending else key > anchor.key

    def sorted(self, objs: Iterable[model.Record]) -> list[Any]:
        by_id = sorted(objs, key=lambda obj: obj.remote_id)
        return sorted(by_id, key=self.key, reverse=self.descending)


_CREATED = _text("created_at")
CREATION = Order("CREATED_ASC", fields=(_CREATED,))
CONTACTS = Order("CONTACTS", fields=(_system_first, _reference_or_name))
# A list read whole keeps Sage's order; a vanished anchor is found again by position.
WHOLE = Order("WHOLE", keyed=False)

DOCUMENT_ORDERS: dict[model.DocumentOrder, Order] = {
    model.DocumentOrder.CREATED_ASC: CREATION,
    model.DocumentOrder.CREATED_DESC: Order(
        "CREATED_DESC", "created_at:desc", (_CREATED,), descending=True
    ),
    model.DocumentOrder.DATE_ASC: Order("DATE_ASC", "date:asc", (_text("date"), _CREATED)),
    model.DocumentOrder.DATE_DESC: Order(
        "DATE_DESC", "date:desc", (_text("date"), _CREATED), descending=True
    ),
    model.DocumentOrder.DUE_DATE_ASC: Order(
        "DUE_DATE_ASC", "due_date:asc", (_text("due_date"), _CREATED)
    ),
    model.DocumentOrder.DUE_DATE_DESC: Order(
        "DUE_DATE_DESC", "due_date:desc", (_text("due_date"), _CREATED), descending=True
    ),
}


def document_order(order_by: model.DocumentOrder | None) -> Order:
    return CREATION if order_by is None else DOCUMENT_ORDERS[order_by]
