"""``ledgergraph serve --workers N``: N server processes on one port under one supervisor.

Each worker is a whole server (``ledgergraph.serving``, started by ``ledgergraph.worker``)
listening on the same port with SO_REUSEPORT, so the kernel spreads new connections over
them. Workers share nothing but Redis, which is why more than one needs
``LEDGERGRAPH_REDIS_URL``: with the in-memory store each would keep its own tenants, tokens and
caches. The supervisor

- reserves the port first with a bound, never listening SO_REUSEPORT socket: port 0 becomes a
  real port every worker joins, and a port in use is one line before any worker starts;
- starts the embedded sandbox (no Sage credentials) once and points every worker at it, with
  one development token-encryption key for all (a key per worker could not read the
  others' tokens);
- gives the workers one directory for prometheus_client's multiprocess mode, so ``/metrics``
  on any worker answers for all of them, and removes it at exit;
- starts worker 0 alone first (it runs the start-up checks and connects the demo tenant, so a
  configuration error is reported once), then the others, and prints one banner;
- replaces a worker that dies (waiting longer each time one dies young), turns SIGTERM and
  SIGINT into a SIGTERM for each worker's graceful shutdown, and exits 0 when every worker
  exited cleanly.

Each worker holds one end of a socket pair whose other end the supervisor keeps: the worker
says on it that it is ready, and stops gracefully when it closes, so a supervisor killed
outright leaves no workers behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet

from ledgergraph.observability import metrics
from ledgergraph.serving import CONFIGURATION_ERROR, describe
from ledgergraph.settings import Settings

log = logging.getLogger(__name__)

GO = b"g"  # to a worker started with --after-first: worker 0 serves, go on
# A worker imports the package, opens its stores and checks Redis before it says it is ready.
READY_TIMEOUT = 120.0
# A worker that dies sooner than this after starting is replaced after a growing delay.
YOUNG = 10.0
MAX_RESTART_DELAY = 10.0
# Past its shutdown grace, how long a worker may take to close its stores and exit.
EXIT_MARGIN = 10.0


@dataclass(frozen=True, slots=True)
class Ready:
    """What a worker reports once it serves: worker 0 also the demo tenant's business and a
    development token, when it runs on the embedded sandbox."""

    pid: int
    business: str | None = None
    dev_token: str | None = None


# Called once every worker serves: (port, embedded sandbox URL or None, worker 0's report).
Announce = Callable[[int, "str | None", Ready], None]


class WorkerFailed(Exception):
    """A worker exited before it was ready."""

    def __init__(self, code: int) -> None:
        super().__init__(f"a worker exited with {code} before it was ready")
        self.code = code


class Stopped(Exception):
    """A stop signal came while workers were starting."""


@dataclass(slots=True)
class Worker:
    index: int
    process: asyncio.subprocess.Process
    reports: asyncio.StreamReader  # what the worker says: that it serves
    link: asyncio.StreamWriter  # the supervisor's end; closing it stops the worker
    started: float

    @property
    def pid(self) -> int:
        return self.process.pid


def run(settings: Settings, announce: Announce) -> int:
    """Supervise ``settings.workers`` workers until a stop signal; the exit code."""
    if not settings.redis_url:
        print(
            f"ledgergraph: {settings.workers} workers need LEDGERGRAPH_REDIS_URL: with the "
            "in-memory store each worker would keep its own tenants, tokens and caches. Set "
            "LEDGERGRAPH_REDIS_URL, or serve with one worker.",
            file=sys.stderr,
        )
        return CONFIGURATION_ERROR
    try:
        reserved = reserve_port(settings.host, settings.port)
    except OSError as exc:
        print(f"ledgergraph: {describe(exc, settings) or exc}", file=sys.stderr)
        return CONFIGURATION_ERROR
    directory = tempfile.mkdtemp(prefix="ledgergraph-metrics-")
    try:
        with reserved:
            port = reserved.getsockname()[1]
            return asyncio.run(Supervisor(settings, port, directory).run(announce))
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def reserve_port(host: str, port: int) -> socket.socket:
    """A socket bound to (host, port) with SO_REUSEPORT that never listens: it holds the port
    for the workers (who bind it too) and never receives a connection itself."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
    except BaseException:
        sock.close()
        raise
    return sock


