"""Running the server as a process: start, serve until SIGTERM or SIGINT, stop gracefully.

Stopping, in order: stop accepting connections; close WebSockets with 1012 (service restart)
so subscribers reconnect, to another worker, and resume from their cursor; let in-flight
requests finish within ``LEDGERGRAPH_SHUTDOWN_GRACE`` seconds; release sync leases and close
the store. Both signals exit 0 without a traceback. A configuration that cannot work is one
line on stderr naming the setting, and exit code 2.

With ``--workers N`` each worker runs this, started by ``ledgergraph.supervisor`` (through
``ledgergraph.worker``).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import os
import signal
import socket
import sys
import time
from collections.abc import Awaitable, Callable

import pydantic
from aiohttp import web

from ledgergraph.errors import LedgerGraphError, StartupError
from ledgergraph.observability import metrics
from ledgergraph.settings import Settings

CONFIGURATION_ERROR = 2
# Allocations (less deallocations) between two young garbage collections (Python's default 700).
YOUNG_COLLECTION_AFTER = 20_000

Started = Callable[[web.Application], Awaitable[None]]
Prepare = Callable[[web.Application], None]


def run(
    settings: Settings,
    started: Started,
    *,
    prepare: Prepare | None = None,
    worker: socket.socket | None = None,
) -> int:
    """Serve until a stop signal; the exit code (0, or 2 for a configuration error).

    ``prepare`` may add to the app before it is frozen. ``worker``: this process is one of
    ``--workers`` (``ledgergraph.supervisor``): it shares the port with its siblings
    (SO_REUSEPORT) and stops as on SIGTERM when that link to its supervisor closes, so no
    worker outlives a supervisor that was killed outright."""
    try:
        asyncio.run(_serve(settings, started, prepare, worker))
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


async def _serve(
    settings: Settings, started: Started, prepare: Prepare | None, worker: socket.socket | None
) -> None:
    from ledgergraph.server import create_app

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    if worker is not None:
        _stop_when_closed(loop, worker, stop)
    runner: web.AppRunner | None = None
    try:
        app = await create_app(settings)
        if prepare is not None:
            prepare(app)
        # access_log=None: LedgerGraph writes its own (ledgergraph.access: request id, tenant,
        # operation, latency, Sage calls).
        runner = web.AppRunner(app, shutdown_timeout=settings.shutdown_grace, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, settings.host, settings.port, reuse_port=worker is not None)
        await site.start()
        metrics.WORKER_STARTED.set(time.time())
        await started(app)
        # What start-up built (modules, the schema, settings, pools) lives as long as the
        # process: frozen, the collector's full passes no longer walk it on every request.
        gc.collect()
        gc.freeze()
        # A request allocates tens of thousands of objects (decoded pages, mapped objects, the
        # answer), nearly all freed by reference counting when it ends: at the default 700 the
        # collector ran ~70 young passes per cold request and promoted live request data into
        # full passes (issue 12: GC was a quarter of a cold request's CPU).
        gc.set_threshold(YOUNG_COLLECTION_AFTER, *gc.get_threshold()[1:])
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


def _stop_when_closed(
    loop: asyncio.AbstractEventLoop, link: socket.socket, stop: asyncio.Event
) -> None:
    """Stop when the supervisor's end of ``link`` closes (it exited, or was killed)."""
    link.setblocking(False)

    def readable() -> None:
        try:
            data = link.recv(64)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            loop.remove_reader(link.fileno())
            stop.set()

    loop.add_reader(link.fileno(), readable)
