"""The ``ledgergraph`` command: ``serve`` (default), ``sandbox``, ``schema``, ``token``,
``connect-link``, ``api-keys``, ``tenants``, ``doctor``."""

from __future__ import annotations

import argparse
import asyncio
import sys
import webbrowser
from collections.abc import Sequence

import pydantic
from aiohttp import web

from ledgergraph import __version__
from ledgergraph.observability.logs import configure_logging
from ledgergraph.settings import Settings

DESCRIPTION = (
    "LedgerGraph: one GraphQL API over Sage Accounting. Without a command it serves; "
    "configuration comes from LEDGERGRAPH_* environment variables or a .env file."
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ledgergraph", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"ledgergraph {__version__}")
    commands = parser.add_subparsers(dest="command")

    serve = commands.add_parser("serve", help="run the GraphQL server (the default)")
    serve.add_argument("--host", help="address to listen on (default LEDGERGRAPH_HOST, 127.0.0.1)")
    serve.add_argument(
        "--port", type=int, help="port to listen on (default LEDGERGRAPH_PORT, 8000)"
    )
    serve.add_argument(
        "--workers",
        type=int,
        help="server processes sharing the port (default LEDGERGRAPH_WORKERS, 1); more than "
        "one needs LEDGERGRAPH_REDIS_URL",
    )
    serve.add_argument("--sandbox", action="store_true", help="embed the Sage sandbox")
    serve.add_argument("--no-browser", action="store_true", help="do not open GraphiQL")

    sandbox = commands.add_parser("sandbox", help="run the Sage Accounting sandbox alone")
    sandbox.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    sandbox.add_argument("--port", type=int, default=8100, help="port to listen on (8100)")
    sandbox.add_argument("--controls", action="store_true", help="enable /__sandbox/ controls")

    commands.add_parser("schema", help="print the GraphQL schema (SDL)")
    from ledgergraph import cli_api_keys, cli_doctor, cli_tenants

    cli_api_keys.add_parser(commands)
    cli_tenants.add_parser(commands)
    cli_doctor.add_parser(commands)

    token = commands.add_parser("token", help="mint a tenant JWT for development")
    token.add_argument("--tenant", required=True, help="the tenant id the token is for")
    token.add_argument("--ttl", type=float, default=3600.0, help="lifetime in seconds")

    link = commands.add_parser(
        "connect-link",
        help="mint a one-time link that connects a tenant to Sage from a browser",
        description="Prints a one-time, short-lived URL: whoever opens it connects the tenant "
        "to Sage. Needs the store the server uses (LEDGERGRAPH_REDIS_URL).",
    )
    link.add_argument("--tenant", required=True, help="the tenant id to connect")
    link.add_argument("--return-url", help="where the browser goes afterwards (allow-listed)")
    link.add_argument(
        "--ttl", type=float, help="lifetime in seconds (default LEDGERGRAPH_CONNECT_LINK_TTL)"
    )

    args = parser.parse_args(argv)
    # Text until ``serve`` knows its settings (LEDGERGRAPH_LOG_FORMAT, json in production).
    configure_logging("text")
    command = args.command or "serve"
    if command == "schema":
        from ledgergraph.api import schema

        print(schema.as_str())
        return 0
    if command == "token":
        return _token(args.tenant, args.ttl)
    if command == "api-keys":
        return cli_api_keys.run(args)
    if command == "tenants":
        return cli_tenants.run(args)
    if command == "doctor":
        return cli_doctor.run(args)
    if command == "connect-link":
        return asyncio.run(_connect_link(args.tenant, args.return_url, args.ttl))
    if command == "sandbox":
        return _sandbox(args.host, args.port, args.controls)
    return _serve(
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
        workers=getattr(args, "workers", None),
        sandbox=getattr(args, "sandbox", False),
        browser=not getattr(args, "no_browser", False),
    )


def _token(tenant: str, ttl: float) -> int:
    from ledgergraph.auth import TenantAuthenticator
    from ledgergraph.dev_secrets import dev_jwt_secret

    settings = Settings()
    if settings.jwt_secret is not None:
        secret = settings.jwt_secret.get_secret_value()
    elif settings.uses_sandbox and not settings.production:
        secret = dev_jwt_secret()
    else:
        print(
            "LEDGERGRAPH_JWT_SECRET is not set: tenant tokens are minted by your app's backend "
            "with that secret (this command needs it too).",
            file=sys.stderr,
        )
        return 2
    # The server checks aud/iss when they are configured: the token must carry them.
    minter = TenantAuthenticator(secret, audience=settings.jwt_audience, issuer=settings.jwt_issuer)
    print(minter.mint(tenant, ttl=ttl))
    return 0


async def _connect_link(tenant: str, return_url: str | None, ttl: float | None) -> int:
    from ledgergraph.auth import TENANT_ID
    from ledgergraph.cache import StoreError
    from ledgergraph.connectors.sage.links import ConnectLinks
    from ledgergraph.errors import LedgerGraphError
    from ledgergraph.runtime import open_for_operator
    from ledgergraph.types import TenantId

    settings = Settings()
    if not settings.redis_url:
        print(
            "LEDGERGRAPH_REDIS_URL is not set: without Redis the server keeps links in its own "
            "memory, which this command cannot reach. Set LEDGERGRAPH_REDIS_URL (as the server "
            "has it), or ask the running server: the createConnectLink mutation, or "
            "POST /admin/tenants/<tenant>/connect-link with LEDGERGRAPH_ADMIN_API_KEY.",
            file=sys.stderr,
        )
        return 2
    if not TENANT_ID.match(tenant):
        print(f"{tenant!r} is not a tenant id.", file=sys.stderr)
        return 2
    try:
        runtime = await open_for_operator(settings)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    try:
        link = await ConnectLinks.of(runtime).create(
            TenantId(tenant), return_url=return_url, ttl=ttl
        )
    except LedgerGraphError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    except StoreError as exc:
        print(
            f"Could not store the link in Redis ({exc}); is LEDGERGRAPH_REDIS_URL right?",
            file=sys.stderr,
        )
        return 1
    finally:
        await runtime.aclose()
    print(link.url)
    print(f"expires {link.expires_at.isoformat()}", file=sys.stderr)
    return 0


def _sandbox(host: str, port: int, controls: bool) -> int:
    import os

    from ledgergraph.sandbox import SandboxConfig, create_sandbox_app

    controls = controls or os.environ.get("LEDGERGRAPH_SANDBOX_CONTROLS", "") in {"1", "true"}
    app = create_sandbox_app(SandboxConfig(controls=controls))
    print(f"Sage Accounting v3.1 sandbox on http://{host}:{port}")
    print(f"  OAuth  http://{host}:{port}/oauth2/auth/central  (client sandbox-client)")
    print(f"  API    http://{host}:{port}/v3.1/")
    if controls:
        print(f"  Controls http://{host}:{port}/__sandbox/")
    web.run_app(app, host=host, port=port, print=None)
    return 0


def _serve(
    *, host: str | None, port: int | None, workers: int | None, sandbox: bool, browser: bool
) -> int:
    from ledgergraph import serving, supervisor
    from ledgergraph.observability.tracing import (
        configure_from_environment as configure_tracing_from_environment,
    )

    overrides: dict[str, object] = {}
    if host:
        overrides["host"] = host
    if port:
        overrides["port"] = port
    if workers is not None:
        overrides["workers"] = workers
    if sandbox:
        overrides["sandbox"] = True
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except pydantic.ValidationError as exc:
        print(f"ledgergraph: {serving.settings_error(exc)}", file=sys.stderr)
        return serving.CONFIGURATION_ERROR
    configure_logging(settings.effective_log_format, settings.log_level)
    configure_tracing_from_environment()

    if settings.workers > 1:

        def announce(port: int, sandbox_url: str | None, first: supervisor.Ready) -> None:
            _banner(
                settings,
                port=port,
                sandbox_url=sandbox_url,
                business=first.business,
                dev_token=first.dev_token,
                browser=browser,
            )

        return supervisor.run(settings, announce)

    async def started(app: web.Application) -> None:
        from ledgergraph.demo import connect_demo_tenant
        from ledgergraph.http.keys import DEV_TOKEN, RUNTIME
        from ledgergraph.server import SANDBOX

        sandbox_url = business = None
        if SANDBOX in app:
            sandbox_url = app[SANDBOX].url
            connection = await connect_demo_tenant(app[RUNTIME])
            business = connection.business.name if connection.business else "?"
        _banner(
            settings,
            port=settings.port,
            sandbox_url=sandbox_url,
            business=business,
            dev_token=app.get(DEV_TOKEN),
            browser=browser,
        )

    return serving.run(settings, started)


def _banner(
    settings: Settings,
    *,
    port: int,
    sandbox_url: str | None,
    business: str | None,
    dev_token: str | None,
    browser: bool,
) -> None:
    base = f"http://{settings.host}:{port}"
    workers = f"  ({settings.workers} workers)" if settings.workers > 1 else ""
    print(f"LedgerGraph GraphQL    {base}/graphql{workers}")
    if settings.graphiql_enabled:
        print(f"GraphiQL               {base}/graphql (in a browser)")
        print(f"Example app            {base}/examples/")
    if sandbox_url is not None:
        print(f"Sage sandbox           {sandbox_url}  (controls at /__sandbox/)")
        print(f"Demo tenant 'demo'     connected to {business}")
        if dev_token is not None:
            print(f"Dev token (demo)       {dev_token}")
    # Whoever waits for the banner (a script, a test) sees all of it at once.
    sys.stdout.flush()
    if browser and settings.graphiql_enabled:
        webbrowser.open(f"{base}/graphql")


if __name__ == "__main__":
    sys.exit(main())
