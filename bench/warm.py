"""Warm throughput: LedgerGraph against a bare Strawberry server, side by side in one run.

Issue 12's target 2: on a *mix of different queries* over warm data, LedgerGraph answers at
least 0.70 times the requests/s of a bare Strawberry server returning the same answers from
memory, with either store.

One run starts the embedded sandbox (seeded GB books), a throwaway Redis, and three server
processes: ``ledgergraph serve`` with the memory store, ``ledgergraph serve`` with the Redis
store (each connected to the sandbox through the connect flow), and ``baseline_server.py``,
whose data is a snapshot of LedgerGraph's own answers taken here. Then:

1. the mix: ``--distinct`` requests drawn (seeded) from seven query documents over six root
   lists, varying ``first``, ``after`` (a cursor anywhere in the first ``--span`` objects),
   filters (invoice and bill status, contact kind, account classification) and selections
   (flat, with references, with lines) -- more distinct requests than LedgerGraph is sent in
   the timed rounds, so no whole-response cache can answer them;
2. LedgerGraph is warmed: the snapshot's reads, then every request of the mix once as its
   *twin* (the same reads, ``__typename`` added: no answer the timed rounds ask for is given
   before them); the timed rounds then cost no Sage call, which the run checks and prints;
3. a sample of the mix is sent to all three servers: their ``data`` must be equal (and the
   run says how many answers were byte-identical); any difference stops the run;
4. ``--rounds`` rounds, each server in turn (the order rotating) for ``--seconds``, with
   ``--connections`` keep-alive connections in a closed loop (each sends its next request
   when its answer arrives), every server sent the same sequence of requests; Sage calls
   during the timed rounds are counted, to show the data stayed warm; each server continues
   the mix where its previous round stopped, so no request repeats until the mix is used up;
5. it prints per server requests/s, p50/p95 latency, server CPU ms per request and the ratio
   against the baseline with the target (both by requests/s and by CPU per request: on a
   shared machine the latter is the steadier figure), and the load average.

A script, not a test. ``--smoke`` runs everything with tiny sizes (about 20 s on a quiet
machine) and exits 0 when it ran; ``--profile FILE`` runs one server under cProfile (the
memory store's, or the Redis store's with ``--profile-store redis``) and writes the stats there
on exit:

    .venv/bin/python bench/warm.py [--seconds 10] [--rounds 3] [--connections 16]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
from redis.asyncio import Redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _support import LoadResult, cpu_seconds, load, percentile, post, rss_kb, wait_healthy
from baseline_server import list_key

from ledgergraph.sandbox import RunningSandbox, SandboxConfig, serve_sandbox
from ledgergraph.sandbox.books import DEMO_USER_ID
from tests.redis_server import RedisProcess, free_port
from tests.support.browser import connect
from tests.support.server import JWT_SECRET, server_env

ROOT = Path(__file__).resolve().parent.parent
BASELINE = Path(__file__).resolve().parent / "baseline_server.py"
TARGET = 0.70
TENANT = "acme"
# ``--env NAME=VALUE``: settings for both LedgerGraph servers on top of ``SERVER_ENV``.
EXTRA_ENV: list[str] = []
# Warm means warm for the whole run: cached Sage pages must not expire between rounds.
SERVER_ENV = {
    "LEDGERGRAPH_RATE_LIMIT_REQUESTS": "0",
    "LEDGERGRAPH_SAGE_BUDGET_PER_MINUTE": "0",
    "LEDGERGRAPH_RESPONSE_CACHE_DEFAULT_TTL": "3600",
    "LEDGERGRAPH_LOG_LEVEL": "WARNING",
}

# -- the query mix ----------------------------------------------------------------------------

MONEY = "{ amount currency }"
# Every field any document below selects, per root list: the snapshot reads these.
SELECTIONS = {
    "invoices": f"""id number reference status date dueDate totalAmount {MONEY}
        outstandingAmount {MONEY} contact {{ id name email }}
        lines {{ description quantity netAmount {MONEY} taxRate {{ name kind rate }}
                 ledgerAccount {{ code name roles }} }}""",
    "bills": f"""id reference vendorReference status dueDate totalAmount {MONEY}
        outstandingAmount {MONEY} contact {{ id name email }}""",
    "contacts": f"id name email reference isCustomer isSupplier balance {MONEY}",
    "payments": f"""id date reference totalAmount {MONEY} contact {{ id name }}
        bankAccount {{ name }} allocations {{ documentType amount {MONEY} }}""",
    "ledgerAccounts": "id code name classification roles",
    "taxRates": "id name rate kind taxSystem",
}
# The filters the mix uses, per root list: (argument, values); each value is a list of its own.
FILTERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "invoices": ("status", ("UNPAID", "PAID", "OVERDUE")),
    "bills": ("status", ("UNPAID", "PAID")),
    "contacts": ("kind", ("CUSTOMER", "SUPPLIER")),
    "ledgerAccounts": ("classification", ("REVENUE", "EXPENSE", "ASSET")),
}
PAGE = "totalCount pageInfo { hasNextPage endCursor }"


@dataclass(frozen=True)
class Document:
    name: str
    root: str
    text: str
    filtered: bool  # takes the root's filter as a variable
    first: tuple[int, int]  # range of ``first``
    other: str | None = None  # a second root list the document reads (first page only)


DOCUMENTS = [
    Document(
        "invoices+contact",
        "invoices",
        f"""query($first: Int, $after: String, $status: DocumentStatusFilter) {{
          invoices(first: $first, after: $after, status: $status) {{ {PAGE}
            nodes {{ id number status date dueDate totalAmount {MONEY}
                     contact {{ id name email }} }} }} }}""",
        True,
        (5, 30),
    ),
    Document(
        "invoice lines",
        "invoices",
        f"""query($first: Int, $after: String) {{ invoices(first: $first, after: $after) {{
            nodes {{ number lines {{ description quantity netAmount {MONEY}
              taxRate {{ name kind rate }} ledgerAccount {{ code name roles }} }} }} }} }}""",
        False,
        (3, 15),
    ),
    Document(
        "contacts",
        "contacts",
        f"""query($first: Int, $after: String, $kind: ContactKind) {{
          contacts(first: $first, after: $after, kind: $kind) {{ {PAGE}
            edges {{ cursor node {{ id name email reference isCustomer
                                    balance {MONEY} }} }} }} }}""",
        True,
        (10, 50),
    ),
    Document(
        "bills",
        "bills",
        f"""query($first: Int, $after: String, $status: DocumentStatusFilter) {{
          bills(first: $first, after: $after, status: $status) {{ totalCount
            nodes {{ reference vendorReference dueDate outstandingAmount {MONEY}
                     contact {{ name }} }} }} }}""",
        True,
        (5, 30),
    ),
    Document(
        "payments",
        "payments",
        f"""query($first: Int, $after: String) {{ payments(first: $first, after: $after) {{
            nodes {{ date totalAmount {MONEY} contact {{ name }} bankAccount {{ name }}
                     allocations {{ documentType amount {MONEY} }} }} }} }}""",
        False,
        (5, 30),
    ),
    Document(
        "chart+tax",
        "ledgerAccounts",
        """query($first: Int, $after: String, $classification: AccountClassification) {
          ledgerAccounts(first: $first, after: $after, classification: $classification) {
            nodes { code name classification roles } }
          taxRates(first: 5) { nodes { name rate kind taxSystem } } }""",
        True,
        (5, 40),
        other="taxRates",
    ),
    Document(
        "dashboard",
        "invoices",
        f"""query($first: Int, $after: String, $status: DocumentStatusFilter) {{
          invoices(first: $first, after: $after, status: $status) {{
            nodes {{ number dueDate outstandingAmount {MONEY} contact {{ name }} }} }}
          bills(status: UNPAID, first: 10) {{ nodes {{ reference contact {{ name }} }} }} }}""",
        True,
        (5, 20),
        other="bills:status=UNPAID",
    ),
]
# Cursors are drawn from the first ``span`` objects of a list (150; 25 in a smoke run); with
# ``first`` at most 50, every window lies in the first span + 50 objects: the snapshot's one
# page of each list.
LONGEST_FIRST = max(d.first[1] for d in DOCUMENTS)


@dataclass(frozen=True)
class Request:
    document: Document
    variables: dict[str, Any]

    def body(self) -> bytes:
        return orjson.dumps({"query": self.document.text, "variables": self.variables})

    def twin(self) -> bytes:
        """The same reads, another answer (see ``warm_up``)."""
        text = self.document.text.replace("{", "{ __typename", 1)
        return orjson.dumps({"query": text, "variables": self.variables})


def mix(snapshot: dict[str, Any], count: int, span: int, rng: random.Random) -> list[Request]:
    """``count`` requests of the documents, with variables drawn from the lists' own cursors."""
    requests = []
    for _ in range(count):
        document = rng.choice(DOCUMENTS)
        variables: dict[str, Any] = {"first": rng.randint(*document.first)}
        key = document.root
        if document.filtered and rng.random() < 0.6:
            argument, values = FILTERS[document.root]
            value = rng.choice(values)
            variables[argument] = value
            key = list_key(document.root, argument, value)
        edges = snapshot[key]["edges"][:span]
        if edges and rng.random() < 0.7:
            variables["after"] = rng.choice(edges)["cursor"]
        requests.append(Request(document, variables))
    return requests


