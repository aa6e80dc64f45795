"""Query limits: what a single GraphQL document may ask for before anything runs.

The parser enforces the size limits (tokens, comments, source length) while it reads, so an
oversized document costs at most that many tokens of work. Depth, aliases, page sizes and the
cost estimate are one graphql-core validation rule. When it finds a limit exceeded it aborts
the whole validation (graphql-core's ``ValidationAbortedError``) from ``enter_document``,
before any standard rule has visited a selection: some of those rules are quadratic in the
number of fields (``OverlappingFieldsCanBeMergedRule``), so a query bomb must never reach
them. The rule classes are built once per set of limits, so graphql-core's validation cache
(keyed by the rule classes) keeps working.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    ValidationRule,
)
from graphql.language.visitor import SKIP, VisitorAction
from graphql.validation import ASTValidationRule, MaxIntrospectionDepthRule
from graphql.validation.rules.custom.no_schema_introspection import (
    NoSchemaIntrospectionCustomRule,
)
from graphql.validation.validate import ValidationAbortedError

from ledgergraph.security.cost import (
    CostModel,
    TooDeep,
    count_aliases,
    measure,
    repeated_field_work,
    uses_variables,
)

__all__ = [
    "QUERY_TOO_COMPLEX",
    "QUERY_TOO_DEEP",
    "QUERY_TOO_LARGE",
    "TOO_MANY_ALIASES",
    "QueryLimitError",
    "QueryLimits",
    "SchemaSecurity",
    "check_document",
    "check_variables",
    "parse_limit_error",
    "validation_rules",
]

QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
QUERY_TOO_LARGE = "QUERY_TOO_LARGE"
TOO_MANY_ALIASES = "TOO_MANY_ALIASES"


@dataclass(frozen=True, slots=True)
class QueryLimits:
    max_depth: int = 15
    max_tokens: int = 1500
    max_comments: int = 200
    max_source_length: int = 100_000
    max_aliases: int = 30
    max_cost: int = 50_000
    # Comparisons of same-named fields graphql-core's validation would make (see
    # cost.repeated_field_work); a few hundred at most in real queries.
    max_field_repeats: int = 1000
    cost_model: CostModel = field(default_factory=CostModel)

    def parse_options(self) -> dict[str, int]:
        """graphql-core ``parse`` keyword arguments enforcing the size limits."""
        return {
            "max_lexical_tokens": self.max_tokens,
            "max_comments": self.max_comments,
            "max_source_length": self.max_source_length,
        }


class QueryLimitError(ValidationAbortedError):
    """A limit the document exceeds; ``extensions`` name it (``limit``, ``max``)."""

    def __init__(self, code: str, message: str, *, limit: str, maximum: int, actual: int) -> None:
        super().__init__(
            message, extensions={"code": code, "limit": limit, "max": maximum, "actual": actual}
        )


def check_document(
    schema: GraphQLSchema, document: DocumentNode, limits: QueryLimits
) -> list[QueryLimitError]:
    """Every limit ``document`` exceeds (empty when it fits)."""
    errors: list[QueryLimitError] = []
    aliases = count_aliases(document, schema)
    if aliases > limits.max_aliases:
        errors.append(
            QueryLimitError(
                TOO_MANY_ALIASES,
                f"The query uses {aliases} aliases; at most {limits.max_aliases} are allowed "
                "(limit maxAliases). To read many objects by ID, use nodes(ids:) or aliases "
                "of node(id:), which do not count.",
                limit="maxAliases",
                maximum=limits.max_aliases,
                actual=aliases,
            )
        )
    model = limits.cost_model
    try:
        found = measure(schema, document, model)
    except TooDeep:
        errors.append(_too_deep(limits.max_depth, model.max_nesting + 1))
        return errors
    if found.depth > limits.max_depth:
        errors.append(_too_deep(limits.max_depth, found.depth))
    repeats = repeated_field_work(document, max_nesting=model.max_nesting)
    if repeats > limits.max_field_repeats:
        errors.append(
            QueryLimitError(
                QUERY_TOO_COMPLEX,
                "The query repeats the same fields too often "
                f"({repeats} comparisons to merge them; at most {limits.max_field_repeats}, "
                "limit maxFieldRepeats). Select each field once.",
                limit="maxFieldRepeats",
                maximum=limits.max_field_repeats,
                actual=repeats,
            )
        )
    if found.cost > limits.max_cost:
        cost = found.cost
        if uses_variables(document):
            # Some values of the variables may fit: ``check_variables`` decides once they are
            # known. Refused here only when even the smallest cannot.
            cost = measure(schema, document, model, unknown="least").cost
        if cost > limits.max_cost:
            errors.append(_too_costly(cost, limits.max_cost))
    return errors


def check_variables(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Mapping[str, Any] | None,
    limits: QueryLimits,
) -> QueryLimitError | None:
    """The cost limit error of ``document`` run with ``variables`` (None when it fits).

    Validation is cached per document, so there a ``first`` given by a variable counts as the
    most it may be; a document that would only fit with small enough values is let through,
    and checked here, once per request, before anything runs."""
    if not uses_variables(document):
        return None
    try:
        found = measure(schema, document, limits.cost_model, variables=variables or {})
    except TooDeep:
        return _too_deep(limits.max_depth, limits.cost_model.max_nesting + 1)
    if found.cost > limits.max_cost:
        return _too_costly(found.cost, limits.max_cost)
    return None


def _too_costly(cost: int, maximum: int) -> QueryLimitError:
    return QueryLimitError(
        QUERY_TOO_COMPLEX,
        f"The query could return about {cost} objects; at most {maximum} are allowed "
        "(limit maxCost). Ask for smaller pages (first) or fewer nested lists.",
        limit="maxCost",
        maximum=maximum,
        actual=cost,
    )


def _too_deep(maximum: int, actual: int) -> QueryLimitError:
    return QueryLimitError(
        QUERY_TOO_DEEP,
        f"The query nests {actual} levels deep; at most {maximum} are allowed (limit maxDepth).",
        limit="maxDepth",
        maximum=maximum,
        actual=actual,
    )


class QueryLimitsRule(ValidationRule):
    """Refuses a document over its limits before the other rules look at it."""

    limits: ClassVar[QueryLimits] = QueryLimits()

    def enter_document(self, node: DocumentNode, *_args: Any) -> VisitorAction:
        errors = check_document(self.context.schema, node, self.limits)
        if errors:
            for error in errors[:-1]:
                self.report_error(error)
            # Aborts the whole validation: graphql-core returns the errors found so far plus
            # this one, and no other rule visits the document's selections.
            raise errors[-1]
        return SKIP


@functools.cache
def validation_rules(
    limits: QueryLimits, *, introspection: bool
) -> tuple[type[ASTValidationRule], ...]:
    """The rules to add to graphql-core's, built once per configuration (stable classes keep
    the validation cache effective)."""
    rule = type("QueryLimitsRule", (QueryLimitsRule,), {"limits": limits})
    rules: list[type[ASTValidationRule]] = [rule, MaxIntrospectionDepthRule]
    if not introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    return tuple(rules)


# graphql-core's own messages for its parser limits (anchored: nothing a client wrote can
# produce them).
_PARSE_LIMITS = (
    (
        re.compile(r"^Syntax Error: Document contains more than (\d+) tokens\."),
        "maxTokens",
        "tokens",
    ),
    (
        re.compile(r"^Syntax Error: Document contains more than (\d+) comments\."),
        "maxComments",
        "comments",
    ),
    (
        re.compile(r"^Syntax Error: Source contains more than (\d+) code points\."),
        "maxSourceLength",
        "characters",
    ),
)
_NESTED_TOO_DEEPLY = "Syntax Error: Document is nested too deeply."


def parse_limit_error(error: GraphQLError) -> tuple[str, dict[str, Any]] | None:
    """The message and extensions for a parser error caused by one of the limits, if it was."""
    message = error.message
    if message.startswith(_NESTED_TOO_DEEPLY):
        return (
            "The query nests too deeply to be parsed (limit maxDepth).",
            {"code": QUERY_TOO_DEEP, "limit": "maxDepth"},
        )
    for pattern, limit, unit in _PARSE_LIMITS:
        match = pattern.match(message)
        if match is not None:
            maximum = int(match.group(1))
            return (
                f"The query has more than {maximum} {unit}; at most {maximum} are allowed "
                f"(limit {limit}).",
                {"code": QUERY_TOO_LARGE, "limit": limit, "max": maximum},
            )
    return None


@dataclass(frozen=True, slots=True)
class SchemaSecurity:
    """Everything about the schema that configuration decides: limits and introspection."""

    limits: QueryLimits = field(default_factory=QueryLimits)
    introspection: bool = True
    parser_cache_size: int = 256
    validation_cache_size: int = 256
