"""A ``read`` API key runs queries and subscriptions only: every mutation it sends is refused
with ``INSUFFICIENT_SCOPE`` before any resolver runs, whatever the transport (HTTP, multipart,
WebSocket). Tenant JWTs and ``write`` keys are not limited."""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from ledgergraph.auth import Principal
from ledgergraph.errors import InsufficientScope


class CredentialScopes(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        principal = getattr(execution.context, "principal", None)
        if (
            execution.operation_type is OperationType.MUTATION
            and isinstance(principal, Principal)
            and not principal.can_write
        ):
            raise InsufficientScope(
                f"This API key ({principal.api_key}) is read-only: mutations need a key with "
                "scope 'write' (ledgergraph api-keys create --scope write).",
                required="write",
            )
        yield