# -- the servers ------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    port: int
    process: asyncio.subprocess.Process
    headers: dict[str, str] = field(default_factory=dict)
    results: list[LoadResult] = field(default_factory=list)
    cpu: float = 0.0  # server CPU seconds over the timed rounds
    redis_url: str | None = None  # the Redis of this server alone, if it has one
    redis_commands: dict[str, int] = field(default_factory=dict)  # sent during the timed rounds
    rss_kb: int | None = None  # after the timed rounds: what the warm data costs it in memory

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextlib.asynccontextmanager
async def _process(
    name: str, args: list[str], env: dict[str, str], port: int, log: Path
) -> AsyncIterator[Server]:
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            *args, env=env, cwd=ROOT, stdout=asyncio.subprocess.DEVNULL, stderr=output
        )
    server = Server(name, port, process)
    try:
        await wait_healthy(server.url, process, log=log)
        yield server
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), timeout=10)
            except TimeoutError:
                process.kill()
                await process.wait()


def _inherited() -> dict[str, str]:
    # A developer's own LEDGERGRAPH_* must not change the run.
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGERGRAPH_")}
    env["PYTHONPATH"] = str(ROOT)
    return env


@contextlib.asynccontextmanager
async def ledgergraph(
    name: str,
    sandbox: RunningSandbox,
    redis_url: str | None,
    logs: Path,
    profile: Path | None = None,
) -> AsyncIterator[Server]:
    port = free_port()
    env = _inherited() | server_env(
        sandbox, port=port, redis_url=redis_url, prefix=f"warm-{port}:", **SERVER_ENV
    )
    env |= dict(setting.split("=", 1) for setting in EXTRA_ENV)
    command = [sys.executable]
    if profile is not None:
        command += ["-m", "cProfile", "-o", str(profile)]
    command += ["-m", "ledgergraph.cli", "serve", "--no-browser"]
    async with _process(name, command, env, port, logs / f"{name}.log") as server:
        token = _token(TENANT)
        server.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        server.redis_url = redis_url
        async with httpx.AsyncClient(timeout=60) as http:
            await connect(http, server.url, token, user_id=DEMO_USER_ID)
        yield server


