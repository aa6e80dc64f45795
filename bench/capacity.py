"""Capacity: a fleet of tenants on one Sage app, against the sandbox's per-app limits.

Sage limits requests per client *application* -- 1,296,000 a day and 150 in flight, for every
tenant of a deployment together. This simulation runs a scaled-down fleet on one app:

* the sandbox in a process of its own, with its per-app limits on: requests in flight capped
  at ``--sage-in-flight`` (Sage: 150, scaled down with the machine) and Sage's daily budget,
  each request delayed by ``--latency-ms`` (Sage's own latency);
* two ``ledgergraph serve`` workers sharing one Redis, their fleet-wide Sage budget capping
  calls in flight a little under the sandbox's limit (as 140 is under Sage's 150);
* ``--tenants`` tenants connected through the connect flow (spread over the sandbox's eight
  usable businesses), ``--subscribers`` of them with a live ``syncEvents(types: [CONTACT])``
  subscription, ``--interactive`` tenants with equal demand querying in a closed loop, and
  out-of-band edits in Sage now and then (each must reach its business's subscribers once);
* sync polling on a compressed clock (``--compress``: intervals divided by it, so a minute
  here is that many minutes of polling).

Phase A measures the interactive tenants alone; phase B adds one noisy tenant running a
backfill (many concurrent cold reads). Then it prints the Sage 429s received (target 0), the
peak of requests in flight the sandbox saw (target: at most LedgerGraph's cap), calls per day
projected against the app's quota, interactive p50/p95 in each phase (target: B within 10 %
of A), Jain's fairness index over the interactive tenants in phase B (target >= 0.9), and the
sync events missed or duplicated. A script, not a test::

    .venv/bin/python bench/capacity.py            # ~3 minutes
    .venv/bin/python bench/capacity.py --smoke    # tiny, < 20 s, exits 0 when it ran

Sage calls are told apart by route: polling reads ``contacts``, the interactive tenants
``sales_invoices`` and the noisy tenant ``purchase_invoices``/``products``/``services``.
The response cache is off, so every query is a Sage call (a cached read would cost Sage
nothing and measure nothing here).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ledgergraph.sandbox import RunningSandbox, SandboxConfig, serve_sandbox
from ledgergraph.sandbox.books import DEMO_USER_ID, SOLO_USER_ID, business_id_for
from ledgergraph.sandbox.config import RateLimits
from ledgergraph.sandbox.runner import SandboxUrls
from ledgergraph.settings import Settings
from tests.redis_server import RedisProcess, free_port
from tests.support.browser import connect
from tests.support.server import server_env
from tests.support.ws import GraphQLWebSocket, Operation, OperationFailed

ROOT = Path(__file__).resolve().parent.parent
SAGE_DAY = 1_296_000  # requests per app per day
DAY = 86_400.0
# Sage user and business key of each usable sandbox business (old-mill's subscription has
# expired); tenant i uses BUSINESSES[i % 8].
BUSINESSES = [
    (DEMO_USER_ID, key)
    for key in (
        "brightwater",
        "liffey",
        "maple-ridge",
        "golden-gate",
        "lumiere",
        "ceramicas",
        "nordlicht",
    )
] + [(SOLO_USER_ID, "carter-plumbing")]

INTERACTIVE = "{ invoices(first: 10) { nodes { number } } }"
BACKFILL = [
    """query($after: String) { bills(first: 50, after: $after) {
        pageInfo { endCursor hasNextPage } nodes { reference } } }""",
    """query($after: String) { items(first: 50, after: $after) {
        pageInfo { endCursor hasNextPage } nodes { name } } }""",
]
SUBSCRIPTION = """subscription($since: String) { syncEvents(types: [CONTACT], since: $since) {
    cursor kind objectType remoteId businessId source } }"""
POLLING_ROUTES = {"GET /v3.1/contacts"}
INTERACTIVE_ROUTES = {"GET /v3.1/sales_invoices"}
NOISY_ROUTES = {"GET /v3.1/purchase_invoices", "GET /v3.1/products", "GET /v3.1/services"}

TARGET_LATENCY_RATIO = 1.10
TARGET_JAIN = 0.9


@dataclass(frozen=True, slots=True)
class Plan:
    tenants: int
    subscribers: int
    interactive: int
    noisy_concurrency: int
    warm_up: float
    phase: float
    think: float
    change_every: float
    compress: float
    sage_in_flight: int
    app_in_flight: int
    tenant_in_flight: int
    latency_ms: float
    app_budget: bool
    # GraphQL operations of one tenant executing at once per worker (0: no limit).
    operations_per_tenant: int
    # ... of a tenant using over twice the others' average loop time (fair admission).
    heavy_operations: int
    heavy_share: float

    @property
    def poll_interval(self) -> float:
        return 15.0 / self.compress

    @property
    def idle_max(self) -> float:
        return 120.0 / self.compress


def plan_from(args: argparse.Namespace) -> Plan:
    if args.smoke:
        return Plan(
            tenants=12,
            subscribers=6,
            interactive=4,
            noisy_concurrency=6,
            warm_up=0.5,
            phase=2.0,
            think=0.1,
            change_every=0.5,
            compress=60.0,
            sage_in_flight=args.sage_in_flight,
            app_in_flight=args.app_in_flight,
            tenant_in_flight=args.tenant_in_flight,
            latency_ms=args.latency_ms,
            app_budget=not args.no_app_budget,
            operations_per_tenant=args.operations_per_tenant,
            heavy_operations=args.heavy_operations,
            heavy_share=args.heavy_share,
        )
    return Plan(
        tenants=args.tenants,
        subscribers=args.subscribers,
        interactive=args.interactive,
        noisy_concurrency=args.noisy_concurrency,
        warm_up=args.warm_up,
        phase=args.phase,
        think=args.think,
        change_every=args.change_every,
        compress=args.compress,
        sage_in_flight=args.sage_in_flight,
        app_in_flight=args.app_in_flight,
        tenant_in_flight=args.tenant_in_flight,
        latency_ms=args.latency_ms,
        app_budget=not args.no_app_budget,
        operations_per_tenant=args.operations_per_tenant,
        heavy_operations=args.heavy_operations,
        heavy_share=args.heavy_share,
    )


# -- the sandbox, in a process of its own -------------------------------------------------------


async def serve_sandbox_forever(port: int, concurrent: int) -> None:
    config = SandboxConfig(
        controls=True, scale=0.2, limits=RateLimits(per_day=SAGE_DAY, concurrent=concurrent)
    )
    async with serve_sandbox(config, port=port):
        print("ready", flush=True)
        await asyncio.Event().wait()


@dataclass(frozen=True, slots=True)
class RemoteSandbox(SandboxUrls):
    """What ``server_env`` reads of a sandbox, for one running in another process."""

    config: SandboxConfig = field(default_factory=SandboxConfig)


def snapshot_code(log_dir: Path) -> Path:
    """Copy the code the processes run once: whatever happens to the work tree meanwhile, the
    run measures the code it started with."""
    code = log_dir / "code"
    for part in ("ledgergraph", "tests", "bench"):
        shutil.copytree(
            ROOT / part, code / part, ignore=shutil.ignore_patterns("__pycache__", "*.log")
        )
    return code


@asynccontextmanager
async def child(
    args: Sequence[str], log: Path, code: Path, env: dict[str, str] | None = None
) -> AsyncIterator[asyncio.subprocess.Process]:
    env = (dict(os.environ) if env is None else env) | {"PYTHONPATH": str(code)}
    with log.open("ab") as output:
        process = await asyncio.create_subprocess_exec(
            *args,
            env=env,
            stdout=output,
            stderr=output,
            cwd=code,
        )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), timeout=10)
            except TimeoutError:
                process.kill()
                await process.wait()


async def wait_ready(url: str, process: asyncio.subprocess.Process, log: Path) -> bool:
    """True once ``url`` answers 200; False when the process exited first (its port was taken
    between ``free_port()`` and its bind: the caller starts it again on another port)."""
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(timeout=2) as http:
        while time.monotonic() < deadline:
            if process.returncode is not None:
                return False
            with contextlib.suppress(httpx.TransportError):
                if (await http.get(url)).status_code == 200:
                    return True
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not become ready; see {log}")


async def start_on_a_free_port(
    stack: AsyncExitStack,
    launch: Callable[[int], AbstractAsyncContextManager[asyncio.subprocess.Process]],
    ready_path: str,
    log: Path,
) -> str:
    """Start a server process on a free port and return its URL once it answers ``ready_path``;
    another port and another try when the port was taken meanwhile."""
    for _ in range(3):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        async with AsyncExitStack() as attempt:
            process = await attempt.enter_async_context(launch(port))
            if await wait_ready(f"{url}{ready_path}", process, log):
                await stack.enter_async_context(attempt.pop_all())
                return url
    raise RuntimeError(f"{url} exited three times; see {log}")


# -- tenants ------------------------------------------------------------------------------------


@dataclass(slots=True)
class Tenant:
    index: int
    name: str
    token: str
    business: str
    worker: str  # the worker URL this tenant's clients use


async def connect_tenants(
    http: httpx.AsyncClient, workers: list[str], run: str, count: int
) -> list[Tenant]:
    from ledgergraph.auth import TenantAuthenticator
    from tests.support.server import JWT_SECRET

    minter = TenantAuthenticator(JWT_SECRET)
    gate = asyncio.Semaphore(8)

    async def one(index: int) -> Tenant:
        user, key = BUSINESSES[index % len(BUSINESSES)]
        business = business_id_for(key)
        name = f"cap-{run}-{index}"
        token = minter.mint(name, ttl=3600)
        worker = workers[index % len(workers)]
        async with gate:
            choose = business if user == DEMO_USER_ID else None
            # Through the first worker, whose public URL the sandbox redirects back to.
            await connect(http, workers[0], token, user_id=user, choose=choose)
            body = (
                await http.post(
                    f"{worker}/graphql",
                    json={"query": "{ connection { status business { remoteId } } }"},
                    headers={"Authorization": f"Bearer {token}"},
                )
            ).json()
        connection = body["data"]["connection"]
        if connection["status"] != "CONNECTED" or connection["business"]["remoteId"] != business:
            raise RuntimeError(f"tenant {name} did not connect: {body}")
        return Tenant(index, name, token, business, worker)

    return list(await asyncio.gather(*(one(i) for i in range(count))))


# -- load ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    done: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    errors: Counter[str] = field(default_factory=Counter)
    noisy_done: int = 0


async def graphql(
    http: httpx.AsyncClient, tenant: Tenant, query: str, variables: dict[str, Any] | None = None
) -> tuple[dict[str, Any] | None, str | None]:
    try:
        response = await http.post(
            f"{tenant.worker}/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {tenant.token}"},
        )
    except httpx.TransportError as exc:
        return None, type(exc).__name__
    try:
        body = response.json()
    except ValueError:
        return None, f"HTTP {response.status_code}"
    if not isinstance(body, dict):
        return None, f"HTTP {response.status_code}"
    if body.get("errors"):
        code = body["errors"][0].get("extensions", {}).get("code", "(no code)")
        return body, str(code)
    return body, None


async def interactive_loop(
    http: httpx.AsyncClient, tenant: Tenant, tally: Tally, phase: list[str], think: float
) -> None:
    rng = random.Random(tenant.index)
    await asyncio.sleep(rng.uniform(0, think))
    while True:
        started = time.monotonic()
        _, error = await graphql(http, tenant, INTERACTIVE)
        elapsed = time.monotonic() - started
        current = phase[0]
        if error is None:
            tally.latencies[current].append(elapsed)
            tally.done[current][tenant.name] += 1
        else:
            tally.errors[f"interactive {error}"] += 1
        await asyncio.sleep(think)


async def backfill_loop(http: httpx.AsyncClient, tenant: Tenant, tally: Tally, lane: int) -> None:
    """Page through the tenant's bills and items, over and over (a nightly export, say)."""
    query = BACKFILL[lane % len(BACKFILL)]
    after: str | None = None
    while True:
        body, error = await graphql(http, tenant, query, {"after": after})
        if error is not None or body is None:
            tally.errors[f"noisy {error}"] += 1
            await asyncio.sleep(0.05)
            after = None
            continue
        tally.noisy_done += 1
        page = next(iter(body["data"].values()))
        info = page["pageInfo"]
        after = info["endCursor"] if info["hasNextPage"] else None


