"""``ledgergraph serve --workers N``: one port served by several processes under a supervisor
that shares one embedded sandbox, replaces dead workers, sums their metrics and stops them
gracefully."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from tests.observability.conftest import Samples, scrape, total
from tests.support.cli import run_cli
from tests.support.workers import (
    Supervised,
    alive,
    children,
    http_request,
    request_on_new_connection,
    serve_workers,
)

pytestmark = [pytest.mark.redis, pytest.mark.asyncio(loop_scope="module")]

CONTACTS = "query Contacts { contacts(first: 3) { nodes { name } } }"
DEEP = """query Deep { invoices(first: 4) { nodes { number contact { name }
  lines { taxRate { name } ledgerAccount { code } } } } }"""


def _env(redis_url: str, state: Path, prefix: str) -> dict[str, str]:
    return {
        "LEDGERGRAPH_REDIS_URL": redis_url,
        "LEDGERGRAPH_STORE_PREFIX": prefix,
        "LEDGERGRAPH_SHUTDOWN_GRACE": "2",
        "XDG_STATE_HOME": str(state),  # the development JWT secret
        "TMPDIR": str(state),  # the metrics directory
    }


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def served(
    single_redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Supervised]:
    """Two workers on the embedded sandbox (no Sage credentials) and the session's Redis."""
    state = tmp_path_factory.mktemp("workers")
    env = _env(single_redis_url, state, f"test-workers-{os.getpid()}:")
    async with serve_workers(2, env, log_dir=state) as server:
        yield server


@pytest_asyncio.fixture(loop_scope="module")
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


def _graphql(server: Supervised, query: str) -> bytes:
    body = json.dumps({"query": query}).encode()
    return http_request(
        "POST",
        "/graphql",
        body,
        Content_Type="application/json",
        Authorization=f"Bearer {server.dev_token}",
    )


async def test_one_banner_one_sandbox_and_a_port_served_by_two_worker_processes(
    served: Supervised, http: httpx.AsyncClient
) -> None:
    pids = await served.worker_pids(http)
    healthz = http_request("GET", "/healthz")
    owners = Counter(
        [(await request_on_new_connection(served.port, healthz, pids))[2] for _ in range(24)]
    )

    assert len(pids) == 2
    assert pids <= children(served.process.pid)
    assert set(owners) == pids, owners
    assert served.banner.count("LedgerGraph GraphQL") == 1
    assert served.sandbox_url is not None
    assert served.dev_token is not None


async def test_metrics_on_any_worker_sum_all_workers_and_sage_calls_match_the_sandbox(
    served: Supervised, http: httpx.AsyncClient
) -> None:
    pids = await served.worker_pids(http)
    await http.post(f"{served.sandbox_url}/__sandbox/stats/reset")
    before = await scrape(http, served.url)
    # A refresh grant on whichever worker needs the token next, and cold and cached reads.
    await http.post(f"{served.sandbox_url}/__sandbox/expire-tokens")
    answers = [
        await request_on_new_connection(served.port, _graphql(served, query), pids)
        for query in [DEEP, CONTACTS] * 10
    ]
    after = await scrape(http, served.url)
    stats = (await http.get(f"{served.sandbox_url}/__sandbox/stats")).json()

    assert {status for status, _, _ in answers} == {200}
    assert all("errors" not in json.loads(body) for _, body, _ in answers)
    assert {owner for _, _, owner in answers} == pids, "both workers answered some"
    served_here = total(after, "ledgergraph_http_requests_total", route="/graphql")
    assert served_here - total(before, "ledgergraph_http_requests_total", route="/graphql") == 20
    assert _sage_calls(after, before) == _sandbox_calls(stats["requests"])
    assert _sandbox_calls(stats["requests"])["POST oauth"] >= 1, "a token was refreshed"


def _sage_calls(after: Samples, before: Samples) -> Counter[str]:
    ours: Counter[str] = Counter()
    for (name, labels), value in after.items():
        if name == "ledgergraph_sage_requests_total":
            label = dict(labels)
            resource = "oauth" if label["resource"].startswith("oauth_") else label["resource"]
            ours[f"{label['method']} {resource}"] += int(value - before.get((name, labels), 0.0))
    return +ours


