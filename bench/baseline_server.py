"""A bare Strawberry server on aiohttp: the baseline ``bench/warm.py`` measures LedgerGraph against.

What "bare" means here: the simplest honest server that answers the bench's queries with the
same JSON LedgerGraph answers, from memory. Its schema is a handful of plain Strawberry types
(no resolvers on object fields, no extensions, no dataloaders, no context) mirroring the fields
the bench selects, with the same root fields, arguments and enum names, so the very same query
documents and variables validate against both. Its data is a snapshot of LedgerGraph's own
answers, taken by ``warm.py`` in the same run (each filtered list as LedgerGraph pages it, with
its cursors and total): so every answer is LedgerGraph's, byte for byte.

Choices, and why:

* Scalars, decimals and enum values are held as the strings LedgerGraph serialises them to:
  a server holding ready answers in memory has no reason to keep decimals or enums and convert
  them on the way out. Variables' enums (``DocumentStatusFilter``, ``ContactKind``,
  ``AccountClassification``) are real enums, as the documents name them.
* Root fields are plain synchronous functions slicing the snapshot after the cursor: what a
  bare server with the data at hand does. No per-field hooks, no tasks.
* Responses are encoded with orjson, as LedgerGraph's are: the comparison is about execution,
  not about which JSON encoder is faster. Strawberry's default view otherwise as shipped.
* No ``gc.freeze()`` and no tuning: bare means as a newcomer would write it.

Run by ``warm.py``; by hand:

    .venv/bin/python bench/baseline_server.py --port 8100 --snapshot snapshot.json
"""

from __future__ import annotations

import argparse
import dataclasses
import enum
import sys
import types
import typing
from pathlib import Path
from typing import Any, Generic, TypeVar

import orjson
import strawberry
from aiohttp import web
from strawberry.aiohttp.views import GraphQLView

T = TypeVar("T")


@strawberry.enum
class DocumentStatusFilter(enum.Enum):
    DRAFT = "DRAFT"
    PRO_FORMA = "PRO_FORMA"
    UNPAID = "UNPAID"
    PARTIALLY_PAID = "PARTIALLY_PAID"
    PAID = "PAID"
    VOID = "VOID"
    DISPUTED = "DISPUTED"
    OVERDUE = "OVERDUE"


@strawberry.enum
class ContactKind(enum.Enum):
    CUSTOMER = "CUSTOMER"
    SUPPLIER = "SUPPLIER"


@strawberry.enum
class AccountClassification(enum.Enum):
    ASSET = "ASSET"
    LIABILITY = "LIABILITY"
    EQUITY = "EQUITY"
    REVENUE = "REVENUE"
    EXPENSE = "EXPENSE"


@strawberry.type
class Money:
    amount: str | None = None
    currency: str | None = None


@strawberry.type
class Contact:
    id: strawberry.ID | None = None
    name: str | None = None
    email: str | None = None
    reference: str | None = None
    is_customer: bool | None = None
    is_supplier: bool | None = None
    balance: Money | None = None


@strawberry.type
class TaxRate:
    id: strawberry.ID | None = None
    name: str | None = None
    rate: str | None = None
    kind: str | None = None
    tax_system: str | None = None


@strawberry.type
class LedgerAccount:
    id: strawberry.ID | None = None
    code: str | None = None
    name: str | None = None
    classification: str | None = None
    roles: list[str] | None = None


@strawberry.type
class LineItem:
    description: str | None = None
    quantity: str | None = None
    net_amount: Money | None = None
    tax_rate: TaxRate | None = None
    ledger_account: LedgerAccount | None = None


@strawberry.type
class Invoice:
    id: strawberry.ID | None = None
    number: str | None = None
    reference: str | None = None
    status: str | None = None
    date: str | None = None
    due_date: str | None = None
    total_amount: Money | None = None
    outstanding_amount: Money | None = None
    contact: Contact | None = None
    lines: list[LineItem] | None = None


@strawberry.type
class Bill:
    id: strawberry.ID | None = None
    reference: str | None = None
    vendor_reference: str | None = None
    status: str | None = None
    due_date: str | None = None
    total_amount: Money | None = None
    outstanding_amount: Money | None = None
    contact: Contact | None = None


@strawberry.type
class BankAccount:
    name: str | None = None


@strawberry.type
class Allocation:
    document_type: str | None = None
    amount: Money | None = None


@strawberry.type
class Payment:
    id: strawberry.ID | None = None
    date: str | None = None
    reference: str | None = None
    total_amount: Money | None = None
    contact: Contact | None = None
    bank_account: BankAccount | None = None
    allocations: list[Allocation] | None = None


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type(name="Connection")
class ListPage(Generic[T]):
    edges: list[Edge[T]]
    nodes: list[T]
    page_info: PageInfo
    total_count: int


