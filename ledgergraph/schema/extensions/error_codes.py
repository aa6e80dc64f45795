"""Give every GraphQL error a stable ``extensions.code`` and never leak internals.

LedgerGraph's own errors carry their code and message; GraphQL syntax and validation errors
get ``GRAPHQL_PARSE_FAILED`` / ``GRAPHQL_VALIDATION_FAILED``; anything else is logged with its
stack trace and answered as ``INTERNAL_SERVER_ERROR`` with a request id to quote.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from ledgergraph.cache import StoreUnavailable
from ledgergraph.errors import LedgerGraphError, ServiceUnavailable

log = logging.getLogger("ledgergraph.errors")


class ErrorCodes(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        self._streamed = False
        yield
        if self._streamed:
            return  # every result already went through on_stream_result
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        result.errors = [self._with_code(error) for error in result.errors]

    def on_stream_result(self, result: Any) -> Iterator[None]:
        """Subscriptions (WebSocket, multipart): each result, before it is sent."""
        self._streamed = True
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = [self._with_code(error) for error in errors]
        yield

    def _with_code(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if isinstance(original, StoreUnavailable):
            original = ServiceUnavailable(
                "LedgerGraph's store is unavailable; retry shortly (nothing was lost)."
            )
        if isinstance(original, LedgerGraphError):
            return _rebuild(error, original.message, dict(original.extensions))
        if original is None:
            code = (
                "GRAPHQL_PARSE_FAILED"
                if "Syntax Error" in error.message
                else ("GRAPHQL_VALIDATION_FAILED")
            )
            return _rebuild(error, error.message, {"code": code, **(error.extensions or {})})
        request_id = uuid.uuid4().hex
        log.error("unexpected error (request id %s)", request_id, exc_info=original)
        return _rebuild(
            error,
            f"Internal server error; quote request id {request_id} when reporting it.",
            {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        )


def _rebuild(error: GraphQLError, message: str, extensions: dict[str, object]) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions=extensions,
    )
