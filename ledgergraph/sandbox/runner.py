"""Serve the sandbox on a TCP port for as long as an ``async with`` block lasts."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiohttp import web
from aiohttp.log import access_logger

from ledgergraph.sandbox.app import create_sandbox_app
from ledgergraph.sandbox.books import World
from ledgergraph.sandbox.config import SandboxConfig
from ledgergraph.sandbox.keys import CONFIG, WORLD
from ledgergraph.sandbox.oauth import AUTHORIZE_PATH, REVOKE_PATH, TOKEN_PATH
from ledgergraph.sandbox.tokens import Clock


@dataclass(frozen=True, slots=True)
class SandboxUrls:
    """Where a sandbox at ``url`` answers: its API and its OAuth endpoints."""

    url: str

    @property
    def api_url(self) -> str:
        return f"{self.url}/v3.1"

    @property
    def auth_url(self) -> str:
        return f"{self.url}{AUTHORIZE_PATH}"

    @property
    def token_url(self) -> str:
        return f"{self.url}{TOKEN_PATH}"

    @property
    def revoke_url(self) -> str:
        return f"{self.url}{REVOKE_PATH}"


@dataclass(frozen=True, slots=True)
class RunningSandbox(SandboxUrls):
    app: web.Application

    @property
    def config(self) -> SandboxConfig:
        return self.app[CONFIG]

    @property
    def world(self) -> World:
        return self.app[WORLD]


@asynccontextmanager
async def serve_app(
    app: web.Application,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    access_log: bool = False,
    shutdown_timeout: float = 1.0,
) -> AsyncIterator[RunningSandbox]:
    """Serve an already built sandbox app; ``port=0`` picks a free port."""
    runner = web.AppRunner(
        app,
        access_log=access_logger if access_log else None,
        shutdown_timeout=shutdown_timeout,
    )
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound_host, bound_port = runner.addresses[0][:2]
        display_host = f"[{bound_host}]" if ":" in bound_host else bound_host
        yield RunningSandbox(url=f"http://{display_host}:{bound_port}", app=app)
    finally:
        await runner.cleanup()


@asynccontextmanager
async def serve_sandbox(
    config: SandboxConfig | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    world: World | None = None,
    clock: Clock = time.monotonic,
    access_log: bool = False,
) -> AsyncIterator[RunningSandbox]:
    """``async with serve_sandbox(config) as sb:`` serves the sandbox at ``sb.url``."""
    app = create_sandbox_app(config, world, clock=clock)
    async with serve_app(app, host, port, access_log=access_log) as running:
        yield running