class Supervisor:
    def __init__(self, settings: Settings, port: int, directory: str) -> None:
        self.settings = settings
        self.port = port
        self.directory = directory
        self.env = dict(os.environ) | {
            "LEDGERGRAPH_HOST": settings.host,
            "LEDGERGRAPH_PORT": str(port),
            "LEDGERGRAPH_WORKERS": "1",
            metrics.MULTIPROC_DIR_VARIABLE: directory,
        }
        self.sandbox = False
        self.workers: dict[int, Worker] = {}
        self.stop = asyncio.Event()

    async def run(self, announce: Announce) -> int:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.stop.set)
        async with AsyncExitStack() as stack:
            sandbox_url = None
            if self.settings.uses_sandbox:
                try:
                    sandbox_url = await self._start_sandbox(stack)
                except OSError as exc:
                    print(
                        f"ledgergraph: the embedded sandbox could not listen on port "
                        f"{self.settings.sandbox_port} (LEDGERGRAPH_SANDBOX_PORT): {exc.strerror}",
                        file=sys.stderr,
                    )
                    return CONFIGURATION_ERROR
            try:
                # The others import meanwhile, and wait for worker 0 before they go on.
                zero = await self._spawn(0, demo=self.sandbox)
                others = [
                    await self._spawn(i, after_first=True) for i in range(1, self.settings.workers)
                ]
                first = await self._ready(zero)
                for worker in others:
                    worker.link.write(GO)
                await asyncio.gather(*(self._ready(worker) for worker in others))
            except WorkerFailed as failed:
                await self._stop_all()
                return failed.code if failed.code > 0 else 1
            except Stopped:
                return await self._stop_all()
            announce(self.port, sandbox_url, first)
            await self._supervise()
            return await self._stop_all()
        raise AssertionError("unreachable")  # pragma: no cover

    async def _start_sandbox(self, stack: AsyncExitStack) -> str:
        """The embedded sandbox, once for every worker, and what the workers need to use it."""
        from ledgergraph.dev_secrets import dev_jwt_secret
        from ledgergraph.sandbox import SandboxConfig, serve_sandbox

        settings = self.settings
        public_url = settings.public_url or f"http://{settings.host}:{self.port}"
        config = SandboxConfig(
            controls=settings.sandbox_controls,
            redirect_uris=(f"{public_url.rstrip('/')}/oauth/sage/callback",),
        )
        sandbox = await stack.enter_async_context(serve_sandbox(config, port=settings.sandbox_port))
        self.sandbox = True
        self.env |= {
            "LEDGERGRAPH_SANDBOX": "false",
            "LEDGERGRAPH_PUBLIC_URL": public_url,
            "LEDGERGRAPH_SAGE_CLIENT_ID": sandbox.config.client_id,
            "LEDGERGRAPH_SAGE_CLIENT_SECRET": sandbox.config.client_secret,
            "LEDGERGRAPH_SAGE_AUTH_URL": sandbox.auth_url,
            "LEDGERGRAPH_SAGE_TOKEN_URL": sandbox.token_url,
            "LEDGERGRAPH_SAGE_REVOKE_URL": sandbox.revoke_url,
            "LEDGERGRAPH_SAGE_API_URL": sandbox.api_url,
        }
        # What a single sandbox-mode server would generate for itself must be the same in
        # every worker (production requires both to be configured, as without workers).
        if not settings.production:
            public_keys = settings.jwt_public_key or settings.jwt_jwks_file
            if settings.jwt_secret is None and not public_keys:
                self.env["LEDGERGRAPH_JWT_SECRET"] = dev_jwt_secret()
            if settings.token_encryption_keys is None:
                log.warning(
                    "No LEDGERGRAPH_TOKEN_ENCRYPTION_KEYS set: using a generated key for these "
                    "workers only (sandbox mode). Stored connections will not survive a restart."
                )
                self.env["LEDGERGRAPH_TOKEN_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
        return sandbox.url

    async def _start(self, index: int) -> Ready:
        """Start worker ``index`` and wait until it serves."""
        return await self._ready(await self._spawn(index))

    async def _spawn(self, index: int, *, after_first: bool = False, demo: bool = False) -> Worker:
        mine, theirs = socket.socketpair()
        command = [sys.executable, "-m", "ledgergraph.worker", "--link", str(theirs.fileno())]
        if after_first:
            command.append("--after-first")
        if self.sandbox:
            command.append("--sandbox")
        if demo:
            command.append("--demo")
        try:
            process = await asyncio.create_subprocess_exec(
                *command,
                env=self.env,
                pass_fds=(theirs.fileno(),),
                # Its own session: a terminal's Ctrl-C reaches the supervisor alone, which
                # stops the workers in order; and where the kernel shares CPU between
                # sessions (autogroup), each worker gets a share, as a server of its own would.
                start_new_session=True,
            )
        except BaseException:
            mine.close()
            raise
        finally:
            theirs.close()
        reader, writer = await asyncio.open_unix_connection(sock=mine)
        worker = Worker(index, process, reader, writer, time.monotonic())
        self.workers[index] = worker
        return worker

    async def _ready(self, worker: Worker) -> Ready:
        """Until ``worker`` says it serves; WorkerFailed if it exits first."""
        process = worker.process
        try:
            line = await self._first_of(worker.reports.readline(), process.wait())
        except TimeoutError:
            log.error("worker %d did not become ready in %g s: killed", worker.index, READY_TIMEOUT)
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            line = b""
        if not line:  # it exited, or is exiting (its link closed)
            code = await process.wait()
            self._forget(worker)
            raise WorkerFailed(code)
        report = json.loads(line)
        return Ready(int(report["pid"]), report.get("business"), report.get("dev_token"))

    async def _first_of(self, ready: Awaitable[bytes], exited: Awaitable[int]) -> bytes:
        """The worker's ready line, or b"" if it exited first; Stopped on a stop signal,
        TimeoutError if none of that happens in time."""
        line = asyncio.ensure_future(ready)
        tasks: list[asyncio.Future[Any]] = [
            line,
            asyncio.ensure_future(exited),
            asyncio.ensure_future(self.stop.wait()),
        ]
        try:
            done, _ = await asyncio.wait(
                tasks, timeout=READY_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for task in tasks:
                task.cancel()
        if line in done and line.result():
            return line.result()
        if tasks[2] in done:
            raise Stopped
        if not done:
            raise TimeoutError
        return b""

    async def _supervise(self) -> None:
        """Until a stop signal: replace each worker that exits."""
        delays: dict[int, float] = {}
        stopping = asyncio.ensure_future(self.stop.wait())
        try:
            while not self.stop.is_set():
                exits = {
                    asyncio.ensure_future(worker.process.wait()): worker
                    for worker in self.workers.values()
                }
                done, pending = await asyncio.wait(
                    [*exits, stopping], return_when=asyncio.FIRST_COMPLETED
                )
                for task in pending:
                    if task is not stopping:
                        task.cancel()
                for task in done:
                    if task is stopping:
                        continue
                    worker = exits[task]
                    self._forget(worker)
                    lived = time.monotonic() - worker.started
                    delay = (
                        0.0
                        if lived >= YOUNG
                        else min(max(0.5, 2 * delays.get(worker.index, 0.0)), MAX_RESTART_DELAY)
                    )
                    delays[worker.index] = delay
                    log.warning(
                        "worker %d (pid %d) exited with %s after %.1f s: starting another%s",
                        worker.index,
                        worker.pid,
                        task.result(),
                        lived,
                        f" in {delay:g} s" if delay else "",
                    )
                    await self._replace(worker.index, delay)
        finally:
            stopping.cancel()

    async def _replace(self, index: int, delay: float) -> None:
        while not self.stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), delay)
                return
            try:
                ready = await self._start(index)
            except Stopped:
                return
            except WorkerFailed as failed:
                delay = min(max(0.5, 2 * delay), MAX_RESTART_DELAY)
                log.warning("worker %d exited with %d while starting", index, failed.code)
                continue
            log.info("worker %d serves again (pid %d)", index, ready.pid)
            return

    async def _stop_all(self) -> int:
        """SIGTERM every worker, wait for each to finish; 0 if all exited cleanly."""
        workers = list(self.workers.values())
        for worker in workers:
            with contextlib.suppress(ProcessLookupError):
                worker.process.send_signal(signal.SIGTERM)
        waited = asyncio.gather(*(worker.process.wait() for worker in workers))
        clean = True
        try:
            codes = await asyncio.wait_for(
                waited, timeout=self.settings.shutdown_grace + EXIT_MARGIN
            )
        except TimeoutError:
            clean = False
            for worker in workers:
                if worker.process.returncode is None:
                    log.error("worker %d (pid %d) did not stop: killed", worker.index, worker.pid)
                    with contextlib.suppress(ProcessLookupError):
                        worker.process.kill()
            codes = [await worker.process.wait() for worker in workers]
        for worker, code in zip(workers, codes, strict=True):
            # -SIGTERM: stopped while starting, before it could handle the signal.
            if code not in (0, -signal.SIGTERM):
                clean = False
                log.error("worker %d (pid %d) exited with %d", worker.index, worker.pid, code)
            self._forget(worker)
        return 0 if clean else 1

    def _forget(self, worker: Worker) -> None:
        """A worker that exited: its live gauges go, its counters stay in the sums."""
        if self.workers.get(worker.index) is worker:
            del self.workers[worker.index]
        worker.link.close()
        metrics.process_exited(worker.pid, self.directory)
