"""Open GraphiQL in headless Chromium, run its example query and save a screenshot.

The documented manual check that GraphiQL works in a real browser (see docs/graphiql.md):

    ledgergraph serve --no-browser &
    python docs/graphiql_screenshot.py http://127.0.0.1:8000/graphql docs/graphiql.png

Needs Debian's chromium package and the websockets library (in the test extra).
"""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import websockets

DEBUG_PORT = 9333
CHROMIUM = [
    "chromium",
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--user-data-dir=/tmp/ledgergraph-chromium",
    f"--remote-debugging-port={DEBUG_PORT}",
    "about:blank",
]
EXECUTE = "document.querySelector('.graphiql-execute-button')"
RESULT = "(document.querySelector('.result-window') || document.body).innerText"


def page_socket() -> str:
    for _ in range(50):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{DEBUG_PORT}/json") as answer:
                tabs = json.load(answer)
            return str(next(t for t in tabs if t["type"] == "page")["webSocketDebuggerUrl"])
        except (OSError, StopIteration):
            time.sleep(0.2)
    raise RuntimeError("Chromium did not open its debugging port")


async def screenshot(url: str) -> tuple[str, bytes]:
    async with websockets.connect(page_socket(), max_size=50_000_000) as ws:
        sent = 0

        async def call(method: str, **params: Any) -> dict[str, Any]:
            nonlocal sent
            sent += 1
            await ws.send(json.dumps({"id": sent, "method": method, "params": params}))
            while True:
                message: dict[str, Any] = json.loads(await ws.recv())
                if message.get("id") == sent:
                    return message

        await call("Page.enable")
        await call(
            "Emulation.setDeviceMetricsOverride",
            width=1500,
            height=900,
            deviceScaleFactor=1,
            mobile=False,
        )
        await call("Page.navigate", url=url)
        await asyncio.sleep(6)
        await call("Runtime.evaluate", expression=f"{EXECUTE}.click()")
        await asyncio.sleep(4)
        result = await call("Runtime.evaluate", expression=f"{RESULT}.slice(0, 300)")
        shot = await call("Page.captureScreenshot", format="png")
        return str(result["result"]["result"].get("value")), base64.b64decode(
            shot["result"]["data"]
        )


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000/graphql"
    out = Path(sys.argv[2] if len(sys.argv) > 2 else "docs/graphiql.png")
    browser = subprocess.Popen(CHROMIUM, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        text, png = asyncio.run(screenshot(url))
        out.write_bytes(png)
        print(text)
    finally:
        browser.terminate()


if __name__ == "__main__":
    main()
