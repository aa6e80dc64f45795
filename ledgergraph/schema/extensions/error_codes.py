"""Give every GraphQL error a stable ``extensions.code`` and never leak internals.

LedgerGraph's own errors carry their code and message; GraphQL syntax and validation errors
get ``GRAPHQL_PARSE_FAILED`` / ``GRAPHQL_VALIDATION_FAILED`` (or the query limit's own code,
e.g. ``QUERY_TOO_LARGE``); a variable whose value does not fit its type ``BAD_USER_INPUT``; an
operation the transport does not run (a mutation over GET) ``OPERATION_NOT_ALLOWED``, an
operation it cannot pick ``BAD_REQUEST``. Anything else is logged with its stack trace and
answered as ``INTERNAL_SERVER_ERROR`` with a request id to quote — in every mode, so no
traceback or exception text ever reaches a client. With introspection off, validation messages
lose their "Did you mean ...?" suggestions, which would otherwise spell the schema out.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError, VariableDefinitionNode
from strawberry.exceptions import MissingQueryError
from strawberry.extensions import SchemaExtension
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError

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
            # Not "nothing was lost": a mutation may have reached Sage before the store failed.
            original = ServiceUnavailable(
                "LedgerGraph's store is unavailable; retry shortly (a mutation: with the same "
                "idempotency key, which is safe)."
            )
        if isinstance(original, LedgerGraphError):
            return _rebuild(error, original.message, dict(original.extensions))
        request_code = request_error_code(error)
        if request_code is not None:
            message = error.message
            if self._hide_suggestions:
                message = _SUGGESTION.sub("", message)
            return _rebuild(error, message, {"code": request_code})
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


# graphql-core's own refusal of variables nested past its recursion limit.
_VARIABLES_TOO_DEEP = "Variable values are nested too deeply."


def request_error_code(error: GraphQLError) -> str | None:
    """The code of a client's request refused before execution for a reason that GraphQL
    reports by wrapping an exception (so it is no parse or validation error); else None."""
    original = error.original_error
    if error.message == _VARIABLES_TOO_DEEP:
        return "BAD_USER_INPUT"
    if isinstance(original, InvalidOperationTypeError):
        return "OPERATION_NOT_ALLOWED"  # e.g. a mutation over GET (multipart subscriptions)
    if isinstance(original, CannotGetOperationTypeError | MissingQueryError):
        return "BAD_REQUEST"
    if (
        error.path is None
        and isinstance(original, GraphQLError)
        and isinstance(next(iter(error.nodes or ()), None), VariableDefinitionNode)
    ):
        # graphql-core refusing a variable's value (wrong type, missing, unknown input field):
        # it points at the variable's definition and wraps the value's own GraphQLError.
        # (Validation errors about variables wrap nothing.)
        return "BAD_USER_INPUT"
    return None


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
