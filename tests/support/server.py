"""A LedgerGraph server under test: in this process (fast) or as a separate OS process (for
multi-process guarantees), always against a sandbox over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web
from cryptography.fernet import Fernet

from ledgergraph.auth import TenantAuthenticator
from ledgergraph.http.keys import RUNTIME
from ledgergraph.runtime import Runtime
from ledgergraph.sandbox import RunningSandbox
from ledgergraph.server import create_app, sandbox_endpoints
from ledgergraph.settings import Settings
from tests.redis_server import free_port

JWT_SECRET = "test-jwt-secret-that-is-long-enough-for-hs256"
ENCRYPTION_KEY = Fernet.generate_key().decode()


def server_env(
    sandbox: RunningSandbox, *, port: int, redis_url: str | None, prefix: str, **extra: str
) -> dict[str, str]:
    env = {
        "LEDGERGRAPH_PORT": str(port),
        "LEDGERGRAPH_JWT_SECRET": JWT_SECRET,
        "LEDGERGRAPH_TOKEN_ENCRYPTION_KEYS": ENCRYPTION_KEY,
        "LEDGERGRAPH_SAGE_CLIENT_ID": sandbox.config.client_id,
        "LEDGERGRAPH_SAGE_CLIENT_SECRET": sandbox.config.client_secret,
        "LEDGERGRAPH_SAGE_AUTH_URL": sandbox.auth_url,
        "LEDGERGRAPH_SAGE_TOKEN_URL": sandbox.token_url,
        "LEDGERGRAPH_SAGE_REVOKE_URL": sandbox.revoke_url,
        "LEDGERGRAPH_SAGE_API_URL": sandbox.api_url,
        "LEDGERGRAPH_STORE_PREFIX": prefix,
        "LEDGERGRAPH_RETRY_BASE_DELAY": "0.01",
    }
    if redis_url:
        env["LEDGERGRAPH_REDIS_URL"] = redis_url
    env.update(extra)
    return env


@dataclass(slots=True)
class LiveServer:
    url: str
    sandbox: RunningSandbox
    runtime: Runtime | None = None
    # Set for a server in its own OS process (``server_process``): tests may kill it.
    process: asyncio.subprocess.Process | None = None
    log: Path | None = None

    def token(self, tenant: str) -> str:
        return TenantAuthenticator(JWT_SECRET).mint(tenant)

    async def graphql(
        self,
        http: httpx.AsyncClient,
        tenant: str,
        query: str,
        variables: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        response = await http.post(
            f"{self.url}/graphql",
            json={"query": query, "variables": dict(variables or {})},
            headers={"Authorization": f"Bearer {self.token(tenant)}"},
        )
        body: dict[str, Any] = response.json()
        return body


@asynccontextmanager
async def serve_ledgergraph(
    sandbox: RunningSandbox,
    *,
    redis_url: str | None = None,
    prefix: str = "lg:",
    **overrides: Any,
) -> AsyncIterator[LiveServer]:
    """LedgerGraph in this process, on a free port, against ``sandbox``."""
    port = free_port()
    settings = Settings(
        _env_file=None,
        port=port,
        redis_url=redis_url,
        store_prefix=prefix,
        jwt_secret=JWT_SECRET,
        token_encryption_keys=ENCRYPTION_KEY,
        retry_base_delay=0.01,
        **overrides,
    )
    app = await create_app(settings, endpoints=sandbox_endpoints(sandbox))
    runner = web.AppRunner(app, shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{port}", sandbox=sandbox, runtime=app[RUNTIME])
    finally:
        await runner.cleanup()


@asynccontextmanager
async def server_process(
    sandbox: RunningSandbox,
    *,
    redis_url: str,
    prefix: str,
    log: Path | None = None,
    **extra: str,
) -> AsyncIterator[LiveServer]:
    """LedgerGraph as a separate OS process (``ledgergraph serve``) sharing ``redis_url``.

    Its output goes to ``log`` (a temporary file by default), never to a pipe that a chatty
    server could fill and block on; a test may kill the process outright."""
    port = free_port()
    env = os.environ | server_env(sandbox, port=port, redis_url=redis_url, prefix=prefix, **extra)
    with contextlib.ExitStack() as temporary:
        if log is None:
            log = Path(temporary.enter_context(tempfile.TemporaryDirectory())) / "server.log"
        with log.open("wb") as output:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "ledgergraph.cli",
                "serve",
                "--no-browser",
                env=env,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=output,
            )
        url = f"http://127.0.0.1:{port}"
        try:
            await _wait_ready(url, proc, log)
            yield LiveServer(url=url, sandbox=sandbox, process=proc, log=log)
        finally:
            if proc.returncode is None:
                proc.terminate()
                try:
                    await asyncio.wait_for(proc.wait(), timeout=5)
                except TimeoutError:
                    proc.kill()
                    await proc.wait()


async def _wait_ready(url: str, proc: asyncio.subprocess.Process, log: Path) -> None:
    deadline = time.monotonic() + 20
    async with httpx.AsyncClient() as http:
        while time.monotonic() < deadline:
            if proc.returncode is not None:
                output = await asyncio.to_thread(log.read_text)
                raise RuntimeError(f"server process exited:\n{output}")
            try:
                if (await http.get(f"{url}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError("server process did not become ready")
