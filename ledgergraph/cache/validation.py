"""Argument checks shared by the implementations, so both reject the same mistakes."""

from __future__ import annotations

import math

__all__ = ["check_count", "check_positive", "check_ttl", "milliseconds"]


def check_positive(name: str, value: float) -> float:
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be a positive number of seconds, got {value!r}")
    return value


def check_ttl(ttl: float | None) -> float | None:
    return None if ttl is None else check_positive("ttl", ttl)


def check_count(name: str, value: int) -> int:
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value!r}")
    return value


def milliseconds(seconds: float) -> int:
    """Whole milliseconds for Redis, rounded up so a short TTL never becomes "no TTL" (0)."""
    return max(1, math.ceil(seconds * 1000))
