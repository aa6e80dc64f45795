"""The Sage resources the sync poller watches, and the unified object type of each."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ledgergraph.connectors.sage import resources as r
from ledgergraph.events import ObjectType

__all__ = ["KINDS", "SyncKind", "kind_named", "kinds_for"]


@dataclass(frozen=True, slots=True)
class SyncKind:
    resource: r.Resource
    object_type: ObjectType

    @property
    def name(self) -> str:
        """The Sage resource name (``sales_invoices``): the unit of cursors and invalidation."""
        return self.resource.name


# Every kind takes both ``updated_or_created_since`` and ``deleted_since`` in Sage v3.1.
KINDS: tuple[SyncKind, ...] = (
    SyncKind(r.CONTACTS, ObjectType.CONTACT),
    SyncKind(r.INVOICES, ObjectType.INVOICE),
    SyncKind(r.BILLS, ObjectType.BILL),
    SyncKind(r.CREDIT_NOTES, ObjectType.CREDIT_NOTE),
    SyncKind(r.PAYMENTS, ObjectType.PAYMENT),
    SyncKind(r.PRODUCTS, ObjectType.ITEM),
    SyncKind(r.SERVICES, ObjectType.ITEM),
)
_BY_NAME = {kind.name: kind for kind in KINDS}


def kind_named(name: str) -> SyncKind | None:
    return _BY_NAME.get(name)


def kinds_for(object_types: Iterable[ObjectType] | None) -> frozenset[str]:
    """Names of the resources to poll for subscribers of ``object_types`` (``None``: all)."""
    if object_types is None:
        return frozenset(_BY_NAME)
    wanted = set(object_types)
    return frozenset(kind.name for kind in KINDS if kind.object_type in wanted)
