"""Typed keys under which the sandbox's parts find each other on the aiohttp app and request."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from aiohttp import web

from ledgergraph.sandbox.config import SandboxConfig

if TYPE_CHECKING:
    from ledgergraph.sandbox.books import World
    from ledgergraph.sandbox.faults import Faults
    from ledgergraph.sandbox.stats import Stats
    from ledgergraph.sandbox.tokens import TokenRegistry

CONFIG: Final = web.AppKey("sandbox.config", SandboxConfig)
WORLD: Final[web.AppKey[World]] = web.AppKey("sandbox.world")
TOKENS: Final[web.AppKey[TokenRegistry]] = web.AppKey("sandbox.tokens")
FAULTS: Final[web.AppKey[Faults]] = web.AppKey("sandbox.faults")
STATS: Final[web.AppKey[Stats]] = web.AppKey("sandbox.stats")

# RequestKey, not str: aiohttp warns on str keys, and the tests turn warnings into errors.
# Set on API requests by the auth middleware: the Sage user id the bearer token belongs to.
REQUEST_USER: Final = web.RequestKey("sandbox.user_id", str)
# Set by API handlers once X-Business (or the lead business) is resolved; read by stats.
REQUEST_BUSINESS: Final = web.RequestKey("sandbox.business_id", str)
