"""Memory: does a worker keep anything per request or per event under a steady load?

One embedded sandbox, one Redis with AOF, ``ledgergraph serve`` workers, the soak's four
tenants with one ``syncEvents`` subscriber each and the soak's mixed load (queries of six
shapes, 20 % createContact/createInvoice), without chaos. Each worker runs through a small
bootstrap (here, not in the package) that answers SIGUSR1 by writing, after a full
collection, its RSS, its objects (``gc.get_objects()`` plus the frozen ones) and their counts
by type to a JSON file. Measured after ``--warm-up`` seconds and then every ``--every``
seconds, each time with no request in flight (the load pauses for the measure; the
subscriptions stay open), so every two points compare like with like; CPU time
(/proc/<pid>/stat) is read at the same moments.

``--store memory`` runs one worker on the in-process store instead (no Redis for it, and so
no subscribers: their markers go through Redis).

It prints, per worker: RSS, objects and CPU at each point, with the objects kept per 1 000
requests since the point before; RSS growth and objects retained per 1 000 requests from
warm-up to the end and over the *last half* of the run. The bounded caches (the per-process
entries, the object memo, the decoded connection records) fill during the first minutes --
their objects are kept on purpose, up to their budget -- so the last half, once they are
full, is the figure that tells a leak, and both targets are judged on it (at the default
256 MB copy the caches fill for about five minutes of this load; at 32 MB, within the
first). Also the types that grew most, CPU ms per request. With ``--compare-freeze`` a
second worker runs with ``gc.freeze()`` made a no-op, on the same load (round-robin), to
price ``ledgergraph.serving``'s freeze. Exits 1 if the (first) worker misses a target. A
script, not a test:

    .venv/bin/python bench/memory.py --duration 480 --compare-freeze [--store memory]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _support import cpu_seconds, wait_healthy
from soak import (
    ACCESS_TOKEN_TTL,
    CATEGORIES,
    WORKER_ENV,
    Load,
    Outages,
    Subscriber,
    Tally,
    Worker,
    _connect_tenants,
    snapshot_code,
)

from ledgergraph.cache import RedisStore
from ledgergraph.events import EventLog
from ledgergraph.sandbox import SandboxConfig, serve_sandbox
from tests.redis_server import RedisProcess, free_port
from tests.support.server import server_env

TARGET_RSS_GROWTH = 0.05
# Per 1 000 requests after warm-up. A few objects come with the load even then (pooled
# connections, metric label sets seen for the first time): a leak of even one object a
# request is 1 000, and a subscription event's was ~4 400.
TARGET_OBJECTS_PER_1000 = 200

BOOTSTRAP = """
import collections, gc, json, os, signal, sys
out, dumps = os.environ["MEMORY_FACTS"], [0]
def dump(signum, frame):
    gc.collect()
    objects = gc.get_objects()
    types = collections.Counter(
        f"{getattr(type(o), '__module__', '?')}.{type(o).__qualname__}" for o in objects
    )
    status = open("/proc/self/status").read().split("VmRSS:")[1]
    facts = {"rss_kb": int(status.split()[0]), "objects": len(objects) + gc.get_freeze_count(),
             "types": dict(types)}
    del objects
    with open(f"{out}-{dumps[0]}.json", "w") as f:
        json.dump(facts, f)
    dumps[0] += 1
signal.signal(signal.SIGUSR1, dump)
if os.environ.get("MEMORY_NO_FREEZE"):
    gc.freeze = lambda: None
