"""Counters that show how LedgerGraph talked to Sage: calls, grants, missing X-Business."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from ledgergraph.sandbox.keys import REQUEST_BUSINESS, STATS

API_PREFIX = "/v3.1/"
CONTROLS_PREFIX = "/__sandbox"
# Resources that are about the user, not one business: they take no X-Business.
UNSCOPED_RESOURCES = frozenset({"businesses", "user"})


@dataclass(slots=True)
class Stats:
    token_grants: Counter[str] = field(default_factory=Counter)
    invalid_grant: int = 0
    # "METHOD /canonical/route" for every request outside /__sandbox/, OAuth included.
    requests: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    businesses: Counter[str] = field(default_factory=Counter)
    missing_x_business: int = 0
    unscoped_requests: int = 0
    rate_limited: int = 0
    # The most API requests of one app in flight at once (what Sage's limit of 150 caps).
    peak_in_flight: int = 0
    dropped: int = 0

    def snapshot(self) -> dict[str, Any]:
        return {
            "token_grants": dict(self.token_grants),
            "invalid_grant": self.invalid_grant,
            "requests": dict(self.requests),
            "statuses": {str(status): n for status, n in sorted(self.statuses.items())},
            "businesses": dict(self.businesses),
            "missing_x_business": self.missing_x_business,
            "unscoped_requests": self.unscoped_requests,
            "rate_limited": self.rate_limited,
            "peak_in_flight": self.peak_in_flight,
            "dropped": self.dropped,
        }

    def reset(self) -> None:
        fresh = Stats()
        for f in fields(self):
            setattr(self, f.name, getattr(fresh, f.name))

    def record(self, request: web.Request, status: int) -> None:
        resource = request.match_info.route.resource
        # Unknown paths are grouped, so a scan of wrong URLs cannot blow up the counters.
        route = resource.canonical if resource is not None else "<unmatched>"
        self.requests[f"{request.method} {route}"] += 1
        self.statuses[status] += 1
        if not route.startswith(API_PREFIX):
            return
        business = request.get(REQUEST_BUSINESS)
        if business is not None:
            self.businesses[business] += 1
        if route.removeprefix(API_PREFIX).split("/", 1)[0] in UNSCOPED_RESOURCES:
            self.unscoped_requests += 1
        elif "X-Business" not in request.headers:
            self.missing_x_business += 1


@web.middleware
async def stats_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith(CONTROLS_PREFIX):
        return await handler(request)
    stats = request.app[STATS]
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        stats.record(request, exc.status)
        raise
    except Exception:
        stats.record(request, 500)
        raise
    stats.record(request, response.status)
    return response