def _token(tenant: str) -> str:
    from ledgergraph.auth import TenantAuthenticator

    return TenantAuthenticator(JWT_SECRET).mint(tenant)


async def _graphql(http: httpx.AsyncClient, server: Server, body: bytes) -> httpx.Response:
    return await http.post(f"{server.url}/graphql", content=body, headers=server.headers)


async def take_snapshot(http: httpx.AsyncClient, server: Server, page: int) -> dict[str, Any]:
    """Every list the mix reads, filtered as it filters, as LedgerGraph answers it (the first
    ``page`` objects, with their cursors and the list's total)."""
    wanted = [(root, None, None) for root in SELECTIONS] + [
        (root, argument, value) for root, (argument, values) in FILTERS.items() for value in values
    ]
    snapshot = {}
    for root, argument, value in wanted:
        filters = f", {argument}: {value}" if argument else ""
        text = f"""{{ {root}(first: {page}{filters}) {{ totalCount
            edges {{ cursor node {{ {SELECTIONS[root]} }} }} }} }}"""
        response = await _graphql(http, server, orjson.dumps({"query": text}))
        answer = response.json()
        if answer.get("errors"):
            raise RuntimeError(f"snapshot of {root} {filters}: {answer['errors']}")
        snapshot[list_key(root, argument, value)] = answer["data"][root]
    return snapshot


