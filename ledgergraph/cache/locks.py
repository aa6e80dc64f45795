"""Lock behaviour that does not depend on the backend."""

from __future__ import annotations

import asyncio
import random
import secrets
from collections.abc import Awaitable, Callable

from ledgergraph.cache.types import Lease
from ledgergraph.cache.validation import check_positive

__all__ = ["new_token", "wait_for_lease"]


def new_token() -> str:
    return secrets.token_hex(16)


async def wait_for_lease(
    acquire: Callable[[], Awaitable[Lease | None]], within: float, poll: float
) -> Lease | None:
    """Call ``acquire`` until it returns a lease or ``within`` seconds have passed."""
    check_positive("timeout", within)
    check_positive("poll", poll)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        lease = await acquire()
        if lease is not None:
            return lease
        remaining = deadline - loop.time()
        if remaining <= 0:
            return None
        # Jitter keeps a crowd of waiters from retrying in lockstep.
        await asyncio.sleep(min(remaining, poll * random.uniform(0.5, 1.5)))
