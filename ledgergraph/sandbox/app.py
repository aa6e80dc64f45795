"""The sandbox's aiohttp application: Sage's OAuth server and API v3.1 in one app."""

from __future__ import annotations

import time

from aiohttp import web

from ledgergraph.sandbox.api import add_api_routes, add_outofband_routes
from ledgergraph.sandbox.auth import auth_middleware, request_id_middleware
from ledgergraph.sandbox.books import World
from ledgergraph.sandbox.config import SandboxConfig
from ledgergraph.sandbox.controls import add_control_routes
from ledgergraph.sandbox.faults import Faults, faults_middleware
from ledgergraph.sandbox.keys import CONFIG, FAULTS, STATS, TOKENS, WORLD
from ledgergraph.sandbox.oauth import add_oauth_routes
from ledgergraph.sandbox.ratelimit import RateLimiter, rate_limit_middleware
from ledgergraph.sandbox.stats import Stats, stats_middleware
from ledgergraph.sandbox.tokens import Clock, TokenRegistry


def create_sandbox_app(
    config: SandboxConfig | None = None,
    world: World | None = None,
    *,
    clock: Clock = time.monotonic,
) -> web.Application:
    """Build the app. ``clock`` (monotonic seconds) drives token lifetimes and rate limits."""
    config = config or SandboxConfig()
    app = web.Application(
        middlewares=[
            # Outermost first: stats see every answer, including 429s and injected faults;
            # a fault fires before authentication, as a failing gateway would.
            stats_middleware,
            request_id_middleware,
            rate_limit_middleware(RateLimiter(config.limits, clock)),
            faults_middleware,
            auth_middleware,
        ],
        # Room for an attachment: 2.5 MiB of file, base64-encoded in JSON.
        client_max_size=8 * 2**20,
    )
    app[CONFIG] = config
    app[WORLD] = world if world is not None else World.seeded(config.seed, config.scale)
    app[TOKENS] = TokenRegistry(config, clock)
    app[FAULTS] = Faults()
    app[STATS] = Stats()
    add_oauth_routes(app)
    add_api_routes(app)
    if config.controls:
        add_control_routes(app)
        add_outofband_routes(app)
    return app