def _sandbox_calls(requests: dict[str, int]) -> Counter[str]:
    theirs: Counter[str] = Counter()
    for route, n in requests.items():
        method, path = route.split(" ", 1)
        resource = path.removeprefix("/v3.1/").split("/")[0] if "/v3.1/" in path else "oauth"
        theirs[f"{method} {resource}"] += n
    return +theirs


async def test_a_killed_worker_is_replaced(served: Supervised, http: httpx.AsyncClient) -> None:
    before = await served.worker_pids(http)
    killed = min(before)
    os.kill(killed, signal.SIGKILL)

    deadline = time.monotonic() + 60
    now = before
    while time.monotonic() < deadline and (killed in now or len(now) < 2):
        await asyncio.sleep(0.2)
        now = await served.worker_pids(http)

    assert killed not in now
    assert len(now) == 2
    assert now <= children(served.process.pid)
    status, body, _ = await request_on_new_connection(served.port, _graphql(served, CONTACTS), now)
    assert status == 200
    assert "errors" not in json.loads(body)


@pytest.mark.parametrize("stop", ["SIGTERM to the supervisor", "SIGKILL to the supervisor"])
async def test_stopping_the_supervisor_stops_every_worker(
    stop: str, redis_url: str, key_prefix: str, tmp_path: Path, http: httpx.AsyncClient
) -> None:
    """SIGTERM: each worker shuts down gracefully, exit 0, the metrics directory is gone.
    SIGKILL: the workers notice their supervisor is gone and stop by themselves."""
    env = _env(redis_url, tmp_path, key_prefix)
    async with serve_workers(2, env, log_dir=tmp_path / "logs") as server:
        pids = await server.worker_pids(http)
        metrics_dirs = await asyncio.to_thread(lambda: list(tmp_path.glob("ledgergraph-metrics-*")))
        if stop.startswith("SIGTERM"):
            server.process.send_signal(signal.SIGTERM)
        else:
            server.process.kill()
        code = await asyncio.wait_for(server.process.wait(), timeout=30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and alive(pids):  # noqa: ASYNC110 (other processes)
            await asyncio.sleep(0.1)

    assert alive(pids) == set()
    assert len(metrics_dirs) == 1
    if stop.startswith("SIGTERM"):
        log = await asyncio.to_thread(server.err.read_text)
        assert code == 0, log
        assert "Traceback" not in log
        assert not await asyncio.to_thread(metrics_dirs[0].exists)
    else:
        assert code == -signal.SIGKILL


@pytest.mark.parametrize(
    ("args", "env"),
    [(["--workers", "2"], {}), ([], {"LEDGERGRAPH_WORKERS": "3"})],
    ids=["flag", "environment"],
)
async def test_workers_refuse_the_in_memory_store(
    args: list[str], env: dict[str, str], tmp_path: Path
) -> None:
    code, out, err = await run_cli(
        {"LEDGERGRAPH_REDIS_URL": None, "XDG_STATE_HOME": str(tmp_path)} | env,
        "serve",
        "--no-browser",
        *args,
    )

    assert code == 2, err
    assert out == ""
    assert "Traceback" not in err
    line = err.strip().splitlines()[-1]
    assert line.startswith("ledgergraph: "), err
    assert "LEDGERGRAPH_REDIS_URL" in line


async def test_a_configuration_error_is_one_line_from_the_first_worker_and_exit_2(
    tmp_path: Path,
) -> None:
    code, out, err = await run_cli(
        {
            "LEDGERGRAPH_REDIS_URL": "redis://127.0.0.1:1/0",
            "LEDGERGRAPH_TOKEN_ENCRYPTION_KEYS": "not-a-key",
            "XDG_STATE_HOME": str(tmp_path),
        },
        "serve",
        "--no-browser",
        "--workers",
        "2",
    )

    assert code == 2, err
    assert out == ""
    assert "Traceback" not in err
    problems = [line for line in err.splitlines() if line.startswith("ledgergraph: ")]
    assert len(problems) == 1, err
    assert "LEDGERGRAPH_TOKEN_ENCRYPTION_KEYS" in problems[0]
