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

__all__ = ["RequestInfo", "current", "request_id_from"]

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


_current: ContextVar[RequestInfo | None] = ContextVar("ledgergraph_request", default=None)


def current() -> RequestInfo | None:
    return _current.get()


def begin(info: RequestInfo) -> Token[RequestInfo | None]:
    return _current.set(info)


def end(token: Token[RequestInfo | None]) -> None:
    _current.reset(token)


def request_id_from(header: str | None) -> str:
    """The client's ``X-Request-Id`` when it is a sensible id, else a fresh one."""
    if header is not None and _CLIENT_REQUEST_ID.fullmatch(header):
        return header
    return secrets.token_hex(16)
