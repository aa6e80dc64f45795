"""LedgerGraph server processes that a test can kill outright (SIGKILL: no clean shutdown,
no lease released), logging to a file so a chatty server never blocks on a full pipe."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from ledgergraph.sandbox import RunningSandbox
from tests.redis_server import free_port
from tests.support.server import LiveServer, server_env


@dataclass(slots=True)
class ServerProcess:
    server: LiveServer
    process: asyncio.subprocess.Process
    log: Path

    def kill(self) -> None:
        self.process.kill()


@asynccontextmanager
async def killable_server(
    sandbox: RunningSandbox, *, redis_url: str, prefix: str, log: Path, **extra: str
) -> AsyncIterator[ServerProcess]:
    port = free_port()
    env = os.environ | server_env(sandbox, port=port, redis_url=redis_url, prefix=prefix, **extra)
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
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
        await _ready(url, process, log)
        yield ServerProcess(LiveServer(url=url, sandbox=sandbox), process, log)
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), timeout=5)
            except TimeoutError:
                process.kill()
                await process.wait()


async def _ready(url: str, process: asyncio.subprocess.Process, log: Path) -> None:
    deadline = time.monotonic() + 20
    async with httpx.AsyncClient() as http:
        while time.monotonic() < deadline:
            if process.returncode is not None:
                output = await asyncio.to_thread(log.read_text)
                raise RuntimeError(f"server process exited:\n{output}")
            try:
                if (await http.get(f"{url}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError("server process did not become ready")
