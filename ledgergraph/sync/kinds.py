"""The Sage resources the sync poller watches, and the event object type of each: every
resource of a polled kind in ``ledgergraph.kinds``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ledgergraph.connectors.sage.resources import Resource
from ledgergraph.kinds import ObjectType, kind_for_event, polled_resources

__all__ = ["KINDS", "SyncKind", "kind_named", "kinds_for"]


@dataclass(frozen=True, slots=True)
class SyncKind:
    resource: Resource
    object_type: ObjectType

    @property
    def name(self) -> str:
        """The Sage resource name (``sales_invoices``): the unit of cursors and invalidation."""
        return self.resource.name

    @property
    def stale(self) -> tuple[str, ...]:
        """The cached resources a change found here makes stale: this one and whatever a
        write of its kind invalidates (a bill entered in Sage's own app moves the ledger)."""
        kind = kind_for_event(self.object_type)
        return tuple(dict.fromkeys((self.name, *(kind.invalidates if kind else ()))))


KINDS: tuple[SyncKind, ...] = tuple(SyncKind(r, t) for r, t in polled_resources())
_BY_NAME = {kind.name: kind for kind in KINDS}


def kind_named(name: str) -> SyncKind | None:
    return _BY_NAME.get(name)


def kinds_for(object_types: Iterable[ObjectType] | None) -> frozenset[str]:
    """Names of the resources to poll for subscribers of ``object_types`` (``None``: all)."""
    return frozenset(r.name for r, _ in polled_resources(object_types))