async def compare(
    http: httpx.AsyncClient, servers: list[Server], sample: list[Request]
) -> tuple[int, int]:
    """Sends each request of ``sample`` to every server; raises on the first answer whose
    ``data`` differs from the baseline's (the first server's). Returns (answers compared,
    byte-identical bodies)."""
    identical = 0
    for request in sample:
        bodies = [await _graphql(http, s, request.body()) for s in servers]
        expected = bodies[0].json()
        if expected.get("errors") or bodies[0].status_code != 200:
            raise RuntimeError(f"the baseline failed {request}: {expected}")
        for server, response in zip(servers[1:], bodies[1:], strict=True):
            got = response.json()
            if got.get("errors") or got.get("data") != expected["data"]:
                raise RuntimeError(
                    f"{server.name} answers {request.document.name} {request.variables} "
                    f"differently:\n{response.text[:600]}\nbaseline:\n{bodies[0].text[:600]}"
                )
            identical += response.content == bodies[0].content
    return len(sample) * (len(servers) - 1), identical


_STARTED = time.monotonic()


def _clock() -> str:
    return f"[{time.monotonic() - _STARTED:5.1f} s]"


def _check(status: int, body: bytes) -> str | None:
    if status != 200:
        return f"HTTP {status}: {body[:200]!r}"
    if b'"errors"' in body:
        return body[:300].decode(errors="replace")
    return None


async def sage_calls(http: httpx.AsyncClient, sandbox: RunningSandbox) -> int:
    stats = (await http.get(f"{sandbox.url}/__sandbox/stats")).json()
    return sum(n for route, n in stats["requests"].items() if " /v3.1/" in route)


