"""What an operation cost and how fresh its data is: ``extensions.cost`` on every response,
and the client's freshness bound, ``@maxAge(seconds:)`` on the operation.

``extensions.cost`` is ``{sageCalls, cacheHits, rounds, oldestDataAgeSeconds}``:

* ``sageCalls``: HTTP requests this operation sent to Sage (retries and token refreshes
  included; a GET it shared with another request's identical GET already in flight is that
  request's call);
* ``cacheHits``: Sage reads answered from LedgerGraph's cache instead;
* ``rounds``: dependent rounds of Sage calls, the latency floor of a cold query: a call's
  round is one more than the highest round of the operation's calls that had finished when it
  started, so calls sent together (a batch, pages fetched at once) share a round, and a call
  that waited for another's answer is a round later (the bench counts rounds the same way);
* ``oldestDataAgeSeconds``: how old the oldest cached data the answer was built from is,
  ``null`` when nothing came from the cache.

``extensions.stale: true`` (absent otherwise) when some of the answer is cached data past its
lifetime, served because the Sage budget refused a fresh read (``SAGE_QUOTA_EXHAUSTED`` or no
slot in time): the data is as old as ``oldestDataAgeSeconds`` says, never older than the
operation's ``@maxAge``.

A subscription reports with each event what was spent since the previous one.

Why a directive for the freshness bound rather than a key in the request's ``extensions``: it
is part of the document, so the SDL declares it (GraphiQL completes and checks it, ``Int!``);
it reaches the server the same way over every transport (GET query strings, multipart, both
WebSocket protocols) and from every client library, where most offer no way to set request
extensions per query; and it travels with the query it bounds, persisted documents included.
Its argument may be a variable.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

import strawberry
from graphql import (
    DirectiveLocation,
    GraphQLInt,
    GraphQLNonNull,
    Undefined,
    VariableNode,
    get_operation_ast,
    value_from_ast,
)
from strawberry.extensions import SchemaExtension

from ledgergraph.errors import BadUserInput
from ledgergraph.observability import request_context
from ledgergraph.observability.request_context import RequestInfo

__all__ = ["MAX_AGE", "CostReport", "max_age"]

MAX_AGE = "maxAge"
_SECONDS = GraphQLNonNull(GraphQLInt)


@strawberry.directive(
    locations=[
        DirectiveLocation.QUERY,
        DirectiveLocation.MUTATION,
        DirectiveLocation.SUBSCRIPTION,
    ],
    name=MAX_AGE,
    description=(
        "Serve this operation no cached Sage data older than `seconds` (0: none at all, every "
        "read goes to Sage). Without it the cache's own lifetimes decide. The answer's "
        "`extensions.cost.oldestDataAgeSeconds` tells how old its oldest cached data is."
    ),
)
def max_age(seconds: int) -> None:
    """Declared for the SDL and validation; ``CostReport`` reads it off the operation."""


class CostReport(SchemaExtension):
    def __init__(self) -> None:
        self._info: RequestInfo | None = None

    def on_operation(self) -> Iterator[None]:
        parent = request_context.current()
        if parent is None:  # run outside a server (a test's schema.execute): nothing to tell
            yield
            return
        self._info = parent.for_operation()
        token = request_context.begin(self._info)
        try:
            yield
        finally:
            # A stream closed from another task: its context ends with it.
            with contextlib.suppress(ValueError):
                request_context.end(token)

    def on_execute(self) -> Iterator[None]:
        if self._info is not None:
            self._info.operation = self.execution_context.operation_name
            self._info.max_age = self._max_age()
        yield

    def _max_age(self) -> float | None:
        context = self.execution_context
        document = context.graphql_document
        operation = get_operation_ast(document, context.operation_name) if document else None
        if operation is None:
            return None
        node = next((d for d in operation.directives or () if d.name.value == MAX_AGE), None)
        if node is None:
            return None
        argument = next((a.value for a in node.arguments or () if a.name.value == "seconds"), None)
        variables = dict(context.variables or {})
        if isinstance(argument, VariableNode) and argument.name.value not in variables:
            # Not sent: the variable's default, if it has one.
            argument = next(
                (
                    d.default_value
                    for d in operation.variable_definitions or ()
                    if d.variable.name.value == argument.name.value
                ),
                None,
            )
        # Validation saw to it that the argument is an Int or a variable; a variable still
        # needs a value that is one.
        seconds = (
            value_from_ast(argument, _SECONDS, variables) if argument is not None else Undefined
        )
        if not isinstance(seconds, int):
            raise BadUserInput(
                "@maxAge(seconds:) needs a whole number of seconds.",
                field="seconds",
                directive=MAX_AGE,
            )
        if seconds < 0:
            raise BadUserInput(
                f"@maxAge(seconds: {seconds}): seconds must be 0 or more.",
                field="seconds",
                directive=MAX_AGE,
            )
        return float(seconds)

    def get_results(self) -> dict[str, Any]:
        info = self._info
        if info is None:
            return {}
        oldest = info.oldest_cached_at
        cost = {
            "sageCalls": info.sage_calls,
            "cacheHits": info.cache_hits,
            "rounds": info.rounds,
            "oldestDataAgeSeconds": (
                None if oldest is None else round(max(0.0, time.time() - oldest), 3)
            ),
        }
        stale = info.stale_hits > 0
        info.reset_tally()  # a subscription's next event reports its own
        return {"cost": cost, "stale": True} if stale else {"cost": cost}
