"""The GraphQL schema: Strawberry types, inputs and the schema object."""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig

from ledgergraph.schema.accounting import BankAccount, Item, LedgerAccount, TaxRate
from ledgergraph.schema.business import Business
from ledgergraph.schema.contact import Contact
from ledgergraph.schema.documents import Bill, CreditNote, Invoice
from ledgergraph.schema.extensions.error_codes import ErrorCodes
from ledgergraph.schema.extensions.idempotent_replay import IdempotentReplay
from ledgergraph.schema.mutation import Mutation
from ledgergraph.schema.payment import Payment
from ledgergraph.schema.query import Query
from ledgergraph.schema.subscription import Subscription


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[ErrorCodes, IdempotentReplay],
        # Objects are returned as plain model instances; each type's is_type_of tells them
        # apart, so every concrete type must be in the schema even if no field names it.
        types=[
            Invoice,
            Bill,
            CreditNote,
            Business,
            Contact,
            Payment,
            Item,
            BankAccount,
            LedgerAccount,
            TaxRate,
        ],
        config=StrawberryConfig(auto_camel_case=True),
    )


schema = build_schema()

__all__ = ["build_schema", "schema"]
