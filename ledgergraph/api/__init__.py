"""The GraphQL API: the schema's declarations (``ledgergraph.schema``) and the resolvers'
functions (``ledgergraph.resolvers``), assembled into one Strawberry schema.

This is the one package that imports both: the schema declares, resolvers compute, and the
root types here say which function computes which root field.
"""

from __future__ import annotations

import functools
from decimal import Decimal

import strawberry
from strawberry.schema.config import StrawberryConfig

from ledgergraph.api.mutation import Mutation
from ledgergraph.api.query import Query
from ledgergraph.api.subscription import Subscription
from ledgergraph.schema import object_types
from ledgergraph.schema.base import LedgerGraphSchema
from ledgergraph.schema.decimal_scalar import DECIMAL
from ledgergraph.schema.extensions.cost_report import CostReport, max_age
from ledgergraph.schema.extensions.error_codes import ErrorCodes
from ledgergraph.schema.extensions.idempotent_replay import IdempotentReplay
from ledgergraph.schema.extensions.observability import observability_extensions
from ledgergraph.schema.extensions.query_limits import query_limit_extensions
from ledgergraph.schema.extensions.scopes import CredentialScopes
from ledgergraph.security.limits import SchemaSecurity

__all__ = ["build_schema", "schema"]


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
            *observability_extensions(),
            CostReport,
            *query_limit_extensions(
                security.limits,
                introspection=security.introspection,
                parser_cache_size=security.parser_cache_size,
                validation_cache_size=security.validation_cache_size,
            ),
        ],
        types=object_types(),
        directives=[max_age],
        config=StrawberryConfig(auto_camel_case=True),
        scalar_overrides={Decimal: DECIMAL},
    )


schema = build_schema()
