"""The Strawberry schema class LedgerGraph builds: Strawberry's, with quieter error logging, an
executor that keeps nothing per subscription event (``ledgergraph.schema.execution``), and no
per-field directive hook while no directive can stand on a field."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import DirectiveLocation, GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.extensions.directives import DirectivesExtension, DirectivesExtensionSync
from strawberry.types import ExecutionContext
from strawberry.utils.logging import StrawberryLogger

from ledgergraph.cache import StoreUnavailable
from ledgergraph.errors import LedgerGraphError
from ledgergraph.schema.execution import LedgerGraphExecutor
from ledgergraph.schema.extensions.error_codes import request_error_code

__all__ = ["LedgerGraphSchema"]


class LedgerGraphSchema(strawberry.Schema):
    """Strawberry logs every GraphQL error with the query text around it. For a client's
    malformed, invalid or over-limit query or variables, and for LedgerGraph's own expected
    errors, that is log volume a client controls (and most of a query bomb's cost): only
    unexpected errors are logged (``ErrorCodes`` logs them too, with the request id the client
    was given)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("execution_context_class", LedgerGraphExecutor)
        super().__init__(*args, **kwargs)
        self._field_directives = any(
            DirectiveLocation.FIELD in directive.locations for directive in self.directives
        )

    def get_extensions(self, sync: bool = False) -> list[SchemaExtension]:
        """Strawberry adds its ``DirectivesExtension`` to any schema with a directive of its
        own. It applies directives that stand on fields, through a ``resolve`` hook that wraps
        every field of every operation in a coroutine (a task per field in lists: ~200 a
        request of the warm bench's mix). LedgerGraph's directives stand on operations
        (``@maxAge``, read by ``CostReport``), so while none can stand on a field the hook
        has nothing to do and is left out."""
        extensions = super().get_extensions(sync=sync)
        if self._field_directives:
            return extensions
        return [
            e
            for e in extensions
            if not isinstance(e, DirectivesExtension | DirectivesExtensionSync)
        ]

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            original = error.original_error
            if (
                original is None
                or isinstance(original, LedgerGraphError | StoreUnavailable)
                or request_error_code(error) is not None
            ):
                continue
            StrawberryLogger.error(error, execution_context)
