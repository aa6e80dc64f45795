"""Give every GraphQL error a stable ``extensions.code`` and never leak internals.

LedgerGraph's own errors carry their code and message; GraphQL syntax and validation errors
get ``GRAPHQL_PARSE_FAILED`` / ``GRAPHQL_VALIDATION_FAILED`` (or the query limit's own code,
e.g. ``QUERY_TOO_LARGE``); anything else is logged with its stack trace and answered as
``INTERNAL_SERVER_ERROR`` with a request id to quote — in every mode, so no traceback or
exception text ever reaches a client. With introspection off, validation messages lose their
"Did you mean ...?" suggestions, which would otherwise spell the schema out.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from ledgergraph.cache import StoreUnavailable
from ledgergraph.errors import LedgerGraphError, ServiceUnavailable
from ledgergraph.security.limits import parse_limit_error

log = logging.getLogger("ledgergraph.errors")
_SUGGESTION = re.compile(r"\s*Did you mean .*\?\s*$", re.DOTALL)


class ErrorCodes(SchemaExtension):
    def __init__(self, *, hide_suggestions: bool = False) -> None:
        self._hide_suggestions = hide_suggestions
        self._raised = False

    def on_operation(self) -> Iterator[None]:
        self._streamed = False
        try:
            yield
        except Exception:
            # Strawberry turns it into the result after the operation hooks have run; the
            # result goes past get_results (below) on its way out.
            self._raised = True
            raise
        if self._streamed:
            return  # every result already went through on_stream_result
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        result.errors = [self._with_code(error) for error in result.errors]

    def get_results(self) -> dict[str, Any]:
        """Code an error raised out of the operation (e.g. a syntax error from the parser
        cache's hook), which never reaches ``on_operation``'s end."""
        errors = self.execution_context.pre_execution_errors
        if self._raised and errors:
            errors[:] = [self._with_code(error) for error in errors]
        return {}

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
            limited = parse_limit_error(error)
            if limited is not None:
                return _rebuild(error, *limited)
            code = (
                "GRAPHQL_PARSE_FAILED"
                if "Syntax Error" in error.message
                else ("GRAPHQL_VALIDATION_FAILED")
            )
            message = error.message
            if self._hide_suggestions:
                message = _SUGGESTION.sub("", message)
            return _rebuild(error, message, {"code": code, **(error.extensions or {})})
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
