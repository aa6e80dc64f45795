"""Prometheus metric families, all prefixed ``ledgergraph_``, and the ``/metrics`` exposition.

Labels are bounded: routes are route templates, Sage resources the first path segment of a
known API, GraphQL operation names are capped per process (``MAX_OPERATION_NAMES``; later
names count as ``other``). No family carries a tenant label unless
``LEDGERGRAPH_METRICS_TENANT_LABELS`` turns on the two ``ledgergraph_tenant_*`` families, meant
for small fleets.

Several worker processes (``--workers``) share their metrics through prometheus_client's
multiprocess mode: set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory writable by every
worker *before* they start (the values live in files there); any worker's ``/metrics`` then
answers for all of them. Without it, metrics are this process's own.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from collections.abc import Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as _multiprocess

__all__ = ["CONTENT_TYPE_LATEST", "exposition"]

MULTIPROC_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
MAX_OPERATION_NAMES = 200
OTHER = "other"
ANONYMOUS = "anonymous"

# Sage answers in tens to hundreds of milliseconds; GraphQL operations fan out over several.
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

HTTP_REQUESTS = Counter(
    "ledgergraph_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "ledgergraph_http_request_duration_seconds",
    "Time to answer an HTTP request (a WebSocket: its whole life).",
    ["method", "route"],
    buckets=_LATENCY_BUCKETS,
)
GRAPHQL_OPERATIONS = Counter(
    "ledgergraph_graphql_operations",
    "GraphQL operations executed, by operation name and type and outcome (ok or error).",
    ["operation", "type", "status"],
)
GRAPHQL_LATENCY = Histogram(
    "ledgergraph_graphql_operation_duration_seconds",
    "Time to execute a GraphQL operation, parsing and validation included.",
    ["operation", "type"],
    buckets=_LATENCY_BUCKETS,
)
SAGE_REQUESTS = Counter(
    "ledgergraph_sage_requests",
    "HTTP requests sent to Sage (API and OAuth), by resource, method and status "
    "(``error`` when no answer came).",
    ["resource", "method", "status"],
)
SAGE_LATENCY = Histogram(
    "ledgergraph_sage_request_duration_seconds",
    "Time Sage took to answer one request.",
    ["resource", "method"],
    buckets=_LATENCY_BUCKETS,
)
SAGE_RATE_LIMITED = Counter(
    "ledgergraph_sage_rate_limited",
    "Sage answers of 429 Too Many Requests, by resource.",
    ["resource"],
)
SAGE_RETRIES = Counter(
    "ledgergraph_sage_retries",
    "Sage requests sent again after a failed attempt (429, 5xx, 401, no answer).",
    ["resource", "method"],
)
TOKEN_REFRESHES = Counter(
    "ledgergraph_token_refreshes",
    "Sage access-token refreshes, by outcome: ok, invalid_grant (the connection needs "
    "re-authorising) or error.",
    ["outcome"],
)
TOKEN_REFRESH_LATENCY = Histogram(
    "ledgergraph_token_refresh_duration_seconds",
    "Time one refresh grant took at Sage.",
    buckets=_LATENCY_BUCKETS,
)
CACHE_LOOKUPS = Counter(
    "ledgergraph_cache_lookups",
    "Response-cache lookups of Sage GETs, by resource kind and result (hit, miss, or stale: "
    "past its TTL, served because the Sage budget refused the read).",
    ["kind", "result"],
)
IDEMPOTENCY = Counter(
    "ledgergraph_idempotency",
    "Idempotency-key checks of mutations: new, replay, in_progress or reused (refused).",
    ["outcome"],
)
SYNC_EVENTS_PUBLISHED = Counter(
    "ledgergraph_sync_events_published",
    "Changes found by polling Sage and published to subscribers.",
)
SYNC_POLL_LAG = Histogram(
    "ledgergraph_sync_poll_lag_seconds",
    "From a change in Sage (its timestamp) to its event being published.",
    buckets=(0.5, 1.0, 2.5, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 900.0),
)
SYNC_POLLS = Counter(
    "ledgergraph_sync_polls",
    "Polls of one tenant's changes, by outcome (ok or error).",
    ["outcome"],
)
SYNC_SUBSCRIBERS = Gauge(
    "ledgergraph_sync_subscribers",
    "Live syncEvents subscriptions in this process (summed over live workers).",
    multiprocess_mode="livesum",
)
WEBSOCKETS_OPEN = Gauge(
    "ledgergraph_websocket_connections",
    "Open GraphQL WebSocket connections (summed over live workers).",
    multiprocess_mode="livesum",
)
WORKER_STARTED = Gauge(
    "ledgergraph_worker_start_time_seconds",
    "When each live server process started serving (Unix time); one series per worker (pid "
    "label) with --workers: how many are up, and which were replaced.",
    multiprocess_mode="liveall",
)
WEBSOCKETS_OPENED = Counter(
    "ledgergraph_websocket_connections_opened",
    "GraphQL WebSocket connections accepted.",
)
RATE_LIMITED = Counter(
    "ledgergraph_rate_limited",
    "Requests refused by LedgerGraph's own limits: requests (per tenant) or sage_budget "
    "(Sage calls per business).",
    ["limit"],
)
TENANT_OPERATIONS = Counter(
    "ledgergraph_tenant_graphql_operations",
    "GraphQL operations per tenant and business (only with LEDGERGRAPH_METRICS_TENANT_LABELS).",
    ["tenant", "business"],
)
TENANT_SAGE_REQUESTS = Counter(
    "ledgergraph_tenant_sage_requests",
    "Sage requests per tenant and business (only with LEDGERGRAPH_METRICS_TENANT_LABELS).",
    ["tenant", "business"],
)
# The Sage app's budget, shared by the fleet (connectors/sage/budget.py). ``priority`` is
# interactive, polling or background.
SAGE_IN_FLIGHT = Gauge(
    "ledgergraph_sage_in_flight",
    "Sage calls holding a slot of the app's in-flight budget now, by priority (summed over "
    "live workers).",
    ["priority"],
    multiprocess_mode="livesum",
)
SAGE_BUDGET_CALLS = Counter(
    "ledgergraph_sage_budget_calls",
    "Sage calls counted against the app's daily budget, by priority (token refreshes as refresh).",
    ["priority"],
)
SAGE_BUDGET_USED = Gauge(
    "ledgergraph_sage_budget_used_today",
    "Calls of the app's daily Sage budget spent today, fleet-wide, as last seen by a worker.",
    multiprocess_mode="livemax",
)
SAGE_BUDGET_REMAINING = Gauge(
    "ledgergraph_sage_budget_remaining_today",
    "Calls of the app's daily Sage budget left today, fleet-wide, as last seen by a worker.",
    multiprocess_mode="livemin",
)
SAGE_BUDGET_WAIT = Histogram(
    "ledgergraph_sage_budget_wait_seconds",
    "Time a Sage call waited for a slot of the app's budget, by priority.",
    ["priority"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
SAGE_BUDGET_REFUSED = Counter(
    "ledgergraph_sage_budget_refused",
    "Sage calls not made for the app's budget, by priority and reason: exhausted (the day "
    "is spent), reserved (the rest is kept for more urgent calls) or timeout (no slot came).",
    ["priority", "reason"],
)
SAGE_TOO_MANY_REQUESTS = Counter(
    "ledgergraph_sage_too_many_requests",
    "Sage answers of 429 Too Many Requests, by priority of the call.",
    ["priority"],
)

_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
_tenant_labels = False


class BoundedNames:
    """Client-chosen names as labels: the first ``limit`` distinct ones, then ``other``."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, name: str | None) -> str:
        if not name:
            return ANONYMOUS
        if not _NAME.fullmatch(name):
            return OTHER
        with self._lock:
            if name in self._seen:
                return name
            if len(self._seen) >= self._limit:
                return OTHER
            self._seen.add(name)
        return name


