"""What the bench scripts share: starting server processes, reading their /proc figures, a
bounded HTTP load client, percentiles, and cold and warm runs of one query against the
embedded sandbox.

The load client speaks HTTP/1.1 keep-alive straight over asyncio streams: a throughput
benchmark's client shares the machine with the server it measures, and a full HTTP client
(httpx) costs several times the CPU per request of the few lines here, CPU the server would
then not get. Requests are prepared as bytes before the clock starts.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from ledgergraph.sandbox import RunningSandbox
    from ledgergraph.types import TenantId
    from tests.support.rounds import Rounds
    from tests.support.server import LiveServer

__all__ = [
    "COLUMNS",
    "PAGE",
    "LoadResult",
    "Measured",
    "batch_calls",
    "cold_warm_parser",
    "conditions",
    "cpu_seconds",
    "load",
    "measure",
    "pages",
    "percentile",
    "post",
    "print_table",
    "row",
    "rss_kb",
    "served_demo",
    "totals",
    "wait_healthy",
    "watched",
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


# -- cold and warm runs of one query against the embedded sandbox ------------------------------

# Sage's largest page, and how many objects ``SageReads.many`` reads one GET each.
PAGE = 200
SMALL_BATCH = 3


def pages(count: int) -> int:
    return max(1, math.ceil(count / PAGE))


def batch_calls(wanted: int, listed: int) -> int:
    """The fewest calls for ``wanted`` objects (or parents) out of a list of ``listed`` (none:
    no call)."""
    return wanted if wanted <= SMALL_BATCH else min(wanted, pages(listed))


def cold_warm_parser(doc: str | None) -> argparse.ArgumentParser:
    """The options every script of cold and warm runs takes. Each declares its own
    ``--smoke`` (what it shrinks is its own; tests/bench finds the scripts by it)."""
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--redis-url", help="a throwaway Redis for the store (default: memory)")
    return parser


def conditions(args: argparse.Namespace, runs: str) -> str:
    """What the figures were measured under (``runs``: "runs", "runs per case" …)."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    store = "Redis store" if args.redis_url else "memory store"
    return (
        f"Sage latency {args.latency_ms} ms per call, {args.runs} {runs}, {store}, "
        f"load average {load}"
    )


@contextlib.asynccontextmanager
async def served_demo(
    name: str, *, smoke: bool, redis_url: str | None
) -> AsyncIterator[tuple[RunningSandbox, LiveServer, httpx.AsyncClient]]:
    """The embedded sandbox (tiny books for ``smoke``) and a LedgerGraph on it, tenant
    ``acme`` connected to the demo user."""
    # Imported here: the load clients (warm.py, workers.py) use this module and stay light.
    from ledgergraph.sandbox import SandboxConfig, serve_sandbox
    from ledgergraph.sandbox.books import DEMO_USER_ID
    from tests.support.browser import connect
    from tests.support.server import serve_ledgergraph

    config = SandboxConfig(controls=True, scale=0.1) if smoke else SandboxConfig(controls=True)
    # A benchmark counts Sage calls: LedgerGraph's own rate limits must refuse none.
    overrides = {"sage_budget_per_minute": 0, "rate_limit_requests": 0}
    async with (
        serve_sandbox(config) as sandbox,
        serve_ledgergraph(
            sandbox, redis_url=redis_url, prefix=f"bench-{name}-{os.getpid()}:", **overrides
        ) as server,
        httpx.AsyncClient(timeout=120) as http,
    ):
        await connect(http, server.url, server.token("acme"), user_id=DEMO_USER_ID)
        yield sandbox, server, http


async def totals(server: LiveServer, http: httpx.AsyncClient, query: str) -> dict[str, int]:
    """Each list's ``totalCount`` in ``query``'s answer, by its field."""
    found = (await server.graphql(http, "acme", query))["data"]
    return {field: v["totalCount"] for field, v in found.items()}


