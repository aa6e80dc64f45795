"""The Strawberry schema class LedgerGraph builds: Strawberry's, with quieter error logging and
an executor that keeps nothing per subscription event (``ledgergraph.schema.execution``)."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
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