operation_label = BoundedNames(MAX_OPERATION_NAMES)


def configure(*, tenant_labels: bool) -> None:
    """Whether the per-tenant families are filled (a process-wide choice)."""
    global _tenant_labels
    _tenant_labels = tenant_labels


def tenant_labels() -> bool:
    return _tenant_labels


def multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROC_DIR_VARIABLE))


def exposition() -> bytes:
    """The text exposition of every family, across all workers in multiprocess mode."""
    if multiprocess():
        registry = CollectorRegistry()
        _multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def process_exited(pid: int, directory: str | None = None) -> None:
    """Drop an exited worker's live gauges (multiprocess mode); its counters stay. The
    supervisor names the ``directory``: it serves no metrics itself."""
    if directory is not None:
        _multiprocess.mark_process_dead(pid, directory)  # type: ignore[no-untyped-call]
    elif multiprocess():
        _multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


@contextlib.contextmanager
def refresh_observed() -> Iterator[None]:
    """Count and time one refresh grant: ok, invalid_grant (Sage refused the refresh token)
    or error (anything else: the refresh is tried again later)."""
    started = time.perf_counter()
    try:
        yield
    except BaseException as exc:
        outcome = "invalid_grant" if getattr(exc, "invalid_grant", False) else "error"
        TOKEN_REFRESHES.labels(outcome).inc()
        raise
    else:
        TOKEN_REFRESHES.labels("ok").inc()
    finally:
        TOKEN_REFRESH_LATENCY.observe(time.perf_counter() - started)
