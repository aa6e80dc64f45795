"""``ledgergraph serve --workers N`` as a user runs it (a supervisor process and its workers),
and which worker process answered a given connection (Linux: ``/proc``)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sys
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.redis_server import free_port

WORKER_GAUGE = "ledgergraph_worker_start_time_seconds"
_BANNER_SANDBOX = re.compile(r"^Sage sandbox\s+(\S+)", re.MULTILINE)
_BANNER_TOKEN = re.compile(r"^Dev token \(demo\)\s+(\S+)", re.MULTILINE)


@dataclass(slots=True)
class Supervised:
    process: asyncio.subprocess.Process
    port: int
    out: Path
    err: Path
    sandbox_url: str | None
    dev_token: str | None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def banner(self) -> str:
        return self.out.read_text()

    async def worker_pids(self, http: httpx.AsyncClient) -> set[int]:
        """The live workers, as ``/metrics`` (on whichever worker answers) reports them."""
        response = await http.get(f"{self.url}/metrics")
        assert response.status_code == 200, response.text
        return {
            int(sample.labels["pid"])
            for family in text_string_to_metric_families(response.text)
            if family.name == WORKER_GAUGE
            for sample in family.samples
        }


def alive(pids: set[int]) -> set[int]:
    """Those of ``pids`` still running (or not yet reaped)."""
    return {pid for pid in pids if Path(f"/proc/{pid}").exists()}


def children(pid: int) -> set[int]:
    """The processes whose parent is ``pid``."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


@asynccontextmanager
async def serve_workers(
    workers: int, env: Mapping[str, str], *, log_dir: Path, within: float = 60.0
) -> AsyncIterator[Supervised]:
    """``ledgergraph serve --workers N`` with ``env`` over a clean environment (no
    ``LEDGERGRAPH_*`` of the caller's), on a free port, once its banner is out and it answers.
    Stopped with SIGTERM afterwards, if still running."""
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LEDGERGRAPH_")}
    out, err = log_dir / f"serve-{port}.out", log_dir / f"serve-{port}.err"
    stdout, stderr = await asyncio.to_thread(_open_logs, out, err)
    with stdout, stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "ledgergraph.cli",
            "serve",
            "--workers",
            str(workers),
            "--no-browser",
            env=clean | {"LEDGERGRAPH_PORT": str(port)} | dict(env),
            stdout=stdout,
            stderr=stderr,
            # A session of its own, like a server started from its own shell: where the kernel
            # shares CPU by session (autogroup), not the caller's share.
            start_new_session=True,
        )
    try:
        await _wait_for_banner(process, port, out, err, within)
        banner = await asyncio.to_thread(out.read_text)
        sandbox = _BANNER_SANDBOX.search(banner)
        token = _BANNER_TOKEN.search(banner)
        yield Supervised(
            process,
            port,
            out,
            err,
            sandbox.group(1) if sandbox else None,
            token.group(1) if token else None,
        )
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), timeout=30)
            except TimeoutError:
                process.kill()
                await process.wait()


def _open_logs(out: Path, err: Path) -> tuple[BinaryIO, BinaryIO]:
    out.parent.mkdir(parents=True, exist_ok=True)
    return out.open("wb"), err.open("wb")


async def _wait_for_banner(
    process: asyncio.subprocess.Process, port: int, out: Path, err: Path, within: float
) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(timeout=2) as http:
        while time.monotonic() < deadline:
            if process.returncode is not None:
                log = await asyncio.to_thread(err.read_text)
                raise RuntimeError(f"serve exited with {process.returncode}:\n{log}")
            if "LedgerGraph GraphQL" in await asyncio.to_thread(out.read_text):
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                        return
            await asyncio.sleep(0.05)
    log = await asyncio.to_thread(err.read_text)
    raise RuntimeError(f"serve did not start in {within:g} s:\n{log}")


async def request_on_new_connection(
    port: int, request: bytes, pids: set[int]
) -> tuple[int, bytes, int | None]:
    """Send one HTTP/1.1 request (bytes, ``Connection: close`` not needed) on a connection of
    its own; (status, body, the pid among ``pids`` whose socket answered it)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
        body = await reader.readexactly(int(length.group(1))) if length else b""
        # Answered: the server's end of this connection is an accepted socket of one worker.
        client_port = writer.get_extra_info("sockname")[1]
        owner = _owner(port, client_port, pids)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    return status, body, owner


def http_request(method: str, path: str, body: bytes = b"", **headers: str) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _owner(server_port: int, client_port: int, pids: set[int]) -> int | None:
    inode = _server_socket_inode(server_port, client_port)
    if inode is None:
        return None
    target = f"socket:[{inode}]"
    for pid in pids:
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                        return pid
    return None


def _server_socket_inode(server_port: int, client_port: int) -> str | None:
    """The inode of the established socket (local ``server_port``, remote ``client_port``)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                local, remote, inode = fields[1], fields[2], fields[9]
                if (
                    int(local.rsplit(":", 1)[1], 16) == server_port
                    and int(remote.rsplit(":", 1)[1], 16) == client_port
                ):
                    return inode
    return None
