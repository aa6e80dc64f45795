"""LedgerGraph server processes that a test can kill outright (SIGKILL: no clean shutdown,
no lease released), logging to a file so a chatty server never blocks on a full pipe."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from ledgergraph.sandbox import RunningSandbox
from tests.support.server import LiveServer, server_process


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
    async with server_process(
        sandbox, redis_url=redis_url, prefix=prefix, log=log, **extra
    ) as server:
        assert server.process is not None
        yield ServerProcess(server, server.process, log)
