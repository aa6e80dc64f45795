"""Traces: a deep query's Sage calls are spans under its GraphQL operation, in the trace the
client started; the trace context goes no further than LedgerGraph."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import SOLO_USER_ID
from tests.support.server import LiveServer, serve_ledgergraph
from tests.sync.helpers import connect_tenant

pytestmark = pytest.mark.redis

DEEP = """query Deep { invoices(first: 5) { edges { node {
  number contact { name email }
  lines { taxRate { name } ledgerAccount { code name } } } } } }"""
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CLIENT_SPAN_ID = "00f067aa0ba902b7"


@pytest.fixture
async def server(
    sandbox: RunningSandbox, redis_url: str, key_prefix: str, http: httpx.AsyncClient
) -> AsyncIterator[LiveServer]:
    async with serve_ledgergraph(sandbox, redis_url=redis_url, prefix=key_prefix) as running:
        await connect_tenant(http, running, "acme", user_id=SOLO_USER_ID)
        yield running


def _ancestors(span: ReadableSpan, by_id: dict[int, ReadableSpan]) -> list[str]:
    names = []
    parent = span.parent
    while parent is not None and parent.span_id in by_id:
        found = by_id[parent.span_id]
        names.append(found.name)
        parent = found.parent
    return names


async def test_a_deep_querys_sage_calls_are_spans_under_its_graphql_operation(
    server: LiveServer, http: httpx.AsyncClient, spans: InMemorySpanExporter
) -> None:
    assert server.runtime is not None
    sent: list[httpx.Headers] = []

    async def record(request: httpx.Request) -> None:
        sent.append(request.headers)

    server.runtime.http.event_hooks["request"].append(record)
    response = await http.post(
        f"{server.url}/graphql",
        json={"query": DEEP},
        headers={
            "Authorization": f"Bearer {server.token('acme')}",
            "traceparent": f"00-{TRACE_ID}-{CLIENT_SPAN_ID}-01",
            "tracestate": "vendor=secret-routing-hint",
        },
    )
    assert "errors" not in response.json()

    finished = [s for s in spans.get_finished_spans() if s.context.trace_id == int(TRACE_ID, 16)]
    by_id = {s.context.span_id: s for s in finished}
    [request_span] = [
        s for s in finished if s.kind is SpanKind.SERVER and s.name == "POST /graphql"
    ]
    [operation] = [s for s in finished if s.name == "GraphQL Query: Deep"]
    sage = [s for s in finished if s.kind is SpanKind.CLIENT and " sage " in s.name]

    assert request_span.parent is not None
    assert request_span.parent.span_id == int(CLIENT_SPAN_ID, 16)
    assert _ancestors(operation, by_id) == ["POST /graphql"]
    assert len(sage) == len(sent) > 1
    assert all("GraphQL Query: Deep" in _ancestors(s, by_id) for s in sage)
    assert {(s.attributes or {}).get("http.response.status_code") for s in sage} == {200}
    assert [h for h in sent if "traceparent" in h or "tracestate" in h] == []


async def test_without_a_tracer_provider_nothing_is_recorded(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    from ledgergraph.observability import tracing

    body = await server.graphql(http, "acme", DEEP)

    assert "errors" not in body
    assert not tracing.active()
