"""One worker of ``ledgergraph serve --workers N``, started by ``ledgergraph.supervisor``:
``python -m ledgergraph.worker --link FD [--sandbox] [--demo]``.

It is the same server as ``ledgergraph serve`` with one worker, configured by the environment
the supervisor gives it, except that it shares the port (SO_REUSEPORT), says on its link to
the supervisor when it serves, and stops when that link closes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import sys
from collections.abc import Sequence

import pydantic
from aiohttp import web

from ledgergraph import serving
from ledgergraph.observability.logs import configure_logging
from ledgergraph.settings import Settings

DEV_TOKEN_TTL = 30 * 24 * 3600.0
GO = b"g"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ledgergraph.worker", description=__doc__)
    parser.add_argument("--link", type=int, required=True, help="the supervisor's socket (fd)")
    parser.add_argument("--sandbox", action="store_true", help="Sage is the embedded sandbox")
    parser.add_argument("--demo", action="store_true", help="connect the demo tenant")
    parser.add_argument(
        "--after-first", action="store_true", help="start serving once told to on the link"
    )
    args = parser.parse_args(argv)
    link = socket.socket(fileno=args.link)
    configure_logging("text")
    try:
        settings = Settings()
    except pydantic.ValidationError as exc:
        print(f"ledgergraph: {serving.settings_error(exc)}", file=sys.stderr)
        return serving.CONFIGURATION_ERROR
    configure_logging(settings.effective_log_format, settings.log_level)
    from ledgergraph.observability.tracing import configure_from_environment

    configure_from_environment()
    if args.after_first:
        # Import while the first worker starts, then wait for its go-ahead: it has checked the
        # configuration (a problem is reported once, by it) and connected the demo tenant.
        import ledgergraph.server  # noqa: F401

        if link.recv(1) != GO:
            return 0

    def prepare(app: web.Application) -> None:
        from ledgergraph.http.keys import DEV_TOKEN, RUNTIME

        # GraphiQL and the example app fill in a demo token, as with one sandbox server.
        authenticator = app[RUNTIME].authenticator
        if args.sandbox and not settings.production and authenticator.can_mint:
            app[DEV_TOKEN] = authenticator.mint("demo", ttl=DEV_TOKEN_TTL)

    async def started(app: web.Application) -> None:
        from ledgergraph.http.keys import DEV_TOKEN, RUNTIME

        report: dict[str, object] = {"pid": os.getpid()}
        if args.demo:
            from ledgergraph.demo import connect_demo_tenant

            connection = await connect_demo_tenant(app[RUNTIME])
            report["business"] = connection.business.name if connection.business else "?"
            dev_token: str | None = app.get(DEV_TOKEN)
            report["dev_token"] = dev_token
        await asyncio.get_running_loop().sock_sendall(link, json.dumps(report).encode() + b"\n")

    return serving.run(settings, started, prepare=prepare, worker=link)


if __name__ == "__main__":
    sys.exit(main())
