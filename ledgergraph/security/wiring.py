"""The security pieces, built from configuration (``runtime.py`` and ``server.py`` call these)."""

from __future__ import annotations

from ledgergraph.cache import KeyValue
from ledgergraph.security.cost import CostModel
from ledgergraph.security.limits import QueryLimits, SchemaSecurity
from ledgergraph.security.ratelimit import RequestLimiter, SlidingWindow, UpstreamBudget
from ledgergraph.settings import Settings

__all__ = ["request_limiter", "schema_security", "upstream_budget"]

BUDGET_WINDOW = 60.0


def schema_security(settings: Settings) -> SchemaSecurity:
    return SchemaSecurity(
        limits=QueryLimits(
            max_depth=settings.max_query_depth,
            max_tokens=settings.max_query_tokens,
            max_aliases=settings.max_query_aliases,
            max_cost=settings.max_query_cost,
            cost_model=CostModel(),
        ),
        introspection=settings.introspection_enabled,
        parser_cache_size=settings.parser_cache_size,
        validation_cache_size=settings.validation_cache_size,
    )


def request_limiter(settings: Settings, kv: KeyValue) -> RequestLimiter | None:
    if settings.rate_limit_requests == 0:
        return None
    return RequestLimiter(
        SlidingWindow(kv, limit=settings.rate_limit_requests, seconds=settings.rate_limit_window)
    )


def upstream_budget(settings: Settings, kv: KeyValue) -> UpstreamBudget | None:
    if settings.sage_budget_per_minute == 0:
        return None
    return UpstreamBudget(
        SlidingWindow(kv, limit=settings.sage_budget_per_minute, seconds=BUDGET_WINDOW)
    )