async def watched(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    tenant: TenantId,
    kinds: Sequence[str],
    latency_ms: int,
) -> tuple[Callable[[], Awaitable[None]], Rounds]:
    """What drops ``kinds`` from the cache of the tenant's business, and the counter of
    dependent rounds of Sage calls; from here on every Sage call takes ``latency_ms``."""
    from tests.support.rounds import Rounds

    runtime = server.runtime
    assert runtime is not None
    connection = await runtime.connections.get(tenant)
    assert connection is not None
    assert connection.business is not None
    business = connection.business.id
    rounds = Rounds(sandbox.api_url).watch(runtime.http)

    async def invalidate() -> None:
        await runtime.sage.invalidate(tenant, business, *kinds)

    await http.post(f"{sandbox.url}/__sandbox/faults", json={"latency_ms": latency_ms})
    return invalidate, rounds


@dataclass
class Measured:
    data: Any
    cold_by_route: dict[str, int]
    warm_calls: float
    cold_rounds: int
    # Milliseconds, one per run.
    cold_ms: list[float]
    warm_ms: list[float]

    @property
    def cold_calls(self) -> int:
        return sum(self.cold_by_route.values())


async def _sage_calls(http: httpx.AsyncClient, sandbox: RunningSandbox) -> dict[str, int]:
    stats = (await http.get(f"{sandbox.url}/__sandbox/stats")).json()
    return {route: n for route, n in stats["requests"].items() if " /v3.1/" in route}


async def _timed(
    server: LiveServer, http: httpx.AsyncClient, query: str, variables: dict[str, Any]
) -> tuple[float, Any]:
    started = time.perf_counter()
    body = await server.graphql(http, "acme", query, variables)
    elapsed = (time.perf_counter() - started) * 1000
    if "errors" in body:
        raise RuntimeError(f"the query failed: {body['errors']}")
    return elapsed, body["data"]


async def measure(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any],
    runs: int,
    invalidate: Callable[[], Awaitable[None]],
    rounds: Rounds,
) -> Measured:
    """``query`` once cold counting its Sage calls and rounds, ``runs`` times cold (after
    ``invalidate``) and ``runs`` times warm, timed."""
    await invalidate()
    await http.post(f"{sandbox.url}/__sandbox/stats/reset")
    rounds.reset()
    _, data = await _timed(server, http, query, variables)
    by_route, cold_rounds = await _sage_calls(http, sandbox), rounds.count()
    cold = []
    for _ in range(runs):
        await invalidate()
        cold.append((await _timed(server, http, query, variables))[0])
    await http.post(f"{sandbox.url}/__sandbox/stats/reset")
    warm = [(await _timed(server, http, query, variables))[0] for _ in range(runs)]
    warm_calls = sum((await _sage_calls(http, sandbox)).values()) / runs
    return Measured(data, by_route, warm_calls, cold_rounds, cold, warm)


# The columns after the first (the query or case) of a table of cold and warm runs.
COLUMNS = (
    "min calls",
    "calls cold / warm",
    "rounds (ideal)",
    "cold p50 / p95 ms",
    "warm p50 / p95 ms",
    "",
)


def row(
    name: str,
    minimum: int,
    ideal_rounds: int,
    measured: Measured,
    p50_p95: Callable[[list[float]], tuple[float, float]],
    verdict: str,
) -> list[str]:
    return [
        name,
        str(minimum),
        f"{measured.cold_calls} / {measured.warm_calls:g}",
        f"{measured.cold_rounds} ({ideal_rounds})",
        "{:.0f} / {:.0f}".format(*p50_p95(measured.cold_ms)),
        "{:.0f} / {:.0f}".format(*p50_p95(measured.warm_ms)),
        verdict,
    ]


def print_table(titles: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(t), *(len(r[i]) for r in rows)) for i, t in enumerate(titles)]
    print("  ".join(t.ljust(w) for t, w in zip(titles, widths, strict=True)))
    for cells in rows:
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)))
