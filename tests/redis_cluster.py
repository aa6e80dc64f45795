"""A throwaway 3-master Redis Cluster for the test session, built from ``redis-server``
processes like ``tests/redis_server.py`` builds one Redis.

Started only when a test asks for it (``redis_cluster_url``), or taken from
``LEDGERGRAPH_TEST_REDIS_CLUSTER_URL`` when set. Durable like production asks (AOF, noeviction).
"""

from __future__ import annotations

import os
import shutil
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from tests.redis_server import RedisProcess, free_port

SLOTS = 16384


def _command(port: int, *args: str) -> bytes:
    """One command in RESP over a plain socket (no redis-cli needed)."""
    payload = f"*{len(args)}\r\n".encode() + b"".join(
        f"${len(arg.encode())}\r\n{arg}\r\n".encode() for arg in args
    )
    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        sock.sendall(payload)
        reply = b""
        sock.settimeout(0.5)
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            reply += chunk
            if reply.endswith(b"\r\n") and not reply.startswith(b"$"):
                break
            if reply.startswith(b"$") and _bulk_complete(reply):
                break
        return reply


def _bulk_complete(reply: bytes) -> bool:
    header, _, rest = reply.partition(b"\r\n")
    length = int(header[1:])
    return length < 0 or len(rest) >= length + 2


class ClusterNodeProcess(RedisProcess):
    """One ``redis-server`` in cluster mode, its nodes.conf and AOF in a directory of its own,
    so that it can be stopped and started again as the same node."""

    def __init__(self) -> None:
        super().__init__(appendonly=True)
        self.bus_port = free_port()

    def arguments(self) -> list[str]:
        return [
            *super().arguments(),
            "--cluster-port",
            str(self.bus_port),
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            "nodes.conf",
            "--cluster-node-timeout",
            "2000",
        ]

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self._dir, ignore_errors=True)


class RedisClusterProcesses:
    """Three masters, no replicas, every slot assigned, ``cluster_state:ok`` on each node."""

    def __init__(self, masters: int = 3) -> None:
        self.nodes = [ClusterNodeProcess() for _ in range(masters)]

    @property
    def url(self) -> str:
        first, *others = self.nodes
        seeds = "".join(f"&addr=127.0.0.1:{node.port}" for node in others)
        return f"redis://127.0.0.1:{first.port}/0?cluster=1{seeds}"

    def start(self) -> None:
        for node in self.nodes:
            node.start()
        # By hand rather than ``redis-cli --cluster create``: the same steps, one program less.
        share = SLOTS // len(self.nodes)
        for index, node in enumerate(self.nodes):
            last = SLOTS - 1 if index == len(self.nodes) - 1 else (index + 1) * share - 1
            _expect_ok(node.port, "CLUSTER", "ADDSLOTSRANGE", str(index * share), str(last))
        first = self.nodes[0]
        for node in self.nodes[1:]:
            _expect_ok(
                first.port, "CLUSTER", "MEET", "127.0.0.1", str(node.port), str(node.bus_port)
            )
        self.wait_until_ok()

    def wait_until_ok(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while not all(self._ok(node) for node in self.nodes):
            if time.monotonic() > deadline:
                raise RuntimeError("the test Redis Cluster did not reach cluster_state:ok")
            time.sleep(0.05)

    def _ok(self, node: ClusterNodeProcess) -> bool:
        try:
            info = _command(node.port, "CLUSTER", "INFO")
        except OSError:
            return False
        return (
            b"cluster_state:ok" in info
            and f"cluster_known_nodes:{len(self.nodes)}".encode() in info
        )

    def node_of(self, slot: int) -> ClusterNodeProcess:
        share = SLOTS // len(self.nodes)
        return self.nodes[min(slot // share, len(self.nodes) - 1)]

    def __enter__(self) -> RedisClusterProcesses:
        with ExitStack() as undo:
            undo.callback(self._remove)
            self.start()
            undo.pop_all()
        return self

    def __exit__(self, *exc: object) -> None:
        self._remove()

    def _remove(self) -> None:
        for node in self.nodes:
            node.remove()


def _expect_ok(port: int, *args: str) -> None:
    reply = _command(port, *args)
    if not reply.startswith(b"+OK"):
        raise RuntimeError(f"{' '.join(args)} on port {port}: {reply!r}")


@contextmanager
def session_redis_cluster() -> Iterator[str]:
    """Yield the URL (``?cluster=1``) of the Redis Cluster the test session may use."""
    url = os.environ.get("LEDGERGRAPH_TEST_REDIS_CLUSTER_URL")
    if url:
        yield url
        return
    with RedisClusterProcesses() as cluster:
        yield cluster.url
