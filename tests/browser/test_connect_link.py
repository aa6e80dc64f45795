"""The connect flow in a browser that sends no headers: a link (from createConnectLink, from
connection.connectUrl, or from the example page's button) leads through the sandbox's consent
page and LedgerGraph's business chooser to a CONNECTED tenant."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.browser.dev_server import DevServer

CONNECTION = "{ connection { status business { id name } } }"


async def link_from_mutation(server: DevServer, http: httpx.AsyncClient, tenant: str) -> str:
    data = await server.graphql(
        http, "mutation { createConnectLink { url expiresAt } }", tenant=tenant
    )
    url: str = data["createConnectLink"]["url"]
    return url


async def link_from_connect_url(server: DevServer, http: httpx.AsyncClient, tenant: str) -> str:
    data = await server.graphql(http, "{ connection { connectUrl } }", tenant=tenant)
    url: str = data["connection"]["connectUrl"]
    return url


@pytest.mark.parametrize(
    "link", [link_from_mutation, link_from_connect_url], ids=["createConnectLink", "connectUrl"]
)
async def test_a_link_opened_without_headers_connects_the_tenant(
    page: Page,
    server: DevServer,
    http: httpx.AsyncClient,
    tmp_path: Path,
    link: Callable[[DevServer, httpx.AsyncClient, str], Awaitable[str]],
) -> None:
    url = await link(server, http, "newcomer")
    assert url.startswith(f"{server.url}/connect/sage?link=")

    await page.goto(url)
    await approve_consent(page)
    chosen = await choose_second_business(page, tmp_path)

    await expect(page.locator("h1")).to_have_text("Connected to Sage")
    await expect(page.locator("main")).to_contain_text(chosen)
    connection = (await server.graphql(http, CONNECTION, tenant="newcomer"))["connection"]
    assert connection["status"] == "CONNECTED"
    assert connection["business"]["name"] == chosen


async def test_the_example_pages_button_connects_and_comes_back(
    page: Page, server: DevServer, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    await server.graphql(http, "mutation { disconnect { status } }")
    await page.goto(f"{server.url}/examples/")
    await expect(page.locator("#connection")).to_have_attribute("data-status", "NOT_CONNECTED")

    await page.click("#connect")
    await approve_consent(page)
    chosen = await choose_second_business(page, tmp_path)

    await expect(page.locator("#notice")).to_have_text("Connected to Sage.")
    await expect(page.locator("#connection")).to_contain_text(f"{chosen} · CONNECTED")
    await expect(page.locator("#invoices tbody tr").first).to_be_visible()
    assert page.url == f"{server.url}/examples/"
    connection = (await server.graphql(http, CONNECTION))["connection"]
    assert connection["status"] == "CONNECTED"
    assert connection["business"]["name"] == chosen


async def approve_consent(page: Page) -> None:
    """The sandbox's Sage consent page, as its default (several-business) user."""
    await expect(page.locator("h1")).to_have_text("Sage Accounting")
    await page.click("button.approve")


async def choose_second_business(page: Page, tmp_path: Path) -> str:
    """LedgerGraph's chooser: pick the second business (not the pre-selected one)."""
    await expect(page.locator("h1")).to_have_text("Which Sage business should LedgerGraph use?")
    await page.screenshot(path=tmp_path / "chooser.png")
    option = page.locator("label").nth(1)
    name = (await option.inner_text()).strip()
    await option.click()
    await page.click("button[type=submit]")
    return name
