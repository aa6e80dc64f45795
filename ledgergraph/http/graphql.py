"""``/graphql``: Strawberry's aiohttp view, with tenant authentication and orjson."""

from __future__ import annotations

import json
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass

import orjson
from aiohttp import web
from strawberry.aiohttp.views import GraphQLView
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.types.unset import UnsetType

from ledgergraph.auth import Principal
from ledgergraph.errors import LedgerGraphError, Unauthenticated
from ledgergraph.http import graphiql
from ledgergraph.http.errors import http_error, transport_error
from ledgergraph.http.keys import DEV_TOKEN, RUNTIME
from ledgergraph.resolvers.context import Context
from ledgergraph.runtime import Runtime
from ledgergraph.types import TenantId

# -- WebSocket: one context per socket for the handshake, one per operation for the rest ------


@dataclass(slots=True)
class SocketContext(Context):
    """What Strawberry keeps per WebSocket: who authenticated in connection_init.

    Operations never run with it: each gets its own ``Context`` (``for_operation``), so
    dataloaders and per-request state never live as long as the socket.
    """

    # Strawberry stores the connection_init payload here.
    connection_params: dict[str, object] | None = None
    authenticated: bool = False

    @classmethod
    def unauthenticated(cls, runtime: Runtime, headers: Mapping[str, str]) -> SocketContext:
        return cls(runtime=runtime, principal=_NOBODY, headers=headers)

    def authenticate(self, principal: Principal) -> None:
        self.principal = principal
        self.authenticated = True

    @property
    def tenant(self) -> TenantId:
        if not self.authenticated:
            raise Unauthenticated("Authenticate the WebSocket in connection_init first.")
        return self.principal.tenant

    def for_operation(self) -> Context:
        if not self.authenticated:
            raise Unauthenticated("Authenticate the WebSocket in connection_init first.")
        return Context(runtime=self.runtime, principal=self.principal, headers=self.headers)


# Stands in until connection_init; no operation runs before the connection is acknowledged.
_NOBODY = Principal(tenant=TenantId(""), claims={})
# The context of the WebSocket operation running in the current task.
_operation_context: ContextVar[Context | None] = ContextVar(
    "ledgergraph_ws_operation_context", default=None
)


class _OperationContexts:
    """Makes a Strawberry WebSocket handler run each operation with a context of its own.

    The handlers read ``self.context`` when an operation's task starts; inside that task it is
    the operation's context, everywhere else the socket's.
    """

    _socket_context: SocketContext

    @property
    def context(self) -> Context:
        return _operation_context.get() or self._socket_context

    @context.setter
    def context(self, value: Context) -> None:
        assert isinstance(value, SocketContext)
        self._socket_context = value

    def _enter_operation(self) -> None:
        # Runs first thing in the operation's own task, whose context variables are its own.
        _operation_context.set(self._socket_context.for_operation())


class _TransportWSHandler(_OperationContexts, BaseGraphQLTransportWSHandler[Context, None]):
    async def run_operation(self, operation: Operation[Context, None]) -> None:
        self._enter_operation()
        await super().run_operation(operation)


class _LegacyWSHandler(_OperationContexts, BaseGraphQLWSHandler[Context, None]):
    async def handle_async_results(
        self,
        operation_id: str,
        query: str,
        operation_name: str | None,
        variables: dict[str, object] | None,
    ) -> None:
        self._enter_operation()
        await super().handle_async_results(operation_id, query, operation_name, variables)


ANONYMOUS = Principal(tenant=TenantId("anonymous"), claims={})


class LedgerGraphView(GraphQLView[Context, None]):
    graphql_transport_ws_handler_class = _TransportWSHandler
    graphql_ws_handler_class = _LegacyWSHandler

    async def get_context(self, request: web.Request, response: web.StreamResponse) -> Context:
        runtime = request.app[RUNTIME]
        if isinstance(response, web.WebSocketResponse):
            # Authenticated by connection_init (see on_ws_connect), not by the upgrade alone.
            return SocketContext.unauthenticated(runtime, request.headers)
        if self.should_render_graphql_ide(self.request_adapter_class(request)):
            # Strawberry asks for a context before it renders the GraphiQL page; the page
            # itself runs nothing, and every query GraphiQL sends is authenticated.
            return Context(runtime=runtime, principal=ANONYMOUS, headers=request.headers)
        try:
            principal = runtime.authenticator.authenticate(request.headers.get("Authorization"))
            if runtime.requests is not None:
                await runtime.requests.admit(principal.tenant)
        except LedgerGraphError as exc:
            raise http_error(exc) from exc
        return Context(runtime=runtime, principal=principal, headers=request.headers)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Authenticate a WebSocket: ``connection_init`` payload ``{"Authorization": "Bearer
        <JWT>"}``, else the upgrade request's ``Authorization`` header. Refused: the socket
        closes (graphql-transport-ws 4403; graphql-ws: ``connection_error``, then close)."""
        if not isinstance(context, SocketContext):
            return await super().on_ws_connect(context)
        params = context.connection_params or {}
        authorization = params.get("Authorization", params.get("authorization"))
        if not isinstance(authorization, str):
            authorization = context.headers.get("Authorization")
        try:
            context.authenticate(context.runtime.authenticator.authenticate(authorization))
            if context.runtime.requests is not None:
                await context.runtime.requests.admit(context.tenant)
        except LedgerGraphError as exc:
            raise ConnectionRejectionError(
                {"message": exc.message, "extensions": dict(exc.extensions)}
            ) from exc
        return await super().on_ws_connect(context)

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        response = await super().__call__(request)
        if (
            type(response) is web.Response
            and response.status >= 400
            and response.content_type == "text/plain"
        ):
            # Strawberry's refusals (batches, mutations over GET, bad bodies) in GraphQL's
            # error shape with a stable code, like every other error.
            return transport_error(response.status, response.text or "")
        return response

    def decode_json(self, data: str | bytes) -> object:
        parsed = super().decode_json(data)
        # Bodies and messages are objects (or a batch): a bare string, number or null would
        # otherwise end in an unhandled error and a 500. Strawberry answers this one with 400.
        if not isinstance(parsed, dict | list):
            raise json.JSONDecodeError("not a JSON object", str(data)[:20], 0)
        return parsed

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def render_graphql_ide(self, request: web.Request) -> web.Response:
        html = graphiql.render(self.graphql_ide_html, dev_token=request.app.get(DEV_TOKEN))
        return web.Response(text=html, content_type="text/html")
