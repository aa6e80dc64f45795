"""Headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) against a LedgerGraph
server running the way ``ledgergraph serve`` does in sandbox mode."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

pytest.importorskip(
    "playwright.async_api",
    reason="the browser tests drive Chromium with Playwright: pip install -e '.[test]'",
)

import httpx
from playwright.async_api import Browser, Page, async_playwright

from tests.browser.dev_server import DevServer, serve_in_sandbox_mode

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.is_file():
        pytest.skip(
            f"the browser tests need Debian's chromium at {CHROMIUM}: apt-get install chromium"
        )
    return CHROMIUM


@pytest.fixture
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def page(browser: Browser, server: DevServer) -> AsyncIterator[Page]:
    """A fresh profile (no headers, no stored GraphiQL state) at a desktop size. It closes
    before the server stops, so the server has no open WebSocket to wait for."""
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    opened = await context.new_page()
    try:
        yield opened
    finally:
        await context.close()


@pytest.fixture
async def server() -> AsyncIterator[DevServer]:
    async with serve_in_sandbox_mode() as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client
