"""Background-task hygiene for the sync loops.

Some libraries turn a cancellation that arrives mid-operation into an error of their own
(redis-py raises its ``TimeoutError``, which the store reports as ``StoreUnavailable``). A loop
that tolerates store errors would then carry on although its task was asked to stop, and
whoever awaits that task at shutdown would wait forever. So the loops check ``still_wanted``
after every tolerated error, and ``stop`` bounds the wait regardless.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

__all__ = ["still_wanted", "stop"]

log = logging.getLogger(__name__)


def still_wanted() -> None:
    """Raise ``CancelledError`` if the current task was asked to stop and that got lost."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


async def stop(tasks: Iterable[asyncio.Task[None]], *, grace: float = 5.0) -> None:
    """Cancel ``tasks`` and wait up to ``grace`` seconds for them to finish."""
    pending = [task for task in tasks if not task.done()]
    for task in pending:
        task.cancel()
    if not pending:
        return
    _, stuck = await asyncio.wait(pending, timeout=grace)
    for task in stuck:
        log.error("task %s did not stop within %.1f s; leaving it behind", task.get_name(), grace)
