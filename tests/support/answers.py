"""GraphQL answers as tests compare them."""

from __future__ import annotations

from typing import Any

__all__ = ["without_cost"]


def without_cost(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` without ``extensions.cost`` (every answer has one; see ``cost_report``), and
    without ``extensions`` if nothing else was in it: for comparing whole answers."""
    extensions = {k: v for k, v in body.get("extensions", {}).items() if k != "cost"}
    rest = {k: v for k, v in body.items() if k != "extensions"}
    return rest | {"extensions": extensions} if extensions else rest