@dataclass(slots=True)
class Deliveries:
    # (tenant, remote id) -> how many times a CREATED event of that contact arrived
    seen: Counter[tuple[str, str]] = field(default_factory=Counter)
    # Subscriptions that ended before the run did (the client resumed them), by why.
    ended: Counter[str] = field(default_factory=Counter)


async def subscriber(tenant: Tenant, deliveries: Deliveries, live: asyncio.Event) -> None:
    """A client as the README asks for: it keeps the last cursor and, when its subscription
    ends (an error, a closed socket), subscribes again with ``since:`` it, missing nothing."""
    cursor: str | None = None
    while True:
        try:
            async with GraphQLWebSocket.open(tenant.worker, token=tenant.token) as socket:
                operation = await socket.subscribe(
                    SUBSCRIPTION, {} if cursor is None else {"since": cursor}
                )
                live.set()
                cursor = await _read(operation, tenant, deliveries, cursor)
        except OperationFailed as exc:
            deliveries.ended[",".join(exc.codes) or "error"] += 1
        except (OSError, TimeoutError) as exc:  # the socket, not the subscription
            deliveries.ended[type(exc).__name__] += 1
        await asyncio.sleep(0.5)


async def _read(
    operation: Operation, tenant: Tenant, deliveries: Deliveries, cursor: str | None
) -> str | None:
    """Events until the subscription ends; returns the cursor of the last one."""
    while True:
        try:
            result = await operation.next(timeout=3600)
        except StopAsyncIteration:
            deliveries.ended["completed"] += 1
            return cursor
        if result.get("errors"):
            code = result["errors"][0].get("extensions", {}).get("code", "(no code)")
            deliveries.ended[str(code)] += 1
            continue
        event = (result.get("data") or {}).get("syncEvents") or {}
        cursor = event.get("cursor") or cursor
        if event.get("kind") == "CREATED" and event.get("objectType") == "CONTACT":
            deliveries.seen[(tenant.name, str(event["remoteId"]))] += 1


