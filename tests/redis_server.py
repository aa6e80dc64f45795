"""A throwaway ``redis-server`` for the test session.

Tests never touch a Redis the developer already runs (the one on 6379 is left alone): the
session starts its own on a free loopback port, or uses ``LEDGERGRAPH_TEST_REDIS_URL`` when set.
Nothing is ever flushed; each test works under its own key prefix instead.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

MISSING_REDIS = (
    "The test suite needs a real Redis. Install the `redis-server` package "
    "(Debian/Ubuntu: apt-get install redis-server), or point LEDGERGRAPH_TEST_REDIS_URL "
    "at a Redis the tests may use."
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisProcess:
    """One ``redis-server`` child process that can be stopped and started again on its port."""

    def __init__(
        self,
        port: int | None = None,
        *,
        appendonly: bool = False,
        maxmemory_policy: str = "noeviction",
    ) -> None:
        self.port = port or free_port()
        self.appendonly = appendonly
        self.maxmemory_policy = maxmemory_policy
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._dir = tempfile.mkdtemp(prefix="ledgergraph-redis-")
        self._proc: subprocess.Popen[bytes] | None = None

    def arguments(self) -> list[str]:
        """The server's command-line options (a subclass adds its own)."""
        return [
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "yes" if self.appendonly else "no",
            "--dir",
            self._dir,
            "--maxmemory-policy",
            self.maxmemory_policy,
        ]

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError(MISSING_REDIS)
        self._proc = subprocess.Popen(
            [binary, *self.arguments()], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while not _ping(self.port):
            if self._proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.02)

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): clients time out, as behind a network partition, and
        nothing in memory is lost."""
        assert self._proc is not None
        self._proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self._proc is not None
        self._proc.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.send_signal(signal.SIGCONT)  # a paused server cannot act on SIGTERM
            self._proc.terminate()
            self._proc.wait(timeout=10)
            self._proc = None

    def __enter__(self) -> RedisProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        shutil.rmtree(self._dir, ignore_errors=True)


@contextmanager
def session_redis() -> Iterator[str]:
    """Yield the URL of the Redis the test session may use."""
    url = os.environ.get("LEDGERGRAPH_TEST_REDIS_URL")
    if url:
        yield url
        return
    # Durable like the Redis LedgerGraph asks for in production (see ledgergraph/durability.py).
    with RedisProcess(appendonly=True) as proc:
        yield proc.url
