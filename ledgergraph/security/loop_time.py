"""How much of a worker's event loop each tenant used lately, measured as it runs.

Every callback an asyncio loop runs (a task's step, a future's done-callback) is an
``asyncio.Handle`` run in the context it was scheduled from. An operation that runs inside
``metering(account)`` marks its context with the account, and every task it spawns copies
that context, so the time each of its callbacks holds the loop is added to the account: the
CPU it took to parse, resolve, decode and map Sage's pages and serialize the answer, and none
of the time it spent waiting for Sage or for other tenants' callbacks.

An account keeps a *decayed* sum (halving every ``half_life`` seconds): what a tenant used in
the last few seconds weighs, what it used a minute ago does not. The admission of operations
(``admission.py``) compares tenants by it.

Measured by wrapping ``asyncio.events.Handle._run`` once per process (``install``): the pure
Python loop's callbacks all go through it. A loop that does not (uvloop) measures nothing and
admission falls back to concurrency alone.
"""

from __future__ import annotations

import asyncio.events
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

__all__ = ["Account", "install", "metering"]


class Account:
    """Seconds of loop time, decayed: ``level()`` is about ``rate * half_life / ln 2`` for a
    steady rate of use."""

    __slots__ = ("_clock", "_decay", "_level", "_stamp")

    def __init__(self, half_life: float, clock: Callable[[], float] = time.monotonic) -> None:
        if half_life <= 0:
            raise ValueError("half_life must be positive")
        self._decay = math.log(2) / half_life
        self._clock = clock
        self._level = 0.0
        self._stamp = clock()

    def level(self) -> float:
        now = self._clock()
        if now > self._stamp:
            self._level *= math.exp(-self._decay * (now - self._stamp))
            self._stamp = now
        return self._level

    def spend(self, seconds: float) -> None:
        self._level = self.level() + seconds


_ACCOUNT: ContextVar[Account | None] = ContextVar("ledgergraph_loop_account", default=None)
_original_run: Callable[[asyncio.events.Handle], None] | None = None


def _metered_run(self: Any) -> None:
    assert _original_run is not None
    context = self._context
    before = context.get(_ACCOUNT)
    started = time.perf_counter()
    try:
        _original_run(self)
    finally:
        # A callback that enters or leaves ``metering`` is charged whole to that account.
        account = before or context.get(_ACCOUNT)
        if account is not None:
            account.spend(time.perf_counter() - started)


def install() -> None:
    """Measure loop time by account from now on, in this process (idempotent)."""
    global _original_run
    if _original_run is None:
        _original_run = asyncio.events.Handle._run
        asyncio.events.Handle._run = _metered_run  # type: ignore[method-assign]


@contextmanager
def metering(account: Account) -> Iterator[None]:
    """Charge the loop time of this block (and of the tasks it starts) to ``account``."""
    token = _ACCOUNT.set(account)
    try:
        yield
    finally:
        _ACCOUNT.reset(token)
