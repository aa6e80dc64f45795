"""Telling a read that its Sage call has left: its request is on the wire.

A request that starts reads early (``ledgergraph.resolvers.prefetch``) lets them run until
their calls have left before it does CPU work of its own: what is still before Sage (a cache
lookup, a budget check, the request's bytes) needs the loop, what has left does not. The read
sets ``DEPARTED`` around its call (``SageReads``); the client passes ``trace(departed)`` to the
transport, which calls it as the request's body has been sent. A context variable, so the
tasks the client starts for the call (a shared fetch) carry it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

__all__ = ["DEPARTED", "trace"]

DEPARTED: ContextVar[Callable[[], None] | None] = ContextVar("sage_departed", default=None)


def trace(departed: Callable[[], None]) -> Callable[[str, dict[str, Any]], Awaitable[None]]:
    """An httpcore ``trace`` extension that calls ``departed`` once the request is sent (or
    failed to be)."""

    async def on_event(event: str, info: dict[str, Any]) -> None:
        if event.endswith(("send_request_body.complete", ".failed")):
            departed()

    return on_event
