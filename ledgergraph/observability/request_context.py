"""What one request is about, for its log lines, metrics and ``extensions.cost``: filled in
as it is learnt.

The HTTP middleware starts a ``RequestInfo`` per request; the GraphQL extension adds the
tenant and the operation, Sage calls add the business and count themselves. Tasks spawned by
the request (dataloader batches) copy the context variable and so share the same object.

Each GraphQL operation gets a ``RequestInfo`` of its own (``for_operation``), since a WebSocket
carries many at once: its counts and freshness bound are the operation's, and every count adds
to the request's too (the access log's ``sage_calls``).
"""

from __future__ import annotations

import re
import secrets
from contextvars import ContextVar, Token
from dataclasses import dataclass

__all__ = ["RequestInfo", "current", "detach", "max_age", "note_cache_hit", "request_id_from"]

REQUEST_ID_HEADER = "X-Request-Id"
# Ids from clients are echoed and logged: printable, short, no separators a log reader trips on.
_CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")


@dataclass(slots=True)
class RequestInfo:
    request_id: str
    tenant: str | None = None
    business: str | None = None
    operation: str | None = None
    operation_type: str | None = None
    sage_calls: int = 0
    # What the response's ``extensions.cost`` reports (see ``note_cache_hit``).
    cache_hits: int = 0
    # Wall-clock time (``time.time()``) the oldest cached data served was fetched from Sage.
    oldest_cached_at: float | None = None
    # Of ``cache_hits``, those served past their TTL because Sage could not be asked (the
    # Sage budget refused the read): the response says so (``extensions.stale``).
    stale_hits: int = 0
    # The client's freshness bound in seconds (``maxAge``): cached data older than this is
    # not served to this request; ``None``: the cache's own TTLs decide.
    max_age: float | None = None
    # Dependent rounds of Sage calls: a call's round is one more than the highest round of
    # the calls that had finished when it started (calls sent together share a round); the
    # request's is the highest. ``finished_round``: the highest round of a finished call.
    rounds: int = 0
    finished_round: int = 0
    # The request an operation's info belongs to; its counts are the request's counts too.
    parent: RequestInfo | None = None

    def for_operation(self) -> RequestInfo:
        """A tally of its own for one GraphQL operation of this request."""
        return RequestInfo(self.request_id, tenant=self.tenant, business=self.business, parent=self)

    def sage_call_started(self, business: str | None) -> tuple[int, ...]:
        """Count a call; its round here and in each parent, to hand to ``sage_call_ended``."""
        rounds = []
        info: RequestInfo | None = self
        while info is not None:
            info.sage_calls += 1
            call_round = info.finished_round + 1
            info.rounds = max(info.rounds, call_round)
            rounds.append(call_round)
            if business and info.business is None:
                info.business = business
            info = info.parent
        return tuple(rounds)

    def sage_call_ended(self, rounds: tuple[int, ...]) -> None:
        info: RequestInfo | None = self
        for call_round in rounds:
            if info is None:
                break
            info.finished_round = max(info.finished_round, call_round)
            info = info.parent

    def cache_hit(self, fetched_at: float, *, stale: bool = False) -> None:
        info: RequestInfo | None = self
        while info is not None:
            info.cache_hits += 1
            info.stale_hits += stale
            if info.oldest_cached_at is None or fetched_at < info.oldest_cached_at:
                info.oldest_cached_at = fetched_at
            info = info.parent

    def reset_tally(self) -> None:
        """Start counting afresh (a subscription's next event)."""
        self.sage_calls = self.cache_hits = self.stale_hits = 0
        self.rounds = self.finished_round = 0
        self.oldest_cached_at = None


_current: ContextVar[RequestInfo | None] = ContextVar("ledgergraph_request", default=None)


def current() -> RequestInfo | None:
    return _current.get()


def begin(info: RequestInfo) -> Token[RequestInfo | None]:
    return _current.set(info)


def end(token: Token[RequestInfo | None]) -> None:
    _current.reset(token)


def detach() -> None:
    """For a background task started while a request ran (a sync poller started by a
    subscriber): what it does from now on is no request's, in its counts or its log lines.
    Affects only the calling task, whose context is its own copy."""
    _current.set(None)


def note_cache_hit(fetched_at: float, *, stale: bool = False) -> None:
    """A read of this request was served from cache, with data fetched at ``fetched_at``
    (``stale``: past its TTL, since Sage could not be asked)."""
    info = _current.get()
    if info is not None:
        info.cache_hit(fetched_at, stale=stale)


def max_age() -> float | None:
    """The current request's freshness bound in seconds, if its client set one."""
    info = _current.get()
    return None if info is None else info.max_age


def request_id_from(header: str | None) -> str:
    """The client's ``X-Request-Id`` when it is a sensible id, else a fresh one."""
    if header is not None and _CLIENT_REQUEST_ID.fullmatch(header):
        return header
    return secrets.token_hex(16)