from ledgergraph.cli import main
sys.exit(main(["serve", "--no-browser"]))
"""


@dataclass
class Point:
    elapsed: float
    requests: int
    cpu: float
    rss_kb: int
    objects: int
    types: dict[str, int]
    quiet: bool  # no request in flight


@dataclass
class ProbedWorker(Worker):
    label: str = "gc.freeze"
    extra: dict[str, str] = field(default_factory=dict)
    requests: int = 0
    points: list[Point] = field(default_factory=list)

    async def start(self) -> None:
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("LEDGERGRAPH_")}
        inherited["PYTHONPATH"] = str(self.code)
        with self.log.open("ab") as output:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                BOOTSTRAP,
                env=inherited | self.env | self.extra,
                cwd=self.code,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=output,
            )
        await wait_healthy(self.url, self.process, log=self.log, within=60)
        self.down = False

    def cpu_seconds(self) -> float:
        assert self.process is not None
        return cpu_seconds(self.process.pid)

    async def measure(self, elapsed: float, quiet: bool) -> None:
        assert self.process is not None
        facts = Path(self.extra["MEMORY_FACTS"] + f"-{len(self.points)}.json")
        cpu, requests = self.cpu_seconds(), self.requests
        self.process.send_signal(signal.SIGUSR1)
        for _ in range(600):
            with contextlib.suppress(OSError, ValueError):
                data = json.loads(await asyncio.to_thread(facts.read_text))
                break
            await asyncio.sleep(0.05)
        else:
            raise RuntimeError(f"worker {self.index} wrote no memory facts; see {self.log}")
        self.points.append(
            Point(elapsed, requests, cpu, data["rss_kb"], data["objects"], data["types"], quiet)
        )


class CountingLoad(Load):
    """The soak's load, counting the requests each worker was sent."""

    async def send(self, worker: Worker, *args: Any, **kwargs: Any) -> Any:
        assert isinstance(worker, ProbedWorker)
        worker.requests += 1
        return await super().send(worker, *args, **kwargs)


async def measure(args: argparse.Namespace) -> list[ProbedWorker]:
    run_id = uuid.uuid4().hex[:6]
    prefix = f"memory-{run_id}:"
    out = Path(args.log_dir or tempfile.mkdtemp(prefix="ledgergraph-memory-"))
    code = await asyncio.to_thread(snapshot_code, out)
    print(f"memory {run_id}: {args.duration:g} s, logs in {out}", flush=True)
    config = SandboxConfig(controls=True, access_token_ttl=ACCESS_TOKEN_TTL, scale=0.2)
    variants: list[tuple[str, dict[str, str]]] = [("gc.freeze", {})]
    if args.compare_freeze:
        variants.append(("no freeze", {"MEMORY_NO_FREEZE": "1"}))
    # The in-process store is one worker's own: one worker, whatever else was asked.
    worker_redis: str | None = None
    if args.store == "memory":
        variants = variants[:1]
    with RedisProcess(appendonly=True) as redis_process:
        async with (
            serve_sandbox(config) as sandbox,
            RedisStore(redis_process.url, prefix=prefix) as store,
        ):
            workers = []
            if args.store == "redis":
                worker_redis = redis_process.url
            for index, (label, extra) in enumerate(variants):
                port = free_port()
                env = server_env(
                    sandbox, port=port, redis_url=worker_redis, prefix=prefix, **WORKER_ENV
                )
                facts = {"MEMORY_FACTS": str(out / f"facts-{index}")}
                log = out / f"worker-{index}.log"
                workers.append(ProbedWorker(index, port, log, env, code, label=label))
                workers[-1].extra = extra | facts
            await asyncio.gather(*(w.start() for w in workers))
            try:
                await _load(args, run_id, sandbox, store, workers)
            finally:
                for worker in workers:
                    if worker.process is not None and worker.process.returncode is None:
                        worker.process.kill()
                        await worker.process.wait()
    return workers


async def _load(
    args: argparse.Namespace,
    run_id: str,
    sandbox: Any,
    store: RedisStore,
    workers: list[ProbedWorker],
) -> None:
    tenants = await _connect_tenants(sandbox, workers[0], run_id, ttl=args.duration + 3600)
    tally = Tally()
    load = CountingLoad(list(workers), tenants, tally, Outages(), random.Random(args.seed), run_id)
    for worker in workers:
        worker.requests = 0
    events = EventLog(store.streams, store.kv)
    # Subscribers' markers go through Redis: none for a worker on its own in-process store.
    subscribers = [Subscriber(t, list(workers)) for t in tenants] if args.store == "redis" else []
    stop = asyncio.Event()
    following = [asyncio.create_task(s.run(events, stop)) for s in subscribers]
    async with asyncio.timeout(30):
        await asyncio.gather(*(s.live.wait() for s in subscribers))
    started = time.monotonic()
    loop = asyncio.get_running_loop()

    async def run_load(seconds: float) -> None:
        await load.run(loop.time() + seconds, args.rate, args.concurrency, args.mutations)

    async def measure_all() -> None:
        for worker in workers:
            await worker.measure(time.monotonic() - started, quiet=True)
        print(
            f"{time.monotonic() - started:5.0f} s: {tally.requests(*CATEGORIES)} requests",
            flush=True,
        )

    # Every measure is taken with no request in flight (``load.run`` returns once its
    # operations have finished; subscriptions stay open): what is retained between two
    # points is what the requests and events in between left.
    # Load runs for its stated seconds between measures, however long a measure or the
    # in-flight operations' end takes on a busy machine.
    await run_load(args.warm_up)
    await measure_all()
    loaded = args.warm_up
    while loaded < args.duration - args.every / 2:
        segment = min(args.every, args.duration - loaded)
        await run_load(segment)
        loaded += segment
        await measure_all()
    stop.set()
    await asyncio.gather(*following)
    await load.http.aclose()
    failed = tally.requests(*CATEGORIES) - tally.outcomes[("counted", "OK")]
    print(f"{tally.requests(*CATEGORIES)} requests, {failed} not OK", flush=True)


