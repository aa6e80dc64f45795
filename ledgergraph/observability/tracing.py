"""OpenTelemetry traces (the optional ``ledgergraph[otel]`` extra).

Spans: one server span per HTTP request, continuing the client's W3C ``traceparent``; one
per GraphQL operation (Strawberry's OpenTelemetry extension) with its resolvers; one client
span per Sage request; Redis commands (a pipeline as one span) when
``opentelemetry-instrumentation-redis`` is installed.

The trace context is accepted from clients and sent to no one: Sage requests carry no
``traceparent`` (which is why Sage spans are made here, around the HTTP transport, rather than
by the httpx instrumentation, which injects it into every request).

``configure_from_environment`` sets up the OTLP exporter (HTTP/protobuf) from the standard
``OTEL_*`` variables — ``OTEL_EXPORTER_OTLP_ENDPOINT``, ``OTEL_SERVICE_NAME``,
``OTEL_RESOURCE_ATTRIBUTES``, ``OTEL_TRACES_SAMPLER``... — when one of them asks for traces.
Spans are made only while an SDK tracer provider is installed (by it, or by a host
application or a test); otherwise tracing costs nothing.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Mapping
from importlib.util import find_spec
from typing import Any

__all__ = ["active", "configure_from_environment", "server_span", "trace_id"]

log = logging.getLogger(__name__)

AVAILABLE = find_spec("opentelemetry") is not None and find_spec("opentelemetry.trace") is not None
TRACER_NAME = "ledgergraph"
_ASKS_FOR_TRACES = (
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
)


# A provider of LedgerGraph's own (``use_provider``), else OpenTelemetry's global one.
_provider: Any = None


def use_provider(provider: Any) -> None:
    """Record LedgerGraph's spans with ``provider`` (None: the global provider again) — for a
    host application keeping its own, or a test's in-memory exporter."""
    global _provider
    _provider = provider


def provider() -> Any:
    if _provider is not None:
        return _provider
    from opentelemetry import trace

    return trace.get_tracer_provider()


def active() -> bool:
    """True when spans are recorded: OpenTelemetry is installed and a real provider is set."""
    if not AVAILABLE:
        return False
    from opentelemetry import trace

    return not isinstance(provider(), trace.ProxyTracerProvider | trace.NoOpTracerProvider)


def tracer() -> Any:
    from opentelemetry import trace

    return trace.get_tracer(TRACER_NAME, tracer_provider=provider())


def configure_from_environment(environ: Mapping[str, str] = os.environ) -> bool:
    """Install an SDK provider exporting over OTLP if the ``OTEL_*`` variables ask for it."""
    if environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return False
    wanted = any(environ.get(name) for name in _ASKS_FOR_TRACES) or (
        environ.get("OTEL_TRACES_EXPORTER", "").lower() == "otlp"
    )
    if not wanted or active():
        return False
    if find_spec("opentelemetry.sdk") is None or (
        find_spec("opentelemetry.exporter.otlp.proto.http") is None
    ):
        log.warning(
            "OTEL_* variables ask for traces but OpenTelemetry is not installed: "
            "pip install 'ledgergraph[otel]'."
        )
        return False
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    attributes = {} if environ.get("OTEL_SERVICE_NAME") else {"service.name": "ledgergraph"}
    sdk_provider = TracerProvider(resource=Resource.create(attributes))
    sdk_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(sdk_provider)
    _instrument_redis()
    return True


def _instrument_redis() -> None:
    if find_spec("opentelemetry.instrumentation.redis") is None:
        return
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    RedisInstrumentor().instrument()


@contextlib.contextmanager
def server_span(method: str, route: str, path: str, headers: Mapping[str, str]) -> Iterator[Any]:
    """The span of one inbound HTTP request, child of the client's ``traceparent`` if any."""
    if not active():
        yield None
        return
    from opentelemetry import trace
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    parent = TraceContextTextMapPropagator().extract(_Lowercase(headers))
    with tracer().start_as_current_span(
        f"{method} {route}",
        context=parent,
        kind=trace.SpanKind.SERVER,
        attributes={"http.request.method": method, "http.route": route, "url.path": path},
        # The middleware sets the status: a 404 raised as an exception is not a span error.
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        yield span


@contextlib.contextmanager
def client_span(method: str, resource: str, host: str, path: str) -> Iterator[Any]:
    """The span of one Sage request (nothing is injected into the request)."""
    if not active():
        yield None
        return
    from opentelemetry import trace

    with tracer().start_as_current_span(
        f"{method} sage {resource}",
        kind=trace.SpanKind.CLIENT,
        attributes={
            "http.request.method": method,
            "server.address": host,
            "url.path": path,
            "peer.service": "sage",
            "ledgergraph.sage.resource": resource,
        },
    ) as span:
        yield span


def set_status(span: Any, status: int | None, error: BaseException | None = None) -> None:
    if span is None:
        return
    from opentelemetry.trace import Status, StatusCode

    if status is not None:
        span.set_attribute("http.response.status_code", status)
    if error is not None:
        span.set_status(Status(StatusCode.ERROR, type(error).__name__))
    elif status is not None and status >= 500:
        span.set_status(Status(StatusCode.ERROR))


def trace_id() -> str | None:
    """The current trace's id (hex) for log lines, when a span is being recorded."""
    if not AVAILABLE:
        return None
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None


class _Lowercase(dict[str, str]):
    """Header lookup for the propagator, which asks for ``traceparent`` in lower case."""

    def __init__(self, headers: Mapping[str, str]) -> None:
        super().__init__(
            (name.lower(), value)
            for name, value in headers.items()
            if name.lower() in ("traceparent", "tracestate")
        )