async def out_of_band_edits(
    http: httpx.AsyncClient, sandbox: str, every: float, made: list[tuple[str, str]]
) -> None:
    """Someone creates a contact in one of the businesses now and then (in Sage's web app)."""
    rng = random.Random(7)
    while True:
        await asyncio.sleep(every)
        business = business_id_for(rng.choice(BUSINESSES)[1])
        response = await http.post(
            f"{sandbox}/__sandbox/businesses/{business}/contacts",
            json={
                "contact": {
                    "name": f"Walk-in {uuid.uuid4().hex[:8]}",
                    "contact_type_ids": ["CUSTOMER"],
                }
            },
        )
        if response.status_code == 201:
            made.append((business, str(response.json()["id"])))


# -- figures ------------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def jain(values: Sequence[float]) -> float:
    """Jain's fairness index: 1.0 when every value is equal, 1/n when one takes everything."""
    if not values or not any(values):
        return 0.0
    return sum(values) ** 2 / (len(values) * sum(v * v for v in values))


def routes(stats: dict[str, Any], names: set[str]) -> int:
    return sum(int(n) for route, n in stats["requests"].items() if route in names)


def api_calls(stats: dict[str, Any]) -> int:
    return sum(int(n) for route, n in stats["requests"].items() if " /v3.1/" in route)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


