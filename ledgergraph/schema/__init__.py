"""The GraphQL schema's declarations: Strawberry types, interfaces, enums, scalars and inputs.

The schema declares; resolvers compute. Nothing here imports ``ledgergraph.resolvers``: a field
that needs more than its root holds asks ``info.context`` (see ``schema.request``), and the
root types, whose fields are the resolvers' functions, are assembled in ``ledgergraph.api``.
"""

from __future__ import annotations

import importlib
import pkgutil

from strawberry.types.base import get_object_definition

from ledgergraph.kinds import KINDS
from ledgergraph.schema.accounting import BankAccount, Item, LedgerAccount, TaxRate
from ledgergraph.schema.business import Business
from ledgergraph.schema.contact import Contact
from ledgergraph.schema.documents import Bill, CreditNote, Invoice
from ledgergraph.schema.node import Node
from ledgergraph.schema.payment import Payment

__all__ = [
    "BankAccount",
    "Bill",
    "Business",
    "Contact",
    "CreditNote",
    "Invoice",
    "Item",
    "LedgerAccount",
    "Node",
    "Payment",
    "TaxRate",
    "object_types",
]


def object_types() -> list[type]:
    """The GraphQL type of every kind of ``ledgergraph.kinds.KINDS``, in that order.

    Resolvers return plain model objects, told apart by each type's ``is_type_of``; so every
    concrete type must be in the schema even if no field names it.
    """
    # A kind's type may be declared in any module here, even one nothing else imports.
    for module in pkgutil.iter_modules(__path__):
        if not module.ispkg:
            importlib.import_module(f"{__name__}.{module.name}")
    declared = {_graphql_name(t): t for t in _concrete_nodes(Node)}
    missing = [k.type_name for k in KINDS if k.type_name not in declared]
    if missing:
        raise LookupError(f"No Strawberry type implements Node for the kinds {missing}")
    return [declared[k.type_name] for k in KINDS]


def _concrete_nodes(interface: type) -> list[type]:
    found: list[type] = []
    cls: type
    for cls in interface.__subclasses__():
        if not get_object_definition(cls, strict=True).is_interface:
            found.append(cls)
        found.extend(_concrete_nodes(cls))
    return found


def _graphql_name(cls: type) -> str:
    return get_object_definition(cls, strict=True).name
