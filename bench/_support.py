"""What the bench scripts share: starting server processes, reading their /proc figures, a
bounded HTTP load client and percentiles.

The load client speaks HTTP/1.1 keep-alive straight over asyncio streams: a throughput
benchmark's client shares the machine with the server it measures, and a full HTTP client
(httpx) costs several times the CPU per request of the few lines here, CPU the server would
then not get. Requests are prepared as bytes before the clock starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

__all__ = [
    "LoadResult",
    "cpu_seconds",
    "load",
    "percentile",
    "post",
    "rss_kb",
    "wait_healthy",
]


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values``, nearest rank; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# -- processes --------------------------------------------------------------------------------


async def wait_healthy(
    url: str,
    process: asyncio.subprocess.Process,
    *,
    log: Path | None = None,
    within: float = 30.0,
    path: str = "/healthz",
) -> None:
    """Until ``url + path`` answers 200; raises if the process exits or ``within`` seconds pass."""
    deadline = time.monotonic() + within
    where = f"; see {log}" if log is not None else ""
    async with httpx.AsyncClient(timeout=2) as http:
        while time.monotonic() < deadline:
            if process.returncode is not None:
                raise RuntimeError(f"{url}: the process exited ({process.returncode}){where}")
            with contextlib.suppress(httpx.TransportError):
                if (await http.get(f"{url}{path}")).status_code == 200:
                    return
            await asyncio.sleep(0.05)
    raise RuntimeError(f"{url} did not become ready in {within:g} s{where}")


def rss_kb(pid: int) -> int | None:
    """VmRSS of ``pid`` in kB; None when the process is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return None


def cpu_seconds(pid: int) -> float:
    """User + system CPU time ``pid`` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- the load client --------------------------------------------------------------------------


def post(host: str, port: int, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    """An HTTP/1.1 keep-alive POST of ``body``, as bytes ready to send."""
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: {host}:{port}",
        "Connection: keep-alive",
        f"Content-Length: {len(body)}",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, _, header_block = head.partition(b"\r\n")
    status = int(status_line.split()[1])
    length = None
    chunked = False
    for line in header_block.split(b"\r\n"):
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if length is not None:
        return status, await reader.readexactly(length)
    if not chunked:
        raise RuntimeError("a response with neither Content-Length nor chunked encoding")
    parts = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        parts.append(await reader.readexactly(size + 2))
        if size == 0:
            return status, b"".join(p[:-2] for p in parts)


@dataclass
class LoadResult:
    seconds: float
    latencies: list[float] = field(default_factory=list)  # seconds, one per answered request
    failures: int = 0
    first_failure: str | None = None

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


async def load(
    host: str,
    port: int,
    requests: Sequence[bytes],
    *,
    connections: int,
    seconds: float | None = None,
    requests_limit: int | None = None,
    check: Callable[[int, bytes], str | None] | None = None,
    start_at: int = 0,
) -> LoadResult:
    """``connections`` keep-alive connections, each sending its next request as soon as the
    previous one is answered (a closed loop: at most ``connections`` in flight), taking
    ``requests`` in turn from ``start_at`` on, for ``seconds`` or until ``requests_limit``
    requests were sent. ``check`` looks at each answer (status, body) and returns what is
    wrong with it, or None."""
    result = LoadResult(seconds or 0.0)
    turn = start_at
    last = start_at + requests_limit if requests_limit is not None else None
    loop = asyncio.get_running_loop()
    streams = [await asyncio.open_connection(host, port) for _ in range(connections)]
    started = loop.time()
    deadline = started + seconds if seconds is not None else float("inf")

    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal turn
        while loop.time() < deadline and (last is None or turn < last):
            request = requests[turn % len(requests)]
            turn += 1
            sent = loop.time()
            writer.write(request)
            status, body = await _read_response(reader)
            result.latencies.append(loop.time() - sent)
            problem = check(status, body) if check is not None else None
            if problem is not None:
                result.failures += 1
                result.first_failure = result.first_failure or problem

    try:
        await asyncio.gather(*(client(r, w) for r, w in streams))
    finally:
        result.seconds = loop.time() - started
        for _, writer in streams:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
    return result
