"""``/healthz`` (the process is up) and ``/readyz`` (its store answers)."""

from __future__ import annotations

from aiohttp import web

from ledgergraph import __version__
from ledgergraph.cache import StoreUnavailable
from ledgergraph.http.keys import RUNTIME


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "version": __version__})


async def readyz(request: web.Request) -> web.Response:
    try:
        await request.app[RUNTIME].store.ping()
    except StoreUnavailable:
        return web.json_response({"status": "unavailable", "store": "down"}, status=503)
    return web.json_response({"status": "ready"})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
