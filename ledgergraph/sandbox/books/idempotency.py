"""Sage's idempotency memory: the first response to a write that carried an ``idempotency_id``.

Scoped per business (each ``Books`` owns one). Entries live ``ttl`` seconds on a monotonic
clock, so tests can make them lapse quickly.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class RememberedResponse:
    resource: str
    status: int
    body: bytes
    expires_at: float


@dataclass(slots=True)
class IdempotencyMemory:
    clock: Callable[[], float] = time.monotonic
    _entries: dict[str, RememberedResponse] = field(default_factory=dict)

    def recall(self, idempotency_id: str) -> RememberedResponse | None:
        entry = self._entries.get(idempotency_id)
        if entry is None:
            return None
        if entry.expires_at <= self.clock():
            del self._entries[idempotency_id]
            return None
        return entry

    def remember(
        self, idempotency_id: str, *, resource: str, status: int, body: bytes, ttl: float
    ) -> None:
        self._entries[idempotency_id] = RememberedResponse(
            resource=resource, status=status, body=body, expires_at=self.clock() + ttl
        )
