"""The GraphQL schema: Strawberry types, inputs and the schema object."""

from __future__ import annotations

import functools
from decimal import Decimal

import strawberry
from strawberry.schema.config import StrawberryConfig

from ledgergraph.schema.accounting import BankAccount, Item, LedgerAccount, TaxRate
from ledgergraph.schema.base import LedgerGraphSchema
from ledgergraph.schema.business import Business
from ledgergraph.schema.contact import Contact
from ledgergraph.schema.decimal_scalar import DECIMAL
from ledgergraph.schema.documents import Bill, CreditNote, Invoice
from ledgergraph.schema.extensions.error_codes import ErrorCodes
from ledgergraph.schema.extensions.idempotent_replay import IdempotentReplay
from ledgergraph.schema.extensions.query_limits import query_limit_extensions
from ledgergraph.schema.extensions.scopes import CredentialScopes
from ledgergraph.schema.mutation import Mutation
from ledgergraph.schema.payment import Payment
from ledgergraph.schema.query import Query
from ledgergraph.schema.subscription import Subscription
from ledgergraph.security.limits import SchemaSecurity


@functools.cache
def build_schema(security: SchemaSecurity = SchemaSecurity()) -> strawberry.Schema:  # noqa: B008
    """The schema with ``security``'s query limits and introspection setting (built once per
    configuration: the validation cache is per schema)."""
    return LedgerGraphSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[
            lambda: ErrorCodes(hide_suggestions=not security.introspection),
            IdempotentReplay,
            CredentialScopes,
            *query_limit_extensions(
                security.limits,
                introspection=security.introspection,
                parser_cache_size=security.parser_cache_size,
                validation_cache_size=security.validation_cache_size,
            ),
        ],
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
        scalar_overrides={Decimal: DECIMAL},
    )


schema = build_schema()

__all__ = ["build_schema", "schema"]
