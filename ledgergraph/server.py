"""The aiohttp application factory.

``await create_app(settings)`` returns a ready app: with no Sage credentials (or
``LEDGERGRAPH_SANDBOX=1``) it first starts the embedded Sage sandbox on its own loopback port
and points every Sage URL at it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack

from aiohttp import web
from strawberry.subscriptions import (
    GRAPHQL_TRANSPORT_WS_PROTOCOL,
    GRAPHQL_WS_PROTOCOL,
    MULTIPART_SUBSCRIPTION_PROTOCOL,
)

from ledgergraph.api import build_schema
from ledgergraph.auth import MAX_TOKEN_LENGTH
from ledgergraph.durability import check_state_store
from ledgergraph.http import (
    admin,
    attachments,
    connect,
    examples,
    graphiql,
    health,
    observability,
    passthrough,
)
from ledgergraph.http.cors import AllowedOrigins, cors_headers, cors_middleware
from ledgergraph.http.graphql import LedgerGraphView
from ledgergraph.http.keys import DEV_TOKEN, RUNTIME, SETTINGS, SOCKETS
from ledgergraph.observability import metrics
from ledgergraph.runtime import Runtime, SageEndpoints, open_runtime
from ledgergraph.sandbox import RunningSandbox, SandboxConfig, serve_sandbox
from ledgergraph.security.redaction import install_log_redaction, register_secret
from ledgergraph.security.wiring import schema_security
from ledgergraph.settings import Settings

log = logging.getLogger(__name__)
MAX_HEADER_BYTES = 2 * MAX_TOKEN_LENGTH + 1024
SANDBOX: web.AppKey[RunningSandbox] = web.AppKey("ledgergraph.sandbox", RunningSandbox)


def sandbox_endpoints(sandbox: RunningSandbox) -> SageEndpoints:
    return SageEndpoints(
        client_id=sandbox.config.client_id,
        client_secret=sandbox.config.client_secret,
        auth_url=sandbox.auth_url,
        token_url=sandbox.token_url,
        revoke_url=sandbox.revoke_url,
        api_url=sandbox.api_url,
    )


async def create_app(
    settings: Settings | None = None,
    *,
    endpoints: SageEndpoints | None = None,
    sandbox_config: SandboxConfig | None = None,
) -> web.Application:
    """Build the app. ``endpoints`` overrides where Sage is (tests point it at a sandbox)."""
    settings = settings or Settings()
    _redact_secrets(settings)
    stack = AsyncExitStack()
    sandbox: RunningSandbox | None = None
    try:
        public_url = settings.public_url or f"http://{settings.host}:{settings.port}"
        if endpoints is None and settings.uses_sandbox:
            config = sandbox_config or SandboxConfig(
                controls=settings.sandbox_controls,
                redirect_uris=(f"{public_url.rstrip('/')}/oauth/sage/callback",),
            )
            sandbox = await stack.enter_async_context(
                serve_sandbox(config, port=settings.sandbox_port)
            )
            endpoints = sandbox_endpoints(sandbox)
        elif endpoints is None:
            endpoints = SageEndpoints.from_settings(settings)
        runtime = await open_runtime(
            settings, endpoints, public_url=public_url, sandbox=sandbox is not None
        )
        stack.push_async_callback(runtime.aclose)
        await check_state_store(settings, runtime.store, runtime.epoch)
    except BaseException:
        await stack.aclose()
        raise

    register_secret(endpoints.client_secret)
    origins = AllowedOrigins.of(settings.cors_origins, loopback=settings.cors_allows_loopback)
    metrics.configure(tenant_labels=settings.metrics_tenant_labels)
    app = web.Application(
        # Outermost: request ids, metrics and the access log see every answer, CORS's too.
        middlewares=[observability.observe, cors_middleware(origins)],
        client_max_size=settings.max_body_bytes,
        # Room for the longest tenant token the authenticator reads (aiohttp's default of
        # 8190 bytes would refuse it first, as plain text): it answers in GraphQL's shape.
        handler_args={"max_field_size": MAX_HEADER_BYTES},
    )
    app.on_response_prepare.append(cors_headers(origins))
    app.on_response_prepare.append(observability.echo_request_id)
    app[SETTINGS] = settings
    app[RUNTIME] = runtime
    app[SOCKETS] = weakref.WeakSet()
    app.on_shutdown.append(_close_sockets)
    if sandbox is not None:
        app[SANDBOX] = sandbox
        if not settings.production and runtime.authenticator.can_mint:
            app[DEV_TOKEN] = runtime.authenticator.mint("demo", ttl=30 * 24 * 3600)
    view = LedgerGraphView(
        schema=build_schema(schema_security(settings)),
        graphql_ide="graphiql" if settings.graphiql_enabled else None,
        # Subscriptions over WebSocket, and over HTTP as multipart/mixed (subscriptionSpec=1.0).
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, MULTIPART_SUBSCRIPTION_PROTOCOL)
        + ((GRAPHQL_WS_PROTOCOL,) if settings.legacy_graphql_ws else ()),
        max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
        origins=origins,
    )
    app.router.add_route("*", "/graphql", view)
    connect.add_routes(app)
    attachments.add_routes(app)
    health.add_routes(app)
    if settings.metrics:
        observability.add_routes(app)
    passthrough.add_routes(app)
    if settings.graphiql_enabled:
        graphiql.add_routes(app)
        examples.add_routes(app)
    if settings.admin_api_key is not None:
        admin.add_routes(app, settings.admin_api_key.get_secret_value())
    app.cleanup_ctx.append(_keep_alive(runtime))
    app.cleanup_ctx.append(_sync(runtime))
    app.on_cleanup.append(lambda _app: stack.aclose())
    return app


# WebSocket close code 1012, "service restart": clients reconnect, to another worker if this
# one is going away, and resume from their last cursor.
SERVICE_RESTART = 1012


async def _close_sockets(app: web.Application) -> None:
    """On shutdown, before in-flight requests are drained: subscriptions would hold the
    drain for its whole grace period, and a client told 1012 reconnects at once."""
    open_sockets: weakref.WeakSet[web.WebSocketResponse] = app[SOCKETS]
    await asyncio.gather(
        *(
            ws.close(code=SERVICE_RESTART, message=b"LedgerGraph is restarting: reconnect")
            for ws in list(open_sockets)
            if not ws.closed
        ),
        return_exceptions=True,
    )


def _redact_secrets(settings: Settings) -> None:
    """Logs never show a secret this process is configured with (nor any token's shape)."""
    install_log_redaction()
    for secret in (
        settings.jwt_secret,
        settings.sage_client_secret,
        settings.admin_api_key,
    ):
        if secret is not None:
            register_secret(secret.get_secret_value())
    if settings.token_encryption_keys is not None:
        for key in settings.token_encryption_keys.get_secret_value().split(","):
            register_secret(key.strip())


def _sync(runtime: Runtime) -> Callable[[web.Application], AsyncIterator[None]]:
    """Sync notifications run with the app; on shutdown polls finish and leases go back."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        await runtime.sync.start()
        yield
        await runtime.sync.aclose()

    return context


def _keep_alive(runtime: Runtime):  # type: ignore[no-untyped-def]
    async def context(app: web.Application):  # type: ignore[no-untyped-def]
        task = asyncio.create_task(_keep_alive_loop(runtime))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return context


async def _keep_alive_loop(runtime: Runtime) -> None:
    settings = runtime.settings
    while True:
        await asyncio.sleep(settings.keepalive_interval)
        try:
            refreshed = await runtime.tokens.keep_alive(settings.keepalive_window)
        except Exception:
            log.exception("keep-alive pass failed")
        else:
            if refreshed:
                log.info("keep-alive refreshed %d connection(s)", refreshed)
