"""The measures behind the query limits, and the caches that keep checking them cheap."""

from __future__ import annotations

import time
import uuid
from typing import Any, Literal

import pytest
import strawberry.schema.schema as strawberry_schema
from graphql import parse

from ledgergraph.api import build_schema, schema
from ledgergraph.security.cost import (
    CostModel,
    count_aliases,
    lookups,
    measure,
    repeated_field_work,
)
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
    "nodes-by-ids-written": ('{ nodes(ids: ["a", "b", "c"]) { id } }', 2, 3),
    "nodes-by-ids-in-a-variable": ("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", 2, 100),
    "reverse-relation-per-parent": (
        "{ contacts(first: 50) { nodes { invoices(first: 5) { nodes { number } } } } }",
        5,
        50 * (1 + 1 * (1 + 5 * (1 + 1))),
    ),
    "declared-list-sizes": (
        "{ invoices(first: 10) { nodes { payments { allocations { amount { amount } } } } } }",
        6,
        10 * (1 + 1 * (1 + 5 * (1 + 5 * (1 + 1)))),
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
    assert count_aliases(parse(query), GRAPHQL_SCHEMA) == aliases


VARIABLES = """query($n: Int, $m: Int = 5) {
  contacts(first: $n) { nodes { invoices(first: $m) { totalCount } } } }"""


@pytest.mark.parametrize(
    ("variables", "unknown", "cost"),
    [
        ({"n": 7, "m": 2}, "most", 7 * (1 + 1 * (1 + 2))),
        ({"n": 7}, "most", 7 * (1 + 1 * (1 + 5))),  # $m takes its default
        ({}, "most", 20 * (1 + 1 * (1 + 5))),  # first: null is the default page
        (None, "most", 200 * (1 + 1 * (1 + 200))),
        (None, "least", 1 * (1 + 1 * (1 + 1))),
    ],
)
def test_a_variables_value_is_what_its_first_costs(
    variables: dict[str, int] | None, unknown: Literal["most", "least"], cost: int
) -> None:
    found = measure(
        GRAPHQL_SCHEMA, parse(VARIABLES), CostModel(), variables=variables, unknown=unknown
    )
    assert found.cost == cost


@pytest.mark.parametrize(
    ("query", "aliases"),
    [
        ('{ a: node(id: "x") { id } b: nodes(ids: ["y"]) { id } c: contacts { totalCount } }', 1),
        ('{ a: node(id: "x") { i: id } b: invoice(id: "y") { n: number } }', 2),
        ('{ ...F } fragment F on Query { a: node(id: "x") { id } b: contact(id: "y") { id } }', 0),
        ("{ connection { business { a: id } } }", 1),
    ],
)
def test_aliases_of_root_lookups_by_id_do_not_count(query: str, aliases: int) -> None:
    assert count_aliases(parse(query), GRAPHQL_SCHEMA) == aliases


def test_the_root_lookups_by_id_are_the_fields_that_take_only_ids() -> None:
    found = lookups(GRAPHQL_SCHEMA)
    assert {"node", "nodes", "contact", "invoice", "bill", "payment", "journal"} <= found
    assert not {"contacts", "invoices", "connection", "businesses"} & found


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
