"""Screenshots of GraphiQL (running its example query) and of the example page, taken in
headless Chromium driven by Playwright. The documented manual check that both work in a real
browser (see docs/graphiql.md and docs/example-app.md):

    ledgergraph serve --no-browser &
    python docs/graphiql_screenshot.py http://127.0.0.1:8000 docs/

Needs Debian's chromium package (/usr/bin/chromium) and Playwright (in the test extra).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from playwright.async_api import Page, async_playwright, expect

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


async def graphiql(page: Page, base: str, out: Path) -> str:
    await page.goto(f"{base}/graphql")
    await page.click(".graphiql-execute-button")
    result = page.locator(".graphiql-response .result-window")
    await expect(result).to_contain_text('"data"', timeout=15_000)
    await page.screenshot(path=out)
    return (await result.inner_text())[:300]


async def example_page(page: Page, base: str, out: Path) -> str:
    await page.goto(f"{base}/examples/")
    await expect(page.locator("#live")).to_have_attribute("data-status", "live")
    await expect(page.locator("#invoices tbody tr").first).to_be_visible()
    await page.screenshot(path=out)
    return await page.locator("#count").inner_text()


async def main(base: str, folder: Path) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1500, "height": 900})
            print(await graphiql(page, base, folder / "graphiql.png"))
            page = await browser.new_page(viewport={"width": 1100, "height": 760})
            print(await example_page(page, base, folder / "example-app.png"))
        finally:
            await browser.close()


if __name__ == "__main__":
    asyncio.run(
        main(
            (sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000").rstrip("/"),
            Path(sys.argv[2] if len(sys.argv) > 2 else "docs"),
        )
    )
