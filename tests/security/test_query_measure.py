"""The measures behind the query limits, and the caches that keep checking them cheap."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
import strawberry.schema.schema as strawberry_schema
from graphql import parse

from ledgergraph.api import build_schema, schema
from ledgergraph.security.cost import CostModel, count_aliases, measure, repeated_field_work
from ledgergraph.security.limits import QueryLimits, SchemaSecurity, validation_rules

GRAPHQL_SCHEMA = schema._schema

MEASURES = {
    "flat": ("{ connection { status } }", 2, 1),
    "default-page": ("{ contacts { nodes { name } } }", 3, 20 * (1 + 1)),
    "edges": ("{ contacts(first: 5) { edges { node { name } } } }", 4, 5 * (1 + 1 + 1)),
    "page-capped-at-200": ("{ contacts(first: 5000) { nodes { name } } }", 3, 200 * 2),
    "page-in-a-variable": (
        "query($n: Int) { contacts(first: $n) { nodes { name } } }",
        3,
        200 * 2,
    ),
    "nested-plain-list": (
        "{ invoices(first: 10) { nodes { lines { taxRate { name } } } } }",
        5,
        10 * (1 + 1 + 20 * (1 + 1)),
    ),
    "fragment": ("{ ...F } fragment F on Query { connection { status } }", 2, 1),
    "inline-fragment": ('{ node(id: "x") { ... on Contact { name } } }', 2, 1),
    "introspection-costs-nothing": ("{ __schema { types { fields { name } } } }", 4, 0),
    "two-operations": (
        "query A { connection { status } } query B { contacts { totalCount } }",
        2,
        20,
    ),
}


@pytest.mark.parametrize(("query", "depth", "cost"), MEASURES.values(), ids=MEASURES)
def test_depth_and_cost_estimates(query: str, depth: int, cost: int) -> None:
    found = measure(GRAPHQL_SCHEMA, parse(query), CostModel())
    assert (found.depth, found.cost) == (depth, cost)


@pytest.mark.parametrize(
    ("query", "aliases"),
    [
        ("{ a: __typename b: __typename c: connection { s: status } }", 4),
        ("{ ...F ...F } fragment F on Query { a: __typename }", 1),
        ("{ __typename }", 0),
    ],
)
def test_aliases_are_counted_as_written(query: str, aliases: int) -> None:
    assert count_aliases(parse(query)) == aliases


@pytest.mark.parametrize(
    ("query", "work"),
    [
        ("{ connection { status } }", 0),
        ("{ a: __typename a: __typename }", 1),
        ("{ connection { status } connection { status } connection { status } }", 3 * 2),
        ("{ ...F connection { status } } fragment F on Query { connection { status } }", 2),
    ],
)
def test_repeated_fields_are_weighed_like_graphql_core_compares_them(query: str, work: int) -> None:
    assert repeated_field_work(parse(query)) == work


def _diamond(levels: int) -> str:
    fragments = " ".join(
        f"fragment F{i} on Query {{ a{i}: connection {{ status }} ...F{i + 1} ...F{i + 1} }}"
        for i in range(levels)
    )
    return f"{{ ...F0 }} {fragments} fragment F{levels} on Query {{ __typename }}"


def test_spreading_fragments_exponentially_often_is_measured_in_linear_time() -> None:
    document = parse(_diamond(60))
    started = time.perf_counter()
    found = measure(GRAPHQL_SCHEMA, document, CostModel())
    work = repeated_field_work(document)
    assert time.perf_counter() - started < 0.5
    assert found.cost > 10**12
    assert work >= 0


def test_fragment_cycles_end_the_walk() -> None:
    document = parse(
        "{ ...A } fragment A on Query { connection { status } ...B } fragment B on Query { ...A }"
    )
    assert measure(GRAPHQL_SCHEMA, document, CostModel()).depth == 2


def test_the_limit_rules_are_built_once_per_configuration() -> None:
    limits = QueryLimits(max_depth=7)
    first = validation_rules(limits, introspection=False)
    assert validation_rules(QueryLimits(max_depth=7), introspection=False) is first
    assert validation_rules(limits, introspection=True) != first
    assert build_schema(SchemaSecurity(limits=limits)) is build_schema(
        SchemaSecurity(limits=limits)
    )


async def test_a_repeated_query_is_validated_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []
    validate = strawberry_schema.validate  # type: ignore[attr-defined]

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return validate(*args, **kwargs)

    monkeypatch.setattr(strawberry_schema, "validate", counting)
    secured = build_schema(SchemaSecurity())
    query = f"query Q{uuid.uuid4().hex} {{ __typename }}"

    results = [await secured.execute(query) for _ in range(3)]

    assert all(r.errors is None for r in results)
    assert len(calls) == 1
