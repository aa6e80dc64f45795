"""The example front end (examples/, served at /examples/) in headless Chromium: the invoice
list loads with the development token and follows syncEvents over a real browser WebSocket."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Page, expect

from tests.browser.dev_server import DevServer

ROWS = "#invoices tbody tr"


async def test_the_invoice_list_loads_with_the_dev_token(
    page: Page, server: DevServer, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    listed = await server.graphql(http, "{ invoices(first: 1) { nodes { id number } } }")
    first = listed["invoices"]["nodes"][0]

    await page.goto(f"{server.url}/examples/")

    row = page.locator(f"tr[data-id='{first['id']}']")
    await expect(row.locator(".number")).to_have_text(first["number"])
    await expect(page.locator("#connection")).to_contain_text("CONNECTED")
    await expect(page.locator("#live")).to_have_attribute("data-status", "live")
    await expect(page.locator("#error")).to_be_hidden()
    await page.screenshot(path=tmp_path / "example-app.png")


async def test_a_new_invoice_appears_without_a_reload(
    page: Page, server: DevServer, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    await page.goto(f"{server.url}/examples/")
    await expect(page.locator("#live")).to_have_attribute("data-status", "live")
    await expect(page.locator(ROWS).first).to_be_visible()
    await page.evaluate("() => { window.notReloaded = true; }")

    invoice = await _until_listed(page, server, http)

    row = page.locator(f"tr[data-id='{invoice['id']}']")
    await expect(row.locator(".number")).to_have_text(invoice["number"])
    await expect(row.locator(".status")).to_have_text("UNPAID")
    await expect(row.locator(".contact")).to_have_text(invoice["contactName"])
    await expect(row.locator(".total")).to_contain_text("240.00")
    await page.screenshot(path=tmp_path / "example-app-live.png")
    assert await page.evaluate("() => window.notReloaded") is True


async def test_without_a_dev_token_the_page_asks_for_one(page: Page, server: DevServer) -> None:
    await page.route(
        "**/examples/config.json",
        lambda route: route.fulfill(json={"graphqlUrl": "/graphql", "token": None}),
    )
    await page.goto(f"{server.url}/examples/")
    await page.fill("#token", server.dev_token)
    await page.click("#token-form button")

    await expect(page.locator("#live")).to_have_attribute("data-status", "live")
    await expect(page.locator(ROWS).first).to_be_visible()
    await expect(page.locator("#token-form")).to_be_hidden()


async def _until_listed(page: Page, server: DevServer, http: httpx.AsyncClient) -> dict[str, Any]:
    """Create invoices until the page lists one (the first may be created before the server has
    registered the page's subscription); returns that invoice."""
    for _ in range(5):
        invoice = await server.create_invoice(http, f"example-{uuid.uuid4()}")
        try:
            await expect(page.locator(f"tr[data-id='{invoice['id']}']")).to_be_visible(timeout=3000)
        except AssertionError:
            continue
        return invoice
    raise AssertionError(f"the page never listed a new invoice: {await page.inner_text('body')}")