# -- the snapshot -----------------------------------------------------------------------------


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def _object_type(annotation: Any) -> Any:
    """The Strawberry type inside ``X | None`` or ``list[X] | None``, else None."""
    if isinstance(annotation, types.UnionType):
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    if typing.get_origin(annotation) is list:
        annotation = typing.get_args(annotation)[0]
    return annotation if dataclasses.is_dataclass(annotation) else None


def build(cls: Any, data: dict[str, Any]) -> Any:
    """An instance of the plain type ``cls`` from LedgerGraph's JSON of it."""
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for key, value in data.items():
        name = _snake(key)
        nested = _object_type(hints[name])
        if nested is not None and isinstance(value, list):
            value = [build(nested, v) for v in value]
        elif nested is not None and value is not None:
            value = build(nested, value)
        values[name] = value
    return cls(**values)


@dataclasses.dataclass
class Stored:
    """One filtered list as LedgerGraph pages it: its objects, their cursors, its total."""

    nodes: list[Any]
    cursors: list[str]
    total: int
    index: dict[str, int]

    def window(self, first: int | None, after: str | None) -> ListPage[Any]:
        start = self.index[after] + 1 if after else 0
        stop = start + (first if first is not None else 20)
        nodes, cursors = self.nodes[start:stop], self.cursors[start:stop]
        return ListPage(
            edges=[Edge(cursor=c, node=n) for c, n in zip(cursors, nodes, strict=True)],
            nodes=nodes,
            page_info=PageInfo(
                has_next_page=start + len(nodes) < self.total,
                has_previous_page=start > 0,
                start_cursor=cursors[0] if cursors else None,
                end_cursor=cursors[-1] if cursors else None,
            ),
            total_count=self.total,
        )


ROOT_TYPES = {
    "invoices": Invoice,
    "bills": Bill,
    "contacts": Contact,
    "payments": Payment,
    "ledgerAccounts": LedgerAccount,
    "taxRates": TaxRate,
}
LISTS: dict[str, Stored] = {}


def list_key(root: str, argument: str | None = None, value: str | None = None) -> str:
    """The snapshot's name of ``root`` filtered by ``argument: value`` (or unfiltered)."""
    return f"{root}:{argument}={value}" if argument else root


def load_snapshot(path: Path) -> None:
    snapshot = orjson.loads(path.read_bytes())
    for key, stored in snapshot.items():
        cls = ROOT_TYPES[key.split(":")[0]]
        cursors = [edge["cursor"] for edge in stored["edges"]]
        LISTS[key] = Stored(
            nodes=[build(cls, edge["node"]) for edge in stored["edges"]],
            cursors=cursors,
            total=stored["totalCount"],
            index={c: i for i, c in enumerate(cursors)},
        )


def _window(key: str, first: int | None, after: str | None) -> ListPage[Any]:
    return LISTS[key].window(first, after)


def _filtered(root: str, argument: str, value: enum.Enum | None) -> str:
    return list_key(root, argument, value.value) if value is not None else root


# -- the schema -------------------------------------------------------------------------------


@strawberry.type
class Query:
    @strawberry.field
    def invoices(
        self,
        first: int | None = None,
        after: str | None = None,
        status: DocumentStatusFilter | None = None,
    ) -> ListPage[Invoice] | None:
        return _window(_filtered("invoices", "status", status), first, after)

    @strawberry.field
    def bills(
        self,
        first: int | None = None,
        after: str | None = None,
        status: DocumentStatusFilter | None = None,
    ) -> ListPage[Bill] | None:
        return _window(_filtered("bills", "status", status), first, after)

    @strawberry.field
    def contacts(
        self, first: int | None = None, after: str | None = None, kind: ContactKind | None = None
    ) -> ListPage[Contact] | None:
        return _window(_filtered("contacts", "kind", kind), first, after)

    @strawberry.field
    def payments(self, first: int | None = None, after: str | None = None) -> ListPage[Payment]:
        return _window("payments", first, after)

    @strawberry.field
    def ledger_accounts(
        self,
        first: int | None = None,
        after: str | None = None,
        classification: AccountClassification | None = None,
    ) -> ListPage[LedgerAccount] | None:
        return _window(_filtered("ledgerAccounts", "classification", classification), first, after)

    @strawberry.field
    def tax_rates(self, first: int | None = None, after: str | None = None) -> ListPage[TaxRate]:
        return _window("taxRates", first, after)


schema = strawberry.Schema(query=Query)


class View(GraphQLView[None, None]):
    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


async def _healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--snapshot", type=Path, required=True)
    args = parser.parse_args()
    load_snapshot(args.snapshot)
    app = web.Application()
    app.router.add_route("*", "/graphql", View(schema=schema, graphql_ide=None))
    app.router.add_get("/healthz", _healthz)
    web.run_app(app, host="127.0.0.1", port=args.port, print=None, access_log=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
