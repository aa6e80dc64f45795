"""Query limits and the caches that keep checking them cheap.

``query_limit_extensions`` returns, as factories (a fresh instance per request):

* ``ParseLimits`` — the parser's size limits (tokens, comments, source length);
* ``ParserCache`` and ``ValidationCache`` with explicit sizes: a repeated query is parsed and
  validated once;
* ``AddValidationRules`` with the limit rules (built once per configuration, so the validation
  cache, keyed by the rule classes, keeps hitting; Strawberry's ``QueryDepthLimiter`` and
  ``MaxAliasesLimiter`` build new rule classes per instance and defeat it);
* ``VariableCost`` — the cost limit once the request's variables are known (validation, cached
  per document, cannot see them), before any resolver runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import cast

from strawberry.extensions import (
    AddValidationRules,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)

from ledgergraph.security.limits import QueryLimits, check_variables, validation_rules

__all__ = ["ParseLimits", "VariableCost", "query_limit_extensions"]


class ParseLimits(SchemaExtension):
    """Hands the size limits to graphql-core's parser, which stops reading past them."""

    def __init__(self, options: Mapping[str, int]) -> None:
        self._options = options

    def on_operation(self) -> Iterator[None]:
        # Strawberry declares ParseOptions with max_tokens only; graphql-core's parser takes
        # all three limits, and Strawberry passes the dict on as it is.
        options = cast(dict[str, int], self.execution_context.parse_options)
        options.update(self._options)
        yield


class VariableCost(SchemaExtension):
    """Refuses, before it runs, an operation whose variables make it cost more than allowed."""

    def __init__(self, limits: QueryLimits) -> None:
        self._limits = limits

    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        document = execution.graphql_document
        if document is not None:
            schema = execution.schema._schema
            error = check_variables(schema, document, execution.variables, self._limits)
            if error is not None:
                raise error
        yield


def query_limit_extensions(
    limits: QueryLimits,
    *,
    introspection: bool,
    parser_cache_size: int,
    validation_cache_size: int,
) -> list[Callable[[], SchemaExtension]]:
    rules = list(validation_rules(limits, introspection=introspection))
    parse_options = limits.parse_options()
    return [
        lambda: ParseLimits(parse_options),
        lambda: ParserCache(maxsize=parser_cache_size),
        lambda: AddValidationRules(rules),
        lambda: ValidationCache(maxsize=validation_cache_size),
        lambda: VariableCost(limits),
    ]