# -- the run ----------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> list[Server]:
    logs = Path(args.log_dir or tempfile.mkdtemp(prefix="ledgergraph-warm-"))
    await asyncio.to_thread(logs.mkdir, parents=True, exist_ok=True)
    rng = random.Random(args.seed)

    def profiled(store: str) -> Path | None:
        return args.profile if args.profile_store == store else None

    with RedisProcess() as redis_process:
        async with (
            serve_sandbox(SandboxConfig(controls=True)) as sandbox,
            contextlib.AsyncExitStack() as stack,
            httpx.AsyncClient(timeout=120) as http,
        ):
            memory, redis = await asyncio.gather(
                stack.enter_async_context(
                    ledgergraph("memory store", sandbox, None, logs, profiled("memory"))
                ),
                stack.enter_async_context(
                    ledgergraph("Redis store", sandbox, redis_process.url, logs, profiled("redis"))
                ),
            )
            print(f"{_clock()} servers up, tenants connected", flush=True)
            page = args.span + LONGEST_FIRST
            snapshot: dict[str, Any]
            snapshot, _ = await asyncio.gather(
                take_snapshot(http, memory, page), take_snapshot(http, redis, page)
            )
            print(f"{_clock()} snapshot taken", flush=True)
            snapshot_file = logs / "snapshot.json"
            await asyncio.to_thread(snapshot_file.write_bytes, orjson.dumps(snapshot))
            port = free_port()
            command = [sys.executable, str(BASELINE), "--port", str(port)]
            command += ["--snapshot", str(snapshot_file)]
            async with _process(
                "bare Strawberry", command, _inherited(), port, logs / "baseline.log"
            ) as baseline:
                baseline.headers = {"Content-Type": "application/json"}
                servers = [baseline, memory, redis]
                requests = mix(snapshot, args.distinct, args.span, rng)
                before = await sage_calls(http, sandbox)
                await asyncio.gather(*(warm_up(args, s, requests) for s in servers[1:]))
                warmed = await sage_calls(http, sandbox) - before
                print(
                    f"{_clock()} warm-up: {len(requests)} requests per server, {warmed} Sage calls",
                    flush=True,
                )
                compared, identical = await compare(http, servers, requests[: args.sample])
                print(
                    f"answers compared: {compared} ({args.sample} requests x 2 servers), all "
                    f"data equal; byte-identical bodies: {identical} (LedgerGraph's may add "
                    "extensions, e.g. cost)",
                    flush=True,
                )
                await timed(args, http, sandbox, servers, requests)
    print(f"logs: {logs}")
    return servers


async def warm_up(args: argparse.Namespace, server: Server, requests: list[Request]) -> None:
    """Every request of the mix, once, as its *twin*: the same document and variables with
    ``__typename`` added, so the same Sage reads (windows, references) are cached but no
    answer the timed rounds will ask for has been given yet."""
    twins = [post("127.0.0.1", server.port, "/graphql", r.twin(), server.headers) for r in requests]
    result = await load(
        "127.0.0.1",
        server.port,
        twins,
        connections=args.connections,
        requests_limit=len(twins),
        check=_check,
    )
    if result.failures:
        raise RuntimeError(f"warming {server.name}: {result.first_failure}")


async def timed(
    args: argparse.Namespace,
    http: httpx.AsyncClient,
    sandbox: RunningSandbox,
    servers: list[Server],
    requests: list[Request],
) -> None:
    prepared = {
        s.name: [post("127.0.0.1", s.port, "/graphql", r.body(), s.headers) for r in requests]
        for s in servers
    }
    before = await sage_calls(http, sandbox)
    for round_number in range(args.rounds):
        order = servers[round_number % len(servers) :] + servers[: round_number % len(servers)]
        for server in order:
            cpu = cpu_seconds(server.process.pid)
            commands = await redis_commands(server.redis_url)
            result = await load(
                "127.0.0.1",
                server.port,
                prepared[server.name],
                connections=args.connections,
                seconds=args.seconds,
                check=_check,
                start_at=sum(r.requests for r in server.results),
            )
            server.cpu += cpu_seconds(server.process.pid) - cpu
            after = await redis_commands(server.redis_url)
            for name, calls in after.items():
                sent = calls - commands.get(name, 0) - (name == "info")
                server.redis_commands[name] = server.redis_commands.get(name, 0) + sent
            server.results.append(result)
            print(
                f"round {round_number + 1}: {server.name:<16} {result.rate:7.1f} req/s"
                + (
                    f"  {result.failures} failed: {result.first_failure}" if result.failures else ""
                ),
                flush=True,
            )
    for server in servers:
        server.rss_kb = rss_kb(server.process.pid)
    print(f"Sage calls during the timed rounds: {await sage_calls(http, sandbox) - before}")


async def redis_commands(url: str | None) -> dict[str, int]:
    """Commands Redis has run so far, by name (``INFO commandstats``); ``{}`` without one."""
    if url is None:
        return {}
    client = Redis.from_url(url)
    try:
        stats = await client.info("commandstats")
    finally:
        await client.aclose()
    return {name.removeprefix("cmdstat_"): int(row["calls"]) for name, row in stats.items()}


