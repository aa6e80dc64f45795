"""GraphiQL in headless Chromium, as ``ledgergraph serve`` serves it in sandbox mode: the
development token in the Headers tab, queries over HTTP, subscriptions over a WebSocket."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Page, WebSocket, expect

from tests.browser.dev_server import DevServer

EXECUTE = ".graphiql-execute-button"
RESULT = ".graphiql-response .result-window"
QUERY_EDITOR = ".graphiql-query-editor .CodeMirror"
HEADERS_TAB = ".graphiql-editor-tools button[data-name='headers']"
HEADERS_EDITOR = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror"
INVOICE_EVENTS = "subscription { syncEvents(types: [INVOICE]) { kind source objectId } }"


async def open_graphiql(page: Page, server: DevServer) -> None:
    await page.goto(f"{server.url}/graphql")
    await expect(page.locator(EXECUTE)).to_be_visible()


async def editor_text(page: Page, selector: str) -> str:
    text: str = await page.locator(selector).evaluate("(e) => e.CodeMirror.getValue()")
    return text


async def set_editor(page: Page, selector: str, text: str) -> None:
    await page.locator(selector).evaluate("(e, text) => e.CodeMirror.setValue(text)", text)


async def set_query(page: Page, query: str) -> None:
    await set_editor(page, QUERY_EDITOR, query)
    # GraphiQL re-parses the query (debounced) before it knows a subscription from a query;
    # the page's URL carries the query once that has happened.
    await page.wait_for_function(
        "(q) => new URLSearchParams(location.search).get('q') === q", arg=query
    )


async def test_graphiql_runs_a_query_with_the_prefilled_dev_token(
    page: Page, server: DevServer, tmp_path: Path
) -> None:
    await open_graphiql(page, server)

    headers = json.loads(await editor_text(page, HEADERS_EDITOR) or "{}")
    await page.click(EXECUTE)

    await expect(page.locator(RESULT)).to_contain_text('"status": "CONNECTED"')
    await expect(page.locator(RESULT)).to_contain_text('"totalCount"')
    await page.screenshot(path=tmp_path / "graphiql-query.png")
    assert headers == {"Authorization": f"Bearer {server.dev_token}"}


async def test_graphiql_subscription_shows_an_invoice_created_over_http(
    page: Page, server: DevServer, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    sockets = SocketRecorder(page)
    await open_graphiql(page, server)
    await set_query(page, INVOICE_EVENTS)

    await page.click(EXECUTE)
    await eventually(lambda: sockets.received)
    await _until_shown(page, server, http)

    await page.screenshot(path=tmp_path / "graphiql-subscription.png")
    assert sockets.urls == [server.url.replace("http://", "ws://") + "/graphql"]
    assert [m["type"] for m in sockets.received][:2] == ["connection_ack", "next"]


async def test_the_headers_tab_is_what_http_and_the_websocket_send(
    page: Page, server: DevServer
) -> None:
    edited = f"Bearer {server.token('someone-else')}"
    http_auth: list[str | None] = []
    page.on(
        "request",
        lambda r: http_auth.append(r.headers.get("authorization")) if r.method == "POST" else None,
    )
    sockets = SocketRecorder(page)
    await open_graphiql(page, server)
    await page.click(HEADERS_TAB)
    await set_editor(page, HEADERS_EDITOR, json.dumps({"Authorization": edited}))
    await set_query(page, "{ connection { status } }")
    http_auth.clear()
    await page.click(EXECUTE)
    # someone-else never connected Sage: the answer itself shows whose token was used.
    await expect(page.locator(RESULT)).to_contain_text('"status": "NOT_CONNECTED"')

    await set_query(page, "subscription { syncEvents(types: [CONNECTION]) { kind } }")
    await page.click(EXECUTE)
    await eventually(lambda: sockets.received)

    assert http_auth == [edited]
    assert sockets.sent[0] == {"type": "connection_init", "payload": {"Authorization": edited}}
    assert sockets.received[0]["type"] == "connection_ack"


class SocketRecorder:
    """Every WebSocket the page opens, with the messages it sends and receives."""

    def __init__(self, page: Page) -> None:
        self.urls: list[str] = []
        self._sent: list[str | bytes] = []
        self._received: list[str | bytes] = []
        page.on("websocket", self._opened)

    @property
    def sent(self) -> list[dict[str, Any]]:
        return [_message(payload) for payload in self._sent]

    @property
    def received(self) -> list[dict[str, Any]]:
        return [_message(payload) for payload in self._received]

    def _opened(self, socket: WebSocket) -> None:
        self.urls.append(socket.url)
        socket.on("framesent", lambda payload: self._sent.append(payload))
        socket.on("framereceived", lambda payload: self._received.append(payload))


async def eventually(condition: Callable[[], object]) -> None:
    for _ in range(100):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the browser did not get there within 5 s")


async def _until_shown(page: Page, server: DevServer, http: httpx.AsyncClient) -> str:
    """Create invoices until GraphiQL shows the event of one (the first may be created before
    the server has registered the subscription); returns that invoice's id."""
    for _ in range(5):
        invoice = await server.create_invoice(http, f"graphiql-{uuid.uuid4()}")
        try:
            await expect(page.locator(RESULT)).to_contain_text(invoice["id"], timeout=3000)
        except AssertionError:
            continue
        await expect(page.locator(RESULT)).to_contain_text('"kind": "CREATED"')
        await expect(page.locator(RESULT)).to_contain_text('"source": "LEDGERGRAPH"')
        return str(invoice["id"])
    raise AssertionError(
        f"GraphiQL never showed an invoice event; it shows: {await page.inner_text(RESULT)}"
    )


def _message(payload: str | bytes) -> dict[str, Any]:
    # A binary frame is itself a failure: graphql-ws (GraphiQL's client) cannot read one.
    assert isinstance(payload, str), f"binary WebSocket frame: {payload!r}"
    message: dict[str, Any] = json.loads(payload)
    return message
