"""What one request is about, for its log lines and metrics: filled in as it is learnt.

The HTTP middleware starts a ``RequestInfo`` per request; the GraphQL extension adds the
tenant and the operation, Sage calls add the business and count themselves. Tasks spawned by
the request (dataloader batches) copy the context variable and so share the same object.
"""

from __future__ import annotations

import re
import secrets
from contextvars import ContextVar, Token
from dataclasses import dataclass

__all__ = ["RequestInfo", "current", "max_age", "note_cache_hit", "request_id_from"]

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
    # The client's freshness bound in seconds (``maxAge``): cached data older than this is
    # not served to this request; ``None``: the cache's own TTLs decide.
    max_age: float | None = None


_current: ContextVar[RequestInfo | None] = ContextVar("ledgergraph_request", default=None)


def current() -> RequestInfo | None:
    return _current.get()


def begin(info: RequestInfo) -> Token[RequestInfo | None]:
    return _current.set(info)


def end(token: Token[RequestInfo | None]) -> None:
    _current.reset(token)


def note_cache_hit(fetched_at: float) -> None:
    """A read of this request was served from cache, with data fetched at ``fetched_at``."""
    info = _current.get()
    if info is None:
        return
    info.cache_hits += 1
    if info.oldest_cached_at is None or fetched_at < info.oldest_cached_at:
        info.oldest_cached_at = fetched_at


def max_age() -> float | None:
    """The current request's freshness bound in seconds, if its client set one."""
    info = _current.get()
    return None if info is None else info.max_age


def request_id_from(header: str | None) -> str:
    """The client's ``X-Request-Id`` when it is a sensible id, else a fresh one."""
    if header is not None and _CLIENT_REQUEST_ID.fullmatch(header):
        return header
    return secrets.token_hex(16)
