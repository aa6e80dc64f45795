"""Query bombs are refused before they run: in well under 50 ms each, without one Sage call,
with an error that names the limit. Ordinary queries, however deep they legitimately go, pass.
"""

from __future__ import annotations

import itertools
from typing import Any

import httpx
import pytest

from ledgergraph import ids
from ledgergraph.sandbox import RunningSandbox
from tests.security.helpers import Answer, Tenant, post, sage_api_calls
from tests.support.server import LiveServer

pytestmark = pytest.mark.redis

# The requirement (issue 7): each bomb is refused in under 50 ms. The best of a few tries
# (each one a new document, so no cache helps) keeps a busy machine from failing it.
REFUSAL_BUDGET = 0.050
TRIES = 5
_unique = itertools.count()


def _unknown_id(i: int) -> str:
    """A well-formed global ID of a contact in a business nobody has: null, no Sage call."""
    return ids.encode("Contact", "0" * 32, f"{i:032x}")


def _nested(levels: int) -> str:
    return "{" + "a { " * levels + "b" + " }" * levels + "}"


BOMBS: dict[str, tuple[str, dict[str, Any], str, str | None]] = {
    # name: (query, variables, code, limit named in extensions)
    "deep-nesting": (_nested(100), {}, "QUERY_TOO_DEEP", "maxDepth"),
    "nesting-past-the-parser": (_nested(400), {}, "QUERY_TOO_DEEP", "maxDepth"),
    "deep-introspection": (
        "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }",
        {},
        "GRAPHQL_VALIDATION_FAILED",
        None,
    ),
    "1000-aliases": (
        "{" + " ".join(f"a{i}: __typename" for i in range(1000)) + "}",
        {},
        "QUERY_TOO_LARGE",
        "maxTokens",
    ),
    "100-aliases": (
        "{" + " ".join(f"a{i}: __typename" for i in range(100)) + "}",
        {},
        "TOO_MANY_ALIASES",
        "maxAliases",
    ),
    "one-field-300-times": (
        "{" + " connection { status }" * 300 + " }",
        {},
        "QUERY_TOO_COMPLEX",
        "maxFieldRepeats",
    ),
    "huge-page": ("{ contacts(first: 10000) { nodes { name } } }", {}, "BAD_USER_INPUT", None),
    "huge-page-in-a-variable": (
        "query($n: Int) { contacts(first: $n) { nodes { name } } }",
        {"n": 10000},
        "BAD_USER_INPUT",
        None,
    ),
    "nested-lists": (
        "{ payments(first: 200) { nodes { allocations { document { lines "
        "{ taxRate { name } item { name } } } } } } }",
        {},
        "QUERY_TOO_COMPLEX",
        "maxCost",
    ),
    "aliased-pages": (
        "{"
        + " ".join(
            f"p{i}: invoices(first: 200) {{ nodes {{ lines {{ taxRate {{ name }} }} }} }}"
            for i in range(25)
        )
        + "}",
        {},
        "QUERY_TOO_COMPLEX",
        "maxCost",
    ),
    "fragment-cycle": (
        "{ ...A } fragment A on Query { connection { status } ...B } fragment B on Query { ...A }",
        {},
        "GRAPHQL_VALIDATION_FAILED",
        None,
    ),
    "fragment-diamond": (
        "{ ...F0 } "
        + " ".join(
            f"fragment F{i} on Query {{ connection {{ status }} ...F{i + 1} }}" for i in range(60)
        )
        + " fragment F60 on Query { connection { status } }",
        {},
        "QUERY_TOO_COMPLEX",
        "maxFieldRepeats",
    ),
    "aliased-nodes-with-heavy-lists": (
        "{"
        + " ".join(
            f'n{i}: node(id: "{_unknown_id(i)}") {{ ... on Contact {{ invoices(first: 200) '
            "{ nodes { lines { taxRate { name } } } } } }"
            for i in range(40)
        )
        + "}",
        {},
        "QUERY_TOO_COMPLEX",
        "maxCost",
    ),
    "nested-lists-sized-by-variables": (
        "query($n: Int) { payments(first: $n) { nodes { allocations { document { lines "
        "{ taxRate { name } item { name } } } } } } }",
        {"n": 200},
        "QUERY_TOO_COMPLEX",
        "maxCost",
    ),
    "comment-flood": ("#\n" * 1000 + "{ __typename }", {}, "QUERY_TOO_LARGE", "maxComments"),
    "huge-source": (
        "{ __typename }" + " " * 200_000,
        {},
        "QUERY_TOO_LARGE",
        "maxSourceLength",
    ),
}


