"""What must survive a restart, and the start-up check that it will.

Some state cannot be lost without harm to tenants: Sage token pairs (a rotated refresh token
that is lost is a lost connection), connection records, idempotency records, sync cursors and
event streams. It lives in the state store (``LEDGERGRAPH_REDIS_URL``), which must be a Redis
with AOF (``appendonly yes``, ``appendfsync everysec`` or ``always``) and
``maxmemory-policy noeviction``. The response cache may vanish at any time and may live in an
evicting Redis of its own (``LEDGERGRAPH_CACHE_REDIS_URL``).

In production a state store that says it is not durable refuses start-up, unless
``LEDGERGRAPH_ALLOW_VOLATILE_STORE=1`` (then a warning at every start); in development it is
a warning.
"""

from __future__ import annotations

import logging

from ledgergraph.cache import Store, StoreUnavailable
from ledgergraph.cache.epoch import StoreEpoch
from ledgergraph.errors import StartupError
from ledgergraph.settings import Settings

log = logging.getLogger(__name__)

FIX = (
    "run Redis with 'appendonly yes', 'appendfsync everysec' and 'maxmemory-policy noeviction' "
    "(or set LEDGERGRAPH_ALLOW_VOLATILE_STORE=1 to accept losing every connection on a restart)"
)


async def check_state_store(settings: Settings, store: Store, epoch: StoreEpoch) -> None:
    """Refuse (production) or warn about a volatile store; note the store's epoch, so a
    later loss of its data is noticed."""
    try:
        durability = await store.durability()
        await epoch.start()
    except StoreUnavailable as exc:
        log.warning("could not check the state store's durability: %s", exc)
        return
    problems = []
    if durability.survives_restart is False:
        problems.append("does not survive its own restart")
    if durability.evicts is True:
        problems.append("may evict keys under memory pressure")
    if not problems:
        if durability.survives_restart is None:
            log.warning("the state store does not tell its durability (%s)", durability.detail)
        return
    problem = (
        f"The state store {' and '.join(problems)} ({durability.detail}): tenants' Sage "
        "connections and idempotency records would be lost"
    )
    if settings.production and not settings.allow_volatile_store:
        raise StartupError(f"{problem}. Fix: {FIX}.", setting="LEDGERGRAPH_REDIS_URL")
    if settings.production or settings.redis_url:
        log.warning("%s. %s.", problem, FIX[0].upper() + FIX[1:])
