"""Benchmark: no cache stampede — Sage calls of concurrent identical reads vs the minimum.

1. One server (in this process, memory store): 16 identical queries at once on a cold
   cache. Minimum: the calls of one such query.
2. Two server processes (``ledgergraph serve``) sharing a throwaway Redis, under steady load
   (clients on both, for ``--seconds``) while every cached response expires every ``--ttl``
   seconds. Bound: one refill of the query's responses per expiry (plus the first fill),
   i.e. its calls x (1 + seconds / ttl), however many clients and processes ask; fewer when
   no query happens to arrive right after an expiry.

Calls are counted by the sandbox (``/__sandbox/stats``, API calls only: token grants are not
cache fills). A script, not a test:

    .venv/bin/python bench/stampede.py [--latency-ms 50] [--seconds 20] [--ttl 2] [--smoke]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ledgergraph.sandbox import RunningSandbox, SandboxConfig, serve_sandbox
from ledgergraph.sandbox.books import DEMO_USER_ID
from tests.redis_server import RedisProcess
from tests.support.browser import connect
from tests.support.server import LiveServer, serve_ledgergraph, server_process

QUERY = """{ invoices(first: 50) { nodes { number contact { name email }
  lines { taxRate { kind } ledgerAccount { code } } } } }"""
KINDS = ("sales_invoices", "contacts", "tax_rates", "ledger_accounts")
NO_LIMITS: dict[str, Any] = {"sage_budget_per_minute": 0, "rate_limit_requests": 0}


async def _calls(http: httpx.AsyncClient, sandbox: RunningSandbox) -> int:
    stats = (await http.get(f"{sandbox.url}/__sandbox/stats")).json()
    return sum(n for route, n in stats["requests"].items() if " /v3.1/" in route)


async def _reset(http: httpx.AsyncClient, sandbox: RunningSandbox) -> None:
    await http.post(f"{sandbox.url}/__sandbox/stats/reset")


async def _ask(server: LiveServer, http: httpx.AsyncClient) -> None:
    body = await server.graphql(http, "acme", QUERY)
    assert "errors" not in body, body.get("errors")


async def burst(sandbox: RunningSandbox, http: httpx.AsyncClient, clients: int) -> None:
    async with serve_ledgergraph(sandbox, **NO_LIMITS) as server:
        await connect(http, server.url, server.token("acme"), user_id=DEMO_USER_ID)
        runtime = server.runtime
        assert runtime is not None
        ref = (await runtime.connections.get("acme")).business  # type: ignore[arg-type, union-attr]
        assert ref is not None

        async def cold() -> None:
            await runtime.sage.invalidate("acme", ref.id, *KINDS)  # type: ignore[arg-type]
            await _reset(http, sandbox)

        # Twice alone: the second is cold with the lists' totals known, as the burst is.
        for _ in range(2):
            await cold()
            await _ask(server, http)
        one = await _calls(http, sandbox)
        await cold()
        started = time.perf_counter()
        await asyncio.gather(*(_ask(server, http) for _ in range(clients)))
        took = (time.perf_counter() - started) * 1000
        calls = await _calls(http, sandbox)
    print(
        f"{clients} identical cold queries, one server: {calls} Sage calls, minimum {one} "
        f"({calls / one:.2f}x; target 1.00x: {'PASS' if calls == one else 'FAIL'}); "
        f"all answered in {took:.0f} ms"
    )


async def fleet(
    sandbox: RunningSandbox, http: httpx.AsyncClient, *, seconds: float, ttl: float, clients: int
) -> None:
    env: dict[str, Any] = {
        "LEDGERGRAPH_RESPONSE_CACHE_DEFAULT_TTL": str(ttl),
        "LEDGERGRAPH_SAGE_BUDGET_PER_MINUTE": "0",
        "LEDGERGRAPH_RATE_LIMIT_REQUESTS": "0",
    }
    prefix = f"stampede-{os.getpid()}:"
    with RedisProcess(appendonly=True) as redis:
        async with (
            server_process(sandbox, redis_url=redis.url, prefix=prefix, **env) as first,
            server_process(sandbox, redis_url=redis.url, prefix=prefix, **env) as second,
        ):
            await connect(http, first.url, first.token("acme"), user_id=DEMO_USER_ID)
            await asyncio.sleep(ttl + 0.1)  # whatever the connect flow cached expires
            await _ask(first, http)  # learns the lists' totals
            await asyncio.sleep(ttl + 0.1)
            await _reset(http, sandbox)
            await _ask(first, http)
            one = await _calls(http, sandbox)
            await asyncio.sleep(ttl + 0.1)
            await _reset(http, sandbox)
            deadline = time.monotonic() + seconds
            answered = 0

            async def client(server: LiveServer) -> None:
                nonlocal answered
                while time.monotonic() < deadline:
                    await _ask(server, http)
                    answered += 1

            started = time.monotonic()
            await asyncio.gather(*(client(s) for s in (first, second) for _ in range(clients)))
            elapsed = time.monotonic() - started
            calls = await _calls(http, sandbox)
    # Each expiry needs one refill of the query's responses: more than one refill per expiry
    # (a stampede, within or across processes) would exceed this bound.
    bound = one * (1 + math.floor(elapsed / ttl))
    print(
        f"2 server processes, {2 * clients} clients, {elapsed:.1f} s, cache TTL {ttl:g} s: "
        f"{answered} queries, {calls} Sage calls = {calls / one:.1f} fills of {one} calls; "
        f"at most one fill per expiry allows {bound} ({'PASS' if calls <= bound else 'FAIL'})"
    )


async def main(args: argparse.Namespace) -> None:
    config = SandboxConfig(controls=True, scale=0.1) if args.smoke else SandboxConfig(controls=True)
    async with serve_sandbox(config) as sandbox, httpx.AsyncClient(timeout=120) as http:
        await http.post(f"{sandbox.url}/__sandbox/faults", json={"latency_ms": args.latency_ms})
        print(f"Sage latency {args.latency_ms} ms per call; query: 50 invoices + contact + lines")
        await burst(sandbox, http, args.clients)
        await fleet(sandbox, http, seconds=args.seconds, ttl=args.ttl, clients=args.clients // 2)
    print("load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--ttl", type=float, default=2.0)
    parser.add_argument("--smoke", action="store_true", help="tiny books, a short run (CI)")
    args = parser.parse_args()
    if args.smoke:
        args.seconds = 3.0
    asyncio.run(main(args))