# -- the run ------------------------------------------------------------------------------------


async def run(plan: Plan, smoke: bool) -> int:
    run_id = uuid.uuid4().hex[:6]
    log_dir = Path(tempfile.mkdtemp(prefix="ledgergraph-capacity-"))
    code = await asyncio.to_thread(snapshot_code, log_dir)
    me = code / "bench" / "capacity.py"
    began = time.monotonic()
    print(f"capacity: {plan}")
    print(f"logs in {log_dir}")
    with RedisProcess() as redis:
        async with AsyncExitStack() as stack:
            sandbox_log = log_dir / "sandbox.log"
            sandbox_url = await start_on_a_free_port(
                stack,
                lambda port: child(
                    [
                        sys.executable,
                        str(me),
                        "--serve-sandbox",
                        str(port),
                        "--sage-in-flight",
                        str(plan.sage_in_flight),
                    ],
                    sandbox_log,
                    code,
                ),
                "/__sandbox/stats",
                sandbox_log,
            )
            remote = cast(RunningSandbox, RemoteSandbox(sandbox_url))
            inherited = {k: v for k, v in os.environ.items() if not k.startswith("LEDGERGRAPH_")}

            def worker_env(port: int) -> dict[str, str]:
                return inherited | server_env(
                    remote,
                    port=port,
                    redis_url=redis.url,
                    prefix=f"cap-{run_id}:",
                    LEDGERGRAPH_SYNC_POLL_INTERVAL=str(plan.poll_interval),
                    LEDGERGRAPH_SYNC_IDLE_MAX_INTERVAL=str(plan.idle_max),
                    # Leases and announcements at their real lengths: no worker dies here.
                    LEDGERGRAPH_RESPONSE_CACHE="false",
                    # Measured here: the app's budget, not the per-tenant request limits.
                    LEDGERGRAPH_RATE_LIMIT_REQUESTS="0",
                    LEDGERGRAPH_SAGE_BUDGET_PER_MINUTE="0",
                    LEDGERGRAPH_SAGE_APP_BUDGET="true" if plan.app_budget else "false",
                    LEDGERGRAPH_SAGE_APP_IN_FLIGHT=str(plan.app_in_flight),
                    LEDGERGRAPH_SAGE_APP_TENANT_IN_FLIGHT=str(plan.tenant_in_flight),
                    LEDGERGRAPH_GRAPHQL_TENANT_CONCURRENCY=str(plan.operations_per_tenant),
                    LEDGERGRAPH_GRAPHQL_TENANT_HEAVY_CONCURRENCY=str(plan.heavy_operations),
                    LEDGERGRAPH_GRAPHQL_TENANT_HEAVY_SHARE=str(plan.heavy_share),
                    LEDGERGRAPH_LOG_LEVEL="WARNING",
                )

            def worker(n: int) -> Awaitable[str]:
                log = log_dir / f"worker-{n}.log"
                serve = [sys.executable, "-m", "ledgergraph.cli", "serve", "--no-browser"]
                return start_on_a_free_port(
                    stack, lambda port: child(serve, log, code, worker_env(port)), "/healthz", log
                )

            # Started together, waited for together: start-up is most of a smoke run.
            workers = list(await asyncio.gather(worker(0), worker(1)))

            limits = httpx.Limits(max_connections=256, max_keepalive_connections=128)
            http = await stack.enter_async_context(httpx.AsyncClient(timeout=60, limits=limits))
            control = await stack.enter_async_context(httpx.AsyncClient(timeout=30))

            t0 = time.monotonic()
            tenants = await connect_tenants(http, workers, run_id, plan.tenants)
            print(f"connected {len(tenants)} tenants in {time.monotonic() - t0:.1f} s")
            await control.post(
                f"{sandbox_url}/__sandbox/faults", json={"latency_ms": plan.latency_ms}
            )

            subscribers = tenants[: plan.subscribers]
            interactive = tenants[plan.subscribers : plan.subscribers + plan.interactive]
            noisy = tenants[plan.subscribers + plan.interactive]
            deliveries = Deliveries()
            tasks: list[asyncio.Task[None]] = []
            lives = [asyncio.Event() for _ in subscribers]
            for tenant, live in zip(subscribers, lives, strict=True):
                tasks.append(asyncio.create_task(subscriber(tenant, deliveries, live)))
            await asyncio.wait_for(asyncio.gather(*(live.wait() for live in lives)), timeout=120)
            print(f"{len(subscribers)} live subscriptions; warming up {plan.warm_up:.0f} s")
            await asyncio.sleep(plan.warm_up)

            before = (await control.get(f"{sandbox_url}/__sandbox/stats")).json()
            await control.post(f"{sandbox_url}/__sandbox/stats/reset")
            tally = Tally()
            phase = ["A"]
            made: list[tuple[str, str]] = []
            load = [
                asyncio.create_task(interactive_loop(http, t, tally, phase, plan.think))
                for t in interactive
            ]
            edits = asyncio.create_task(
                out_of_band_edits(control, sandbox_url, plan.change_every, made)
            )
            a_began = time.monotonic()
            await asyncio.sleep(plan.phase)
            phase[0] = "B"
            b_began = time.monotonic()
            backfill = [
                asyncio.create_task(backfill_loop(http, noisy, tally, lane))
                for lane in range(plan.noisy_concurrency)
            ]
            await asyncio.sleep(plan.phase)
            phase[0] = "drain"
            stats_b = (await control.get(f"{sandbox_url}/__sandbox/stats")).json()
            measured = time.monotonic() - a_began
            noisy_time = time.monotonic() - b_began
            for task in [*load, *backfill, edits]:
                task.cancel()
            await asyncio.gather(*load, *backfill, edits, return_exceptions=True)

            # Every edit reaches every subscriber of its business: within the longest idle
            # pace when all is well; up to ``late`` more when polls were paused (errors, 429s).
            expected = Counter(
                (t.name, contact)
                for business, contact in made
                for t in subscribers
                if t.business == business
            )
            drain = plan.idle_max * 1.25 + 2 * plan.poll_interval + 1.0
            late = 0.0 if smoke else 60.0
            print(f"draining sync events for {drain:.0f} s (up to {drain + late:.0f} s)")
            drained_at = time.monotonic()
            while time.monotonic() - drained_at < drain + late:
                await asyncio.sleep(0.5)
                if time.monotonic() - drained_at >= drain and all(
                    deliveries.seen[key] for key in expected
                ):
                    break
            drain_time = time.monotonic() - drained_at
            final = (await control.get(f"{sandbox_url}/__sandbox/stats")).json()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    # -- report -----------------------------------------------------------------------------
    missed = sum(1 for key in expected if deliveries.seen[key] == 0)
    duplicated = sum(n - 1 for key, n in deliveries.seen.items() if key in expected and n > 1)
    rejected_429 = sum(int(s["statuses"].get("429", 0)) for s in (before, final))
    peak = max(int(s.get("peak_in_flight", -1)) for s in (before, final))

    polling = routes(stats_b, POLLING_ROUTES)
    inter_calls = routes(stats_b, INTERACTIVE_ROUTES)
    noisy_calls = routes(stats_b, NOISY_ROUTES)
    other = api_calls(stats_b) - polling - inter_calls - noisy_calls
    polling_day = polling / measured * DAY / plan.compress
    inter_day = inter_calls / measured * DAY
    other_day = other / measured * DAY
    noisy_day = noisy_calls / noisy_time * DAY
    naive_day = plan.subscribers * 2 * DAY / 15.0
    idle_day = plan.subscribers * 2 * DAY / 120.0

    lat_a, lat_b = tally.latencies["A"], tally.latencies["B"]
    p50a, p95a, p50b, p95b = (
        percentile(lat_a, 0.5),
        percentile(lat_a, 0.95),
        percentile(lat_b, 0.5),
        percentile(lat_b, 0.95),
    )
    share_b = [float(tally.done["B"][t.name]) for t in interactive]
    share_a = [float(tally.done["A"][t.name]) for t in interactive]
    fairness = jain(share_b)

    print()
    print(
        f"== capacity ({'smoke' if smoke else 'full'}) run {run_id}, "
        f"{time.monotonic() - began:.0f} s, load average {os.getloadavg()[0]:.2f}"
    )
    print(
        f"tenants {plan.tenants}, live subscribers {plan.subscribers}, interactive "
        f"{plan.interactive}, noisy 1 x {plan.noisy_concurrency} lanes, 2 workers, "
        f"app budget {'on' if plan.app_budget else 'OFF'}, operations per tenant per worker "
        f"{plan.operations_per_tenant or 'unlimited'} (a heavy tenant's {plan.heavy_operations}, "
        f"at most {plan.heavy_share:.0%} of the loop)"
    )
    print(
        f"sandbox: {plan.sage_in_flight} in flight per app, {plan.latency_ms:.0f} ms per call; "
        f"LedgerGraph cap {plan.app_in_flight} (tenant {plan.tenant_in_flight}); "
        f"polling every {plan.poll_interval:g} s, idle up to {plan.idle_max:g} s "
        f"(clock x{plan.compress:g})"
    )
    checks: list[bool] = []

    def line(label: str, value: str, ok: bool | None = None) -> None:
        if ok is not None:
            checks.append(ok)
        mark = "" if ok is None else f"  {verdict(ok)}"
        print(f"  {label:<44} {value}{mark}")

    line("Sage 429s received (target 0)", f"{rejected_429}", rejected_429 == 0)
    line(
        f"peak Sage calls in flight (target <= {plan.app_in_flight})",
        f"{peak}" if peak >= 0 else "not reported by the sandbox",
        (0 <= peak <= plan.app_in_flight) if peak >= 0 else None,
    )
    line(
        "Sage calls in A+B (polling/interactive/noisy/other)",
        f"{polling}/{inter_calls}/{noisy_calls}/{other} in {measured:.0f} s",
    )
    line(
        "polling calls/day projected (real intervals)",
        f"{polling_day:,.0f} ({polling_day / max(1, plan.subscribers):,.0f} per business)",
    )
    line("  the same subscribers at a fixed 15 s", f"{naive_day:,.0f}")
    line("  the same subscribers all idle (120 s)", f"{idle_day:,.0f}")
    line("  share of the app's day", f"{polling_day / SAGE_DAY:.0%}")
    # Informational: the synthetic loads below run all day long only in this projection.
    line("interactive calls/day if this load ran all day", f"{inter_day:,.0f}")
    line("noisy backfill calls/day if it ran all day", f"{noisy_day:,.0f}")
    total_day = polling_day + inter_day + other_day
    line(
        f"polling + interactive calls/day vs {SAGE_DAY:,}",
        f"{total_day:,.0f} ({total_day / SAGE_DAY:.0%})",
    )
    line(
        "interactive p50 A -> B",
        f"{p50a * 1000:.0f} -> {p50b * 1000:.0f} ms (x{p50b / p50a if p50a else 0:.2f})",
        p50a > 0 and p50b <= p50a * TARGET_LATENCY_RATIO,
    )
    line(
        "interactive p95 A -> B",
        f"{p95a * 1000:.0f} -> {p95b * 1000:.0f} ms (x{p95b / p95a if p95a else 0:.2f})",
        p95a > 0 and p95b <= p95a * TARGET_LATENCY_RATIO,
    )
    line(
        "interactive requests A / B", f"{len(lat_a)} / {len(lat_b)}; noisy pages {tally.noisy_done}"
    )
    line(
        f"Jain's index, interactive tenants in B (>= {TARGET_JAIN})",
        f"{fairness:.3f} (A: {jain(share_a):.3f})",
        fairness >= TARGET_JAIN,
    )
    line("errors", ", ".join(f"{k}: {n}" for k, n in tally.errors.most_common()) or "none")
    line("sync events: edits, expected deliveries", f"{len(made)}, {sum(expected.values())}")
    line(
        "sync events missed / duplicated",
        f"{missed} / {duplicated} after {drain_time:.0f} s of drain",
        missed == 0 and duplicated == 0,
    )
    line(
        "subscriptions ended early",
        ", ".join(f"{k}: {n}" for k, n in deliveries.ended.most_common()) or "none",
    )
    passed = all(checks)
    print(f"targets: {sum(checks)}/{len(checks)} met")
    if smoke:
        return 0
    return 0 if passed else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny run (< 20 s); exit 0 if it ran")
    parser.add_argument("--tenants", type=int, default=300)
    parser.add_argument("--subscribers", type=int, default=200)
    parser.add_argument("--interactive", type=int, default=20)
    parser.add_argument("--noisy-concurrency", type=int, default=24)
    parser.add_argument("--warm-up", type=float, default=30.0)
    parser.add_argument("--phase", type=float, default=30.0)
    parser.add_argument("--think", type=float, default=1.0)
    parser.add_argument("--change-every", type=float, default=4.0)
    parser.add_argument("--compress", type=float, default=5.0)
    parser.add_argument("--sage-in-flight", type=int, default=30)
    parser.add_argument("--app-in-flight", type=int, default=28)
    parser.add_argument("--tenant-in-flight", type=int, default=7)
    parser.add_argument("--latency-ms", type=float, default=40.0)
    parser.add_argument("--no-app-budget", action="store_true", help="baseline: budget off")
    parser.add_argument(
        "--operations-per-tenant",
        type=int,
        default=Settings.model_fields["graphql_tenant_concurrency"].default,
        help="GraphQL operations of one tenant executing at once per worker (0: no limit)",
    )
    parser.add_argument(
        "--heavy-operations",
        type=int,
        default=Settings.model_fields["graphql_tenant_heavy_concurrency"].default,
        help="... of a tenant using over twice the others' average loop time per worker "
        "(= --operations-per-tenant: fair admission off)",
    )
    parser.add_argument(
        "--heavy-share",
        type=float,
        default=Settings.model_fields["graphql_tenant_heavy_share"].default,
        help="... and the share of a worker's loop it may use while others are active (1: no cap)",
    )
    parser.add_argument("--serve-sandbox", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_sandbox is not None:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve_sandbox_forever(args.serve_sandbox, args.sage_in_flight))
        return 0
    plan = plan_from(args)
    if plan.subscribers + plan.interactive + 1 > plan.tenants:
        parser.error("--tenants must exceed --subscribers + --interactive")
    return asyncio.run(run(plan, args.smoke))


if __name__ == "__main__":
    sys.exit(main())
