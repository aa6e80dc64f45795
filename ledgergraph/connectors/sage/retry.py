"""When and how long to wait before retrying a Sage call."""

from __future__ import annotations

import random
from dataclasses import dataclass

# Answers Sage gives before doing anything: the same request may be sent again.
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 4
    budget: float = 20.0
    base_delay: float = 0.2
    max_delay: float = 5.0

    @classmethod
    def none(cls) -> RetryPolicy:
        """One attempt, for callers that pace themselves (the sync poller pauses instead)."""
        return cls(attempts=1, budget=0.0)

    def backoff(self, attempt: int, *, retry_after: float | None = None) -> float:
        """Delay before attempt ``attempt + 1`` (full jitter, at least Sage's Retry-After)."""
        ceiling = min(self.max_delay, self.base_delay * 2**attempt)
        jittered = random.uniform(0, ceiling)
        return max(jittered, retry_after or 0.0)
