"""GraphQL operations in metrics, logs and traces.

``OperationMetrics`` counts and times each operation by (bounded) name, type and outcome and
tells the request's log lines its tenant and operation. The tracing extension is Strawberry's
OpenTelemetry extension, used only while traces are recorded (see
``ledgergraph.observability.tracing``); resolver arguments never become span attributes, as
they may hold personal data.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from strawberry.extensions import SchemaExtension

from ledgergraph.observability import metrics, request_context, tracing

__all__ = ["OperationMetrics", "observability_extensions"]


class OperationMetrics(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        info = request_context.current()
        principal = getattr(self.execution_context.context, "principal", None)
        tenant = str(principal.tenant) if principal is not None else None
        if info is not None and tenant is not None:
            info.tenant = tenant
        yield
        context = self.execution_context
        name = metrics.operation_label(context.operation_name)
        try:
            kind = context.operation_type.value
        except RuntimeError:  # no operation in the document (a parse error)
            kind = "unknown"
        failed = bool(context.pre_execution_errors) or bool(
            context.result is not None and context.result.errors
        )
        metrics.GRAPHQL_OPERATIONS.labels(name, kind, "error" if failed else "ok").inc()
        metrics.GRAPHQL_LATENCY.labels(name, kind).observe(time.perf_counter() - started)
        if info is not None:
            info.operation = context.operation_name
            info.operation_type = kind
        if metrics.tenant_labels() and tenant is not None:
            business = info.business if info is not None else None
            metrics.TENANT_OPERATIONS.labels(tenant, business or "").inc()


class _Off(SchemaExtension):
    """Stands in for the tracing extension while no traces are recorded: no hooks, no cost."""


def _no_arguments(arguments: dict[str, Any], info: Any) -> dict[str, Any]:
    return {}


def _tracing() -> SchemaExtension:
    if not tracing.active():
        return _Off()
    from strawberry.extensions.tracing import OpenTelemetryExtension

    return OpenTelemetryExtension(arg_filter=_no_arguments, tracer_provider=tracing.provider())


def observability_extensions() -> list[type[SchemaExtension] | Callable[[], SchemaExtension]]:
    return [OperationMetrics, _tracing]
