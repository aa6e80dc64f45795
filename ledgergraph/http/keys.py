"""Typed keys under which the HTTP layer finds shared state on the aiohttp app."""

from __future__ import annotations

import weakref
from typing import Final

from aiohttp import web

from ledgergraph.runtime import Runtime
from ledgergraph.settings import Settings

RUNTIME: Final = web.AppKey("ledgergraph.runtime", Runtime)
SETTINGS: Final = web.AppKey("ledgergraph.settings", Settings)
# A development token GraphiQL is pre-filled with (sandbox/development mode only).
DEV_TOKEN: Final = web.AppKey("ledgergraph.dev_token", str)
# The open WebSockets, closed with 1012 (service restart) when the server shuts down.
SOCKETS: Final = web.AppKey("ledgergraph.sockets", weakref.WeakSet[web.WebSocketResponse])
