"""Running the server as a process: start, serve until SIGTERM or SIGINT, stop gracefully.

Stopping, in order: stop accepting connections; close WebSockets with 1012 (service restart)
so subscribers reconnect, to another worker, and resume from their cursor; let in-flight
requests finish within ``LEDGERGRAPH_SHUTDOWN_GRACE`` seconds; release sync leases and close
the store. Both signals exit 0 without a traceback. A configuration that cannot work is one
line on stderr naming the setting, and exit code 2.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import os
import signal
import sys
from collections.abc import Awaitable, Callable

import pydantic
from aiohttp import web

from ledgergraph.errors import LedgerGraphError, StartupError
from ledgergraph.observability import metrics
from ledgergraph.settings import Settings

CONFIGURATION_ERROR = 2

Started = Callable[[web.Application], Awaitable[None]]


def run(settings: Settings, started: Started) -> int:
    """Serve until a stop signal; the exit code (0, or 2 for a configuration error)."""
    try:
        asyncio.run(_serve(settings, started))
    except StartupProblem as problem:
        print(f"ledgergraph: {problem}", file=sys.stderr)
        return CONFIGURATION_ERROR
    return 0


class StartupProblem(Exception):
    """Why the server could not start, in one line."""


def describe(error: BaseException, settings: Settings) -> str | None:
    """One line for a start-up failure that is the configuration's, else None."""
    if isinstance(error, StartupError):
        return str(error)
    if isinstance(error, LedgerGraphError):  # e.g. unusable token encryption keys
        return error.message
    if isinstance(error, pydantic.ValidationError):
        return settings_error(error)
    if isinstance(error, OSError) and error.errno == errno.EADDRINUSE:
        return (
            f"{settings.host}:{settings.port} is already in use: stop what listens there, or "
            "choose another port (--port or LEDGERGRAPH_PORT)."
        )
    if isinstance(error, ValueError):
        return str(error).splitlines()[0] if str(error) else type(error).__name__
    return None


def settings_error(error: pydantic.ValidationError) -> str:
    first = error.errors()[0]
    name = "_".join(str(part) for part in first["loc"]).upper()
    return f"LEDGERGRAPH_{name}: {first['msg']}."


async def _serve(settings: Settings, started: Started) -> None:
    from ledgergraph.server import create_app

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    runner: web.AppRunner | None = None
    try:
        app = await create_app(settings)
        # access_log=None: LedgerGraph writes its own (ledgergraph.access: request id, tenant,
        # operation, latency, Sage calls).
        runner = web.AppRunner(app, shutdown_timeout=settings.shutdown_grace, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, settings.host, settings.port).start()
        await started(app)
        # What start-up built (modules, the schema, settings, pools) lives as long as the
        # process: frozen, the collector's full passes no longer walk it on every request.
        gc.collect()
        gc.freeze()
    except Exception as exc:
        line = describe(exc, settings)
        if runner is not None:
            with contextlib.suppress(Exception):
                await runner.cleanup()
        if line is None:
            raise
        raise StartupProblem(line) from None
    await stop.wait()
    await runner.cleanup()
    metrics.process_exited(os.getpid())
