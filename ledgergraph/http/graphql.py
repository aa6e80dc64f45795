"""``/graphql``: Strawberry's aiohttp view, with tenant authentication and orjson.

HTTP answers follow GraphQL over HTTP: ``application/graphql-response+json`` when the client
accepts it (rather than ``application/json``), and then a request refused before it executed
(a parse, validation or variable-coercion error) is a 400 without ``data``; ``application/json``
answers keep status 200. Subscriptions stream over a WebSocket (graphql-transport-ws; graphql-ws
when enabled) in text frames, or over HTTP as ``multipart/mixed;subscriptionSpec=1.0``; a
subscription in a plain HTTP request is refused with ``STREAMING_TRANSPORT_REQUIRED``. File
uploads are GraphQL multipart requests (``multipart/form-data``), read within limits and only
with a CSRF preflight header (``ledgergraph.http.uploads``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import ClientConnectionResetError, web
from cross_web import AiohttpHTTPRequestAdapter, AsyncHTTPRequestAdapter, FormData, HTTPException
from graphql import GraphQLError, get_operation_ast, parse
from graphql.language.ast import OperationType as OperationKind
from strawberry.aiohttp.views import AiohttpWebSocketAdapter, GraphQLView
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.http.streaming import MultipartSubscriptionTransport
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import MULTIPART_SUBSCRIPTION_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UnsetType

from ledgergraph.auth import Principal
from ledgergraph.errors import LedgerGraphError, Unauthenticated
from ledgergraph.http import graphiql, uploads
from ledgergraph.http.cors import AllowedOrigins
from ledgergraph.http.errors import (
    http_error,
    request_error_status,
    streaming_transport_required,
    transport_error,
)
from ledgergraph.http.keys import DEV_TOKEN, RUNTIME, SETTINGS, SOCKETS
from ledgergraph.resolvers.context import Context
from ledgergraph.runtime import Runtime
from ledgergraph.security.admission import OperationRefused
from ledgergraph.security.text import control_character_message, find_control_character
from ledgergraph.types import TenantId

# -- HTTP: the response media type ----------------------------------------------------------

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"


def response_media_type(accept: str | None) -> str:
    """``application/graphql-response+json`` when the client accepts it at least as much as
    ``application/json``; otherwise (no Accept, ``*/*``, legacy clients) ``application/json``."""
    quality = {GRAPHQL_RESPONSE_JSON: 0.0, JSON: 0.0}
    for part in (accept or "").split(","):
        media, *params = part.split(";")
        media = media.strip().lower()
        if media in quality:
            quality[media] = max(quality[media], _q(params))
    preferred = quality[GRAPHQL_RESPONSE_JSON]
    return GRAPHQL_RESPONSE_JSON if preferred > 0 and preferred >= quality[JSON] else JSON


def _q(params: list[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def _never_executed(response: GraphQLHTTPResponse) -> bool:
    """A document or variables refused before execution: no data, and no error of a field
    (a field's error always has a path)."""
    errors = response.get("errors")
    return (
        response.get("data") is None
        and bool(errors)
        and all(isinstance(e, dict) and "path" not in e for e in errors or ())
    )


class _MultipartTransport(MultipartSubscriptionTransport):
    """Multipart subscriptions (``Accept: multipart/mixed;subscriptionSpec=1.0``). A query or
    mutation sent the same way gets its one result as the stream's one part, rather than a
    refusal: whatever the method allows (mutations never over GET)."""

    def allowed_operation_types(
        self, allowed_operation_types: set[OperationType]
    ) -> Iterable[OperationType]:
        return allowed_operation_types


# -- WebSocket: text frames -------------------------------------------------------------------


class _TextFrames(AiohttpWebSocketAdapter):
    """Sends every message as a text frame: both WebSocket protocols are text, and clients
    (graphql-ws, gql, browsers) refuse or mis-read binary frames. Strawberry's adapter sends
    ``encode_json``'s bytes (orjson) as binary."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_str(orjson.dumps(message).decode())
        except (RuntimeError, ClientConnectionResetError) as exc:
            raise WebSocketDisconnected from exc


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

    def _leave_operation(self) -> None:
        context = _operation_context.get()
        if context is not None:
            context.release()


class _TransportWSHandler(_OperationContexts, BaseGraphQLTransportWSHandler[Context, None]):
    async def run_operation(self, operation: Operation[Context, None]) -> None:
        self._enter_operation()
        try:
            admission = self.context.runtime.admission
            if admission is None or _subscribes(operation.query, operation.operation_name):
                # A subscription runs for as long as it is open: bounded per socket instead.
                await super().run_operation(operation)
                return
            try:
                async with admission.admit(self.context.tenant):
                    await super().run_operation(operation)
            except OperationRefused as exc:
                refusal = GraphQLError(exc.message, extensions=dict(exc.extensions))
                await operation.send_initial_errors([refusal])
        finally:
            self._leave_operation()


def _subscribes(query: str, operation_name: str | None) -> bool:
    """Whether a WebSocket operation is a subscription (one Strawberry will refuse to run
    counts as a query: it is admitted, then refused). Parsed again, bounded, rather than
    remembered: documents are up to a megabyte each."""
    try:
        document = parse(query, max_tokens=MAX_PARSED_TOKENS)
    except GraphQLError:
        return False
    operation = get_operation_ast(document, operation_name)
    return operation is not None and operation.operation is OperationKind.SUBSCRIPTION


# Far past the query limits' default (1,500 tokens): a longer document is refused anyway.
MAX_PARSED_TOKENS = 20_000


class _LegacyWSHandler(_OperationContexts, BaseGraphQLWSHandler[Context, None]):
    async def handle_async_results(
        self,
        operation_id: str,
        query: str,
        operation_name: str | None,
        variables: dict[str, object] | None,
    ) -> None:
        self._enter_operation()
        try:
            await super().handle_async_results(operation_id, query, operation_name, variables)
        finally:
            self._leave_operation()


ANONYMOUS = Principal(tenant=TenantId("anonymous"), claims={})


class _RequestAdapter(AiohttpHTTPRequestAdapter):
    """Reads multipart requests (file uploads) within the configured limits, after the
    request has been authenticated; see ``ledgergraph.http.uploads``."""

    async def get_form_data(self) -> FormData:
        if self._form_data is None:
            settings = self.request.app[SETTINGS]
            self._form_data = await uploads.read_multipart(
                self.request,
                max_file_bytes=settings.attachment_max_bytes,
                max_field_bytes=settings.max_body_bytes,
            )
        return self._form_data


class LedgerGraphView(GraphQLView[Context, None]):
    graphql_transport_ws_handler_class = _TransportWSHandler
    graphql_ws_handler_class = _LegacyWSHandler
    websocket_adapter_class = _TextFrames
    # No graphql-sse: EventSource cannot send the Authorization header every request needs.
    stream_transport_classes_by_protocol = {MULTIPART_SUBSCRIPTION_PROTOCOL: _MultipartTransport}
    request_adapter_class = _RequestAdapter

    def __init__(self, *, origins: AllowedOrigins, **options: Any) -> None:
        # GraphQL multipart requests (uploadAttachment), with a CSRF preflight header.
        super().__init__(multipart_uploads_enabled=True, **options)
        self.origins = origins

    def is_websocket_origin_allowed(self, request: web.Request, origin: str) -> bool:
        # Same rule as CORS for HTTP (the configured list; loopback pages in development).
        return self.origins.permits(origin)

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
            principal = await runtime.authenticate(request.headers.get("Authorization"))
            if runtime.requests is not None:
                await runtime.requests.admit(principal.tenant)
        except LedgerGraphError as exc:
            raise http_error(exc) from exc
        return Context(runtime=runtime, principal=principal, headers=request.headers)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Authenticate a WebSocket: ``connection_init`` payload ``{"Authorization": "Bearer
        <JWT or lgk_ API key>"}``, else the upgrade request's ``Authorization`` header.
        Refused: the socket closes (graphql-transport-ws 4403; graphql-ws: ``connection_error``,
        then close)."""
        if not isinstance(context, SocketContext):
            return await super().on_ws_connect(context)
        params = context.connection_params or {}
        authorization = params.get("Authorization", params.get("authorization"))
        if not isinstance(authorization, str):
            authorization = context.headers.get("Authorization")
        try:
            context.authenticate(await context.runtime.authenticate(authorization))
            if context.runtime.requests is not None:
                await context.runtime.requests.admit(context.tenant)
        except LedgerGraphError as exc:
            raise ConnectionRejectionError(
                {"message": exc.message, "extensions": dict(exc.extensions)}
            ) from exc
        return await super().on_ws_connect(context)

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        media_type = response_media_type(request.headers.get("Accept"))
        try:
            response = await super().__call__(request)
        except web.HTTPRequestEntityTooLarge:
            return transport_error(
                413,
                f"The request body is larger than this server accepts "
                f"({request.app[SETTINGS].max_body_bytes} bytes); send less.",
                media_type,
                code="PAYLOAD_TOO_LARGE",
            )
        except web.HTTPException as refused:
            # Ours (authentication, rate limits, subscriptions without a stream): GraphQL's
            # error shape already, in the media type the client asked for.
            if refused.content_type == JSON:
                refused.content_type = media_type
            raise
        if (
            type(response) is web.Response
            and response.status >= 400
            and response.content_type == "text/plain"
        ):
            # Strawberry's refusals (batches, mutations over GET, bad bodies) in GraphQL's
            # error shape with a stable code, like every other error.
            return transport_error(response.status, response.text or "", media_type)
        return response

    async def get_sub_response(self, request: web.Request) -> web.Response:
        # The negotiated media type travels with the response until create_response.
        return web.Response(
            content_type=response_media_type(request.headers.get("Accept")), charset="utf-8"
        )

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: web.Response,
    ) -> web.Response:
        body: object = response_data
        if (
            sub_response.content_type == GRAPHQL_RESPONSE_JSON
            and isinstance(response_data, dict)
            and _never_executed(response_data)
        ):
            # GraphQL over HTTP: a request that never executed has no data, and a 4xx status.
            body = {k: v for k, v in response_data.items() if k != "data"}
            codes = [_code(e) for e in response_data.get("errors") or ()]
            sub_response.set_status(request_error_status(codes))
        # orjson's bytes as the body: no decoding and re-encoding on the way out.
        sub_response.body = self.encode_json(body)
        return sub_response

    async def execute_single(
        self,
        request: web.Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: web.Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Strawberry's, except that a subscription is refused with a code saying where to send
        it: executed as a plain request it would end in an internal error."""
        found = find_control_character(request_data.variables or {})
        if found is not None:
            # Refused like a value that does not fit its type: before anything runs.
            path, code_point = found
            return ExecutionResult(
                data=None,
                errors=[
                    GraphQLError(
                        f"Variable ${control_character_message(path, code_point)}",
                        extensions={"code": "BAD_USER_INPUT", "retryable": False, "field": path},
                    )
                ],
            )
        method = request_adapter.method
        allowed = OperationType.from_http(method) - {OperationType.SUBSCRIPTION}
        try:
            # At most so many operations of a tenant execute at once on this worker.
            admission = context.runtime.admission
            if admission is None:
                return await self._execute(request_data, context, root_value, allowed)
            async with admission.admit(context.tenant):
                return await self._execute(request_data, context, root_value, allowed)
        except OperationRefused as exc:
            # Refused before it ran (its tenant's queue on this worker is full or too slow).
            raise http_error(exc) from exc
        except InvalidOperationTypeError as exc:
            if exc.operation_type is OperationType.SUBSCRIPTION:
                raise streaming_transport_required() from exc
            raise HTTPException(400, exc.as_http_error_reason(method)) from exc
        except CannotGetOperationTypeError as exc:
            raise HTTPException(400, exc.as_http_error_reason()) from exc
        except MissingQueryError as exc:
            raise HTTPException(400, "No GraphQL query found in the request") from exc
        finally:
            context.release()

    async def _execute(
        self,
        request_data: GraphQLRequestData,
        context: Context,
        root_value: None,
        allowed: set[OperationType],
    ) -> ExecutionResult:
        return await self.schema.execute(
            request_data.query,
            root_value=root_value,
            variable_values=request_data.variables,
            context_value=context,
            operation_name=request_data.operation_name,
            allowed_operation_types=allowed,
            operation_extensions=request_data.extensions,
        )

    def decode_json(self, data: str | bytes) -> object:
        # orjson refuses what the stdlib would turn into a 500 (invalid UTF-8, an unpaired
        # surrogate, nesting past 1,024 levels: a RecursionError later) with a
        # JSONDecodeError, which Strawberry answers with 400.
        parsed = orjson.loads(data)
        # Bodies and messages are objects (or a batch): a bare string, number or null would
        # otherwise end in an unhandled error and a 500. Strawberry answers this one with 400.
        if not isinstance(parsed, dict | list):
            raise json.JSONDecodeError("not a JSON object", str(data)[:20], 0)
        return parsed

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def create_websocket_response(
        self, request: web.Request, subprotocol: str | None
    ) -> web.WebSocketResponse:
        ws = await super().create_websocket_response(request, subprotocol)
        # Shutdown closes these with 1012, so clients reconnect (elsewhere) and resume.
        request.app[SOCKETS].add(ws)
        return ws

    async def render_graphql_ide(self, request: web.Request) -> web.Response:
        html = graphiql.render(self.graphql_ide_html, dev_token=request.app.get(DEV_TOKEN))
        return web.Response(text=html, content_type="text/html")


def _code(error: object) -> str:
    extensions = error.get("extensions") if isinstance(error, dict) else None
    code = extensions.get("code") if isinstance(extensions, dict) else None
    return code if isinstance(code, str) else ""
