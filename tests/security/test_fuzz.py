"""A GraphQL fuzzer: queries generated from the schema (hypothesis-graphql), valid ones and
ones with a schema violation, sent to a live server on the sandbox with a connected tenant.
IDs are mostly the tenant's real objects' (so resolvers run all the way to Sage) and page sizes
mostly sensible. No answer may be a 500 or carry an internal error: everything is answered
or refused with a LedgerGraph error code."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from typing import Any

import graphql
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, nodes, queries

from ledgergraph.api import schema
from ledgergraph.sandbox import SandboxConfig, serve_sandbox
from ledgergraph.sandbox.books import SOLO_USER_ID
from tests.support.browser import connect
from tests.support.server import serve_ledgergraph

# graphql-core 3.3 leaves the resolver coroutines of a sibling field's sub-selection unawaited
# when a non-null root field's error nulls the whole result first (e.g. ``creditNote(id:
# <a Business ID>) { .. } node(id: <that ID>) { remoteData ... on Business {
# financialSettings { .. } } }``): the answer is right, Python only warns when it collects them.
pytestmark = [
    pytest.mark.filterwarnings(
        "ignore:coroutine 'GraphQLCoreConverter.from_resolver.<locals>._async_resolver' "
        "was never awaited:RuntimeWarning"
    ),
    pytest.mark.filterwarnings(
        "ignore:Exception ignored in. <coroutine object GraphQLCoreConverter"
        ":pytest.PytestUnraisableExceptionWarning"
    ),
]
KNOWN_OBJECTS = """{ business { id remoteId } contacts(first: 3) { nodes { id } }
  invoices(first: 3) { nodes { id } } payments(first: 2) { nodes { id } }
  taxRates(first: 2) { nodes { id } } items(first: 2) { nodes { id } } }"""


def query_strategy(ids: list[str]) -> st.SearchStrategy[Any]:
    scalars: dict[str, st.SearchStrategy[graphql.ValueNode]] = {
        "ID": st.one_of(st.sampled_from(ids), st.text(max_size=40)).map(nodes.String),
        "Int": st.one_of(st.integers(1, 30), st.integers(-(2**31), 2**31 - 1)).map(nodes.Int),
        "Date": st.dates().map(nodes.String),
        "DateTime": st.datetimes(timezones=st.just(dt.UTC)).map(
            lambda d: nodes.String(d.isoformat())
        ),
        "Decimal": st.decimals(allow_nan=False, allow_infinity=False, places=2).map(nodes.String),
        "JSON": st.just(nodes.Object([])),
    }
    return st.one_of(
        queries(schema._schema, custom_scalars=scalars, allow_x00=False),
        queries(schema._schema, custom_scalars=scalars, allow_x00=False, mode=Mode.NEGATIVE),
    )


class BackgroundServer:
    """LedgerGraph on the sandbox, running on an event loop of its own thread, so Hypothesis
    drives it from plain synchronous test code."""

    def __init__(self) -> None:
        self.url = ""
        self.token = ""
        self.ids: list[str] = []
        self._loop = asyncio.new_event_loop()
        self._stop = asyncio.Event()
        self._ready: Future[None] = Future()
        self._thread = threading.Thread(target=self._run, name="fuzz-server", daemon=True)

    def __enter__(self) -> BackgroundServer:
        self._thread.start()
        self._ready.result(timeout=60)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        self._loop.run_until_complete(self._serve())
        self._loop.close()

    async def _serve(self) -> None:
        try:
            async with (
                serve_sandbox(SandboxConfig(controls=True, scale=0.1)) as sandbox,
                serve_ledgergraph(sandbox, rate_limit_requests=0) as server,
                httpx.AsyncClient(timeout=30) as http,
            ):
                self.token = server.token("fuzz")
                await connect(http, server.url, self.token, user_id=SOLO_USER_ID)
                known = await server.graphql(http, "fuzz", KNOWN_OBJECTS)
                self.ids = _ids(known["data"])
                self.url = server.url
                self._ready.set_result(None)
                await self._stop.wait()
        except BaseException as exc:
            if not self._ready.done():
                self._ready.set_exception(exc)
            raise


@pytest.fixture(scope="module")
def live() -> Iterator[BackgroundServer]:
    with BackgroundServer() as running:
        yield running


@pytest.fixture(scope="module")
def client(live: BackgroundServer) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {live.token}"}
    with httpx.Client(base_url=live.url, headers=headers, timeout=30) as http:
        yield http
    # Collect those coroutines now, while this test's warning filters apply (see above).
    gc.collect()


@pytest.fixture(scope="module")
def strategy(live: BackgroundServer) -> st.SearchStrategy[Any]:
    return query_strategy(live.ids)


def _ids(data: Any) -> list[str]:
    if isinstance(data, dict):
        return [v for k, v in data.items() if k in ("id", "remoteId")] + [
            i for v in data.values() for i in _ids(v)
        ]
    if isinstance(data, list):
        return [i for v in data for i in _ids(v)]
    return []


def _check(response: httpx.Response, query: str) -> None:
    assert response.status_code < 500, (query, response.text)
    body: Any = response.json()
    for error in body.get("errors") or []:
        code = error.get("extensions", {}).get("code")
        assert code, (query, error)
        assert code != "INTERNAL_SERVER_ERROR", (query, error)
    assert "Traceback" not in response.text


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_generated_queries_never_cause_a_500_or_an_internal_error(
    client: httpx.Client, strategy: st.SearchStrategy[Any], data: st.DataObject
) -> None:
    query = data.draw(strategy)
    _check(client.post("/graphql", json={"query": query}), query)


# -- variables and bodies: what a client puts around a valid document ------------------------

MUTATIONS = {
    "createContact": "mutation($key: String, $input: ContactInput!) { "
    "createContact(idempotencyKey: $key, input: $input) { id name } }",
    "createInvoice": "mutation($key: String, $input: DocumentInput!) { "
    "createInvoice(idempotencyKey: $key, input: $input) { id totalAmount { amount } } }",
}
FIELDS = [
    "name",
    "kinds",
    "reference",
    "email",
    "currency",
    "creditLimit",
    "creditDays",
    "mainAddress",
    "contactId",
    "date",
    "dueDate",
    "lines",
    "description",
    "quantity",
    "unitPrice",
    "taxKind",
    "accountRole",
    "taxRateId",
    "ledgerAccountId",
    "discountAmount",
]
JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(),
    st.sampled_from(["NaN", "Infinity", "-1e999999", "2026-02-30", "99999-01-01", "CUSTOMER"]),
    st.decimals().map(str),
)
# Fields whose type parses a string (decimals, dates, text), and values that test the parsing.
TYPED_FIELDS = [
    "quantity",
    "unitPrice",
    "discountAmount",
    "creditLimit",
    "date",
    "dueDate",
    "name",
    "description",
]
ODD_VALUES = st.one_of(
    st.decimals().map(str),
    st.sampled_from(["NaN", "-Infinity", "1e999999", "1." + "1" * 30, "2026-02-30", "0000-01-01"]),
    st.text(),
    st.integers().map(str),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(FIELDS), st.text(max_size=8)), inner, max_size=6),
    ),
    max_leaves=20,
)


def _valid_input(mutation: str, contact_id: str) -> dict[str, Any]:
    if mutation == "createContact":
        return {"name": "Fuzz Ltd", "kinds": ["CUSTOMER"]}
    line = {
        "description": "Fuzzing",
        "quantity": "1",
        "unitPrice": "10.00",
        "taxKind": "STANDARD",
        "accountRole": "SALES",
    }
    return {"contactId": contact_id, "date": "2026-11-20", "lines": [line]}


@st.composite
def mutation_variables(draw: st.DrawFn, ids: list[str]) -> tuple[str, dict[str, Any]]:
    """A valid input with one to three fields (or line fields) replaced by anything: deep
    enough that coercion passes and the resolvers see odd but well-typed values."""
    mutation = draw(st.sampled_from(sorted(MUTATIONS)))
    data = _valid_input(mutation, draw(st.sampled_from(ids)))
    for _ in range(draw(st.integers(1, 3))):
        lines = data.get("lines")
        line = lines[0] if isinstance(lines, list) and lines else None
        target = line if isinstance(line, dict) and draw(st.booleans()) else data
        field = draw(st.one_of(st.sampled_from(TYPED_FIELDS), st.sampled_from(FIELDS)))
        target[field] = draw(st.one_of(ODD_VALUES, JSON_VALUES))
    key = draw(st.one_of(st.text(min_size=1, max_size=20), JSON_VALUES))
    return mutation, {"input": data, "key": key}


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_generated_variables_never_cause_a_500_or_an_internal_error(
    client: httpx.Client, live: BackgroundServer, data: st.DataObject
) -> None:
    mutation, variables = data.draw(mutation_variables(live.ids))
    query = MUTATIONS[mutation]
    response = client.post("/graphql", json={"query": query, "variables": variables})
    _check(response, f"{query} {variables!r:.300}")


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(body=st.one_of(st.binary(max_size=300), JSON_VALUES.map(lambda v: repr(v).encode())))
def test_generated_bodies_are_refused_with_a_code_never_a_500(
    client: httpx.Client, body: bytes
) -> None:
    response = client.post("/graphql", content=body, headers={"Content-Type": "application/json"})
    _check(response, repr(body))
