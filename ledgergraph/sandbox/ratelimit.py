"""Sage's per-app budgets: requests per minute and per day, and requests in flight at once."""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from ledgergraph.sandbox.auth import bearer_token, is_api_request, sage_error
from ledgergraph.sandbox.config import RateLimits
from ledgergraph.sandbox.keys import STATS, TOKENS
from ledgergraph.sandbox.tokens import Clock


@dataclass(slots=True)
class _Window:
    """A fixed window that opens with the first request after the previous one closed."""

    seconds: float
    limit: int | None
    opened_at: float = -math.inf
    used: int = 0

    def retry_after(self, now: float) -> float | None:
        """Seconds until this window has room again, or ``None`` if it has room now."""
        if self.limit is None:
            return None
        if now >= self.opened_at + self.seconds:
            self.opened_at, self.used = now, 0
        if self.used < self.limit:
            return None
        return self.opened_at + self.seconds - now


class RateLimiter:
    """Budgets per app (client_id). Over a window's budget, Retry-After is the honest wait until
    the window reopens; over the in-flight limit, it is ``RateLimits.retry_after_seconds``."""

    def __init__(self, limits: RateLimits, clock: Clock = time.monotonic) -> None:
        self._limits = limits
        self._clock = clock
        self._windows: dict[str, tuple[_Window, _Window]] = {}
        self._in_flight: Counter[str] = Counter()

    def admit(self, client_id: str) -> int | None:
        """Take one request from ``client_id``'s budgets, or return the Retry-After seconds."""
        windows = self._windows.get(client_id)
        if windows is None:
            windows = (
                _Window(60.0, self._limits.per_minute),
                _Window(86_400.0, self._limits.per_day),
            )
            self._windows[client_id] = windows
        now = self._clock()
        waits = [wait for window in windows if (wait := window.retry_after(now)) is not None]
        if waits:
            return max(1, math.ceil(max(waits)))
        concurrent = self._limits.concurrent
        if concurrent is not None and self._in_flight[client_id] >= concurrent:
            return self._limits.retry_after_seconds
        for window in windows:
            window.used += 1
        self._in_flight[client_id] += 1
        return None

    def release(self, client_id: str) -> None:
        self._in_flight[client_id] -= 1

    def in_flight(self, client_id: str) -> int:
        """``client_id``'s requests admitted and not yet answered."""
        return self._in_flight[client_id]


def too_many_requests(retry_after: int) -> web.Response:
    return sage_error(
        429,
        "TooManyRequests",
        "Too many requests. Please retry later.",
        headers={"Retry-After": str(retry_after)},
    )


def rate_limit_middleware(limiter: RateLimiter) -> Middleware:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        token = bearer_token(request) if is_api_request(request) else None
        entry = request.app[TOKENS].lookup(token) if token else None
        if entry is None:
            # Not an API call, or one the auth middleware will refuse: no app to charge.
            return await handler(request)
        client_id = entry.grant.client_id
        retry_after = limiter.admit(client_id)
        stats = request.app[STATS]
        if retry_after is not None:
            stats.rate_limited += 1
            return too_many_requests(retry_after)
        stats.peak_in_flight = max(stats.peak_in_flight, limiter.in_flight(client_id))
        try:
            return await handler(request)
        finally:
            limiter.release(client_id)

    return middleware