def _kept_per_1000(earlier: Point, later: Point) -> float:
    return (later.objects - earlier.objects) * 1000 / max(1, later.requests - earlier.requests)


def report(args: argparse.Namespace, workers: list[ProbedWorker]) -> bool:
    ok = True
    load_average = os.getloadavg()
    print(
        f"\n{args.store} store, {args.duration:g} s, warm-up {args.warm_up:g} s; load average "
        f"{load_average[0]:.2f} {load_average[1]:.2f} {load_average[2]:.2f} "
        f"({os.cpu_count()} CPUs)"
    )
    for worker in workers:
        points = worker.points
        print(f"\n== worker {worker.index} ({worker.label})")
        print(
            f"{'s':>6} {'requests':>9} {'RSS MB':>8} {'objects':>9} {'CPU s':>8} "
            f"{'kept/1000 req':>14}"
        )
        for before, p in zip([None, *points], points, strict=False):
            fresh = before is not None and p.requests > before.requests
            kept = f"{_kept_per_1000(before, p):+14.0f}" if before is not None and fresh else ""
            print(
                f"{p.elapsed:6.0f} {p.requests:9d} {p.rss_kb / 1024:8.1f} {p.objects:9d} "
                f"{p.cpu:8.1f} {kept}"
            )
        first, last = points[0], points[-1]
        # The last half: from the point nearest the middle of the requests (after warm-up).
        half = (first.requests + last.requests) / 2
        middle = min(points[:-1] or points, key=lambda p: abs(p.requests - half))
        served = max(1, last.requests - first.requests)
        rss_growth = last.rss_kb / first.rss_kb - 1
        rss_last_half = last.rss_kb / middle.rss_kb - 1
        per_1000 = _kept_per_1000(first, last)
        last_half = _kept_per_1000(middle, last)
        cpu_ms = (last.cpu - first.cpu) * 1000 / served
        grown = Counter(last.types)
        grown.subtract(first.types)
        print(
            f"RSS growth: {rss_growth:+.1%} after warm-up (the bounded caches filling), "
            f"{rss_last_half:+.1%} over the last half, from {middle.elapsed:.0f} s "
            f"(target < {TARGET_RSS_GROWTH:.0%})"
        )
        print(
            f"objects retained per 1 000 requests: {per_1000:+.0f} after warm-up (the bounded "
            f"caches filling), {last_half:+.0f} over the last half, from {middle.elapsed:.0f} s "
            f"(target < {TARGET_OBJECTS_PER_1000})"
        )
        print(f"CPU per request: {cpu_ms:.2f} ms ({served} requests after warm-up)")
        print("grew most: " + ", ".join(f"{name} {n:+d}" for name, n in grown.most_common(6)))
        if worker.index == 0:
            ok = rss_last_half < TARGET_RSS_GROWTH and last_half < TARGET_OBJECTS_PER_1000
    print("\nmemory: targets met" if ok else "\nmemory: TARGETS MISSED")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=480.0, help="seconds of load")
    parser.add_argument("--warm-up", type=float, default=60.0, help="seconds before measuring")
    parser.add_argument("--every", type=float, default=60.0, help="seconds between measures")
    parser.add_argument("--rate", type=float, default=30.0, help="operations started per second")
    parser.add_argument("--concurrency", type=int, default=12, help="operations in flight at most")
    parser.add_argument("--mutations", type=float, default=0.2, help="share of mutations")
    parser.add_argument("--compare-freeze", action="store_true", help="add a worker without it")
    parser.add_argument("--store", choices=("redis", "memory"), default="redis")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--log-dir", help="where the workers' logs go (default: a temp dir)")
    args = parser.parse_args()
    return 0 if report(args, asyncio.run(measure(args))) else 1


if __name__ == "__main__":
    sys.exit(main())