async def _refusal(
    http: httpx.AsyncClient, server: LiveServer, token: str, query: str, variables: dict[str, Any]
) -> Answer:
    fastest: Answer | None = None
    for _ in range(TRIES):
        # A new document each time (a comment differs): no parser or validation cache helps.
        answer = await post(http, server, f"#{next(_unique)}\n{query}", variables, token=token)
        if fastest is None or answer.elapsed < fastest.elapsed:
            fastest = answer
    assert fastest is not None
    return fastest


@pytest.mark.parametrize(("query", "variables", "code", "limit"), BOMBS.values(), ids=BOMBS)
async def test_a_query_bomb_is_refused_fast_without_calling_sage(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    acme: Tenant,
    query: str,
    variables: dict[str, Any],
    code: str,
    limit: str | None,
) -> None:
    before = await sage_api_calls(http, sandbox)

    answer = await _refusal(http, server, acme.token, query, variables)

    assert answer.codes[:1] == [code], answer.body
    # Nothing answered: no data, or (root lists being nullable) a null field.
    data = answer.body.get("data")
    assert data is None or all(value is None for value in data.values()), answer.body
    if limit is not None:
        assert answer.error["extensions"]["limit"] == limit
        assert limit in answer.error["message"]
    assert answer.elapsed < REFUSAL_BUDGET, f"{answer.elapsed * 1000:.1f} ms"
    assert await sage_api_calls(http, sandbox) == before


async def test_a_batch_of_operations_is_refused_fast_without_calling_sage(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, acme: Tenant
) -> None:
    before = await sage_api_calls(http, sandbox)
    batch = [{"query": "{ contacts { nodes { name } } }"}] * 100

    answers = [await post(http, server, json=batch, token=acme.token) for _ in range(TRIES)]

    assert {a.status for a in answers} == {400}
    assert answers[0].codes == ["BATCHING_NOT_SUPPORTED"]
    assert min(a.elapsed for a in answers) < REFUSAL_BUDGET
    assert await sage_api_calls(http, sandbox) == before


DEEP = """query($first: Int!) { invoices(first: $first) { edges { node {
  number contact { name email }
  lines { taxRate { name kind } ledgerAccount { code name } } } } } }"""
ORDINARY = {
    "largest-page-nested": (DEEP, {"first": 200}),
    "fragments": (
        "{ ...C connection { status ...S } } fragment C on Query { contacts(first: 5) "
        "{ nodes { ...N } } } fragment N on Contact { id name } "
        "fragment S on SageConnection { business { id } }",
        {},
    ),
    "some-aliases": (
        "{ customers: contacts(kind: CUSTOMER, first: 3) { totalCount } "
        "suppliers: contacts(kind: SUPPLIER, first: 3) { totalCount } }",
        {},
    ),
    # Relay refetches many objects by aliases of node: they do not count against maxAliases.
    "fifty-node-aliases": (
        "{" + " ".join(f'n{i}: node(id: "{_unknown_id(i)}") {{ id }}' for i in range(50)) + "}",
        {},
    ),
    # Variables that keep nested lists small fit, though their largest values would not.
    "nested-lists-sized-by-variables": (
        "query($contacts: Int, $last: Int) { contacts(first: $contacts) { nodes { name "
        "invoices(first: $last) { nodes { number lines { description } } } } } }",
        {"contacts": 50, "last": 5},
    ),
}


@pytest.mark.parametrize(("query", "variables"), ORDINARY.values(), ids=ORDINARY)
async def test_ordinary_queries_pass_the_limits(
    server: LiveServer,
    http: httpx.AsyncClient,
    acme: Tenant,
    query: str,
    variables: dict[str, Any],
) -> None:
    answer = await post(http, server, query, variables, token=acme.token)
    assert answer.status == 200
    assert "errors" not in answer.body, answer.body