def _megabytes(kb: int | None) -> str:
    return "?" if kb is None else f"{kb / 1024:.0f}"


def report(args: argparse.Namespace, servers: list[Server]) -> bool:
    def figures(server: Server) -> tuple[float, float, float, float, int]:
        latencies = [x for r in server.results for x in r.latencies]
        seconds = sum(r.seconds for r in server.results)
        rate = len(latencies) / seconds if seconds else 0.0
        failures = sum(r.failures for r in server.results)
        cpu_ms = server.cpu * 1000 / max(1, len(latencies))
        return rate, percentile(latencies, 0.5), percentile(latencies, 0.95), cpu_ms, failures

    baseline = figures(servers[0])
    load_average = os.getloadavg()
    print(
        f"\nwarm mix, {args.connections} connections, {args.rounds} x {args.seconds:g} s per "
        f"server, {args.distinct} distinct requests of {len(DOCUMENTS)} documents; load average "
        f"{load_average[0]:.2f} {load_average[1]:.2f} {load_average[2]:.2f} "
        f"({os.cpu_count()} CPUs)"
    )
    header = (
        f"{'server':<16} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'CPU ms/req':>11} "
        f"{'ratio req/s':>12} {'ratio CPU':>10} {'RSS MB':>7}  target"
    )
    print(header)
    ok = True
    for server in servers:
        rate, p50, p95, cpu_ms, failures = figures(server)
        by_rate = rate / baseline[0] if baseline[0] else 0.0
        by_cpu = baseline[3] / cpu_ms if cpu_ms else 0.0
        verdict = ""
        if server is not servers[0]:
            met = by_rate >= TARGET
            ok = ok and met
            verdict = f"≥ {TARGET:.2f} {'PASS' if met else 'FAIL'}"
        print(
            f"{server.name:<16} {rate:8.1f} {p50 * 1000:8.1f} {p95 * 1000:8.1f} {cpu_ms:11.2f} "
            f"{by_rate:12.2f} {by_cpu:10.2f} {_megabytes(server.rss_kb):>7}  {verdict}"
            + (f"  ({failures} failed)" if failures else "")
        )
        ok = ok and not failures
    for server in servers:
        if server.redis_url is not None:
            requests = max(1, sum(len(r.latencies) for r in server.results))
            sent = {name: n for name, n in server.redis_commands.items() if n > 0}
            ranked = sorted(sent.items(), key=lambda named: -named[1])
            per = ", ".join(f"{name} {n / requests:.2f}" for name, n in ranked)
            print(
                f"{server.name}: {sum(sent.values()) / requests:.2f} Redis commands per request"
                f" ({per})"
            )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="per server and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--distinct", type=int, default=2500, help="requests in the mix")
    parser.add_argument("--sample", type=int, default=60, help="requests compared first")
    parser.add_argument("--span", type=int, default=150, help="cursors from the first N objects")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes; exit 0 when it ran")
    parser.add_argument("--profile", type=Path, help="cProfile one server, stats to this file")
    parser.add_argument(
        "--profile-store", choices=("memory", "redis"), default="memory", help="which one"
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for both LedgerGraph servers (e.g. LEDGERGRAPH_RESPONSE_CACHE_LOCAL_MB=64)",
    )
    parser.add_argument("--log-dir", help="where logs and the snapshot go (default: a temp dir)")
    args = parser.parse_args()
    EXTRA_ENV.extend(args.env)
    if args.smoke:
        args.seconds, args.rounds, args.distinct, args.sample, args.span = 1.0, 1, 28, 7, 25
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ledgergraph-warm-") as scratch:
        if args.smoke and args.log_dir is None:
            args.log_dir = scratch  # a smoke run (CI) leaves nothing behind
        servers = asyncio.run(run(args))
    met = report(args, servers)
    print(f"({time.monotonic() - started:.0f} s)")
    if args.smoke:
        return 0
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
