"""Measuring a GraphQL document before it runs: nesting depth, aliases and an estimated cost.

The cost estimates how many objects a query can produce: every field with a selection set
counts once per object its parent can produce, times its own list size — a connection's
``first`` (20 when absent; at most the page-size maximum — a larger ``first`` is the
resolver's to refuse, as bad input), or a default size for plain lists.

A ``first`` (or ``ids``) given by a variable counts as the variable's value when the
variables are known (``variables=``). Validation, cached per document, does not know them:
there a variable counts as the most it may be (``unknown="most"``) or, to tell whether some
values could fit, the least (``unknown="least"``); see ``ledgergraph.security.limits``.
Lists inside a connection (``edges``, ``nodes``) are the page itself and do not multiply
again. Introspection (``__schema``, ``__type``) costs nothing here: it reads the in-memory
schema, and graphql-core's ``MaxIntrospectionDepthRule`` bounds it.

Fragments are measured once each (so spreading one fragment many times costs linear work,
not exponential) and a fragment cycle adds nothing (``NoFragmentCyclesRule`` reports it).

``nodes(ids:)`` counts once per ID written (``MAX_NODE_IDS`` for a variable). Aliases of the
root by-ID lookups (``node``, ``nodes``, ``invoice(id:)``...) are not aliases that count
against ``maxAliases``: fetching many objects by ID is what Relay clients do, and the request's
loaders read them in one batch. What bounds them is what bounds every field: each alias adds
its cost, and the document its tokens.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
    value_from_ast_untyped,
)

from ledgergraph.ids import MAX_NODE_IDS

__all__ = [
    "CostModel",
    "Measure",
    "TooDeep",
    "count_aliases",
    "list_size",
    "lookups",
    "measure",
    "repeated_field_work",
    "uses_variables",
]

# No estimate grows past this: the numbers stay small and "over the limit" stays true.
COST_CEILING = 10**15
INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})


@dataclass(frozen=True, slots=True)
class CostModel:
    default_page_size: int = 20
    max_page_size: int = 200
    default_list_size: int = 20
    max_ids: int = MAX_NODE_IDS
    # Give up measuring past this nesting (fields and fragments alike): the query is refused
    # as too deep anyway, and the walk never nears the interpreter's recursion limit.
    max_nesting: int = 64


@dataclass(frozen=True, slots=True)
class Measure:
    depth: int = 0
    cost: int = 0


class TooDeep(Exception):
    """The document nests deeper than ``CostModel.max_nesting``."""


Unknown = Literal["most", "least"]


def measure(
    schema: GraphQLSchema,
    document: DocumentNode,
    model: CostModel,
    *,
    variables: Mapping[str, Any] | None = None,
    unknown: Unknown = "most",
) -> Measure:
    """The deepest and the costliest of the document's operations (validation runs before an
    operation is chosen, so every operation must fit). Without ``variables``, a variable
    counts as the most or the least it may be (``unknown``)."""
    walker = _Walker(schema, document, model, variables, unknown)
    depth = cost = 0
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            found = walker.operation(definition)
            depth, cost = max(depth, found.depth), max(cost, found.cost)
    return Measure(depth, cost)


def count_aliases(document: DocumentNode, schema: GraphQLSchema | None = None) -> int:
    """Aliased fields written in the document (each fragment counted once). Given the schema,
    aliases of the query type's by-ID lookups (``lookups``) written directly in a query or a
    fragment on the query type do not count."""
    free = lookups(schema) if schema is not None else frozenset()
    root = schema.query_type.name if schema is not None and schema.query_type else None
    count = 0
    stack: list[tuple[SelectionSetNode, bool]] = []
    for d in document.definitions:
        if isinstance(d, OperationDefinitionNode):
            stack.append((d.selection_set, d.operation.value == "query"))
        elif isinstance(d, FragmentDefinitionNode):
            stack.append((d.selection_set, d.type_condition.name.value == root))
    while stack:
        selection_set, at_root = stack.pop()
        for selection in selection_set.selections:
            if (
                isinstance(selection, FieldNode)
                and selection.alias is not None
                and not (at_root and selection.name.value in free)
            ):
                count += 1
            nested = getattr(selection, "selection_set", None)
            if nested is not None:
                stack.append((nested, False))
    return count


def lookups(schema: GraphQLSchema) -> frozenset[str]:
    """The query type's fields that read objects by global ID and nothing else (``node``,
    ``nodes``, ``invoice(id:)``...): every argument they take is ``id`` or ``ids``."""
    query = schema.query_type
    return frozenset(
        name
        for name, definition in (query.fields.items() if query is not None else ())
        if definition.args and set(definition.args) <= {"id", "ids"}
    )


def repeated_field_work(document: DocumentNode, *, max_nesting: int = 64) -> int:
    """An estimate of the work graphql-core's ``OverlappingFieldsCanBeMergedRule`` does: in
    every selection set (fragments' fields merged in), each pair of fields sharing a response
    name is compared, sub-selections included. That rule is quadratic in such repeats, so a
    document that repeats one field a thousand times must be refused before it runs."""
    return _Repeats(document, max_nesting).total()


@dataclass(slots=True)
class _Sum:
    depth: int = 0
    cost: int = 0

    def add(self, found: Measure) -> None:
        self.depth = max(self.depth, found.depth)
        self.cost = min(self.cost + found.cost, COST_CEILING)

    def done(self) -> Measure:
        return Measure(self.depth, self.cost)


def uses_variables(document: DocumentNode) -> bool:
    """Whether an operation of the document declares variables (its cost may depend on them)."""
    return any(
        isinstance(d, OperationDefinitionNode) and d.variable_definitions
        for d in document.definitions
    )


class _Walker:
    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        model: CostModel,
        variables: Mapping[str, Any] | None,
        unknown: Unknown,
    ) -> None:
        self._schema = schema
        self._model = model
        self._variables = variables
        self._unknown = unknown
        self._fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self._memo: dict[str, Measure] = {}
        self._open: set[str] = set()

    def operation(self, node: OperationDefinitionNode) -> Measure:
        root = self._schema.get_root_type(node.operation)
        given = self._variables
        if given is not None:
            # What the client left out takes the operation's default, as graphql-core does.
            defaults = {
                d.variable.name.value: value_from_ast_untyped(d.default_value)
                for d in node.variable_definitions or ()
                if d.default_value is not None and d.variable.name.value not in given
            }
            self._variables = {**given, **defaults} if defaults else given
        try:
            return self._selections(node.selection_set, root, 0)
        finally:
            self._variables = given

    def _selections(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType | None, nesting: int
    ) -> Measure:
        if nesting > self._model.max_nesting:
            raise TooDeep
        total = _Sum()
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total.add(self._field(selection, parent, nesting))
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                on = self._schema.get_type(condition.name.value) if condition else parent
                total.add(self._selections(selection.selection_set, on, nesting + 1))
            elif isinstance(selection, FragmentSpreadNode):
                total.add(self._fragment(selection.name.value, nesting + 1))
        return total.done()

    def _fragment(self, name: str, nesting: int) -> Measure:
        known = self._memo.get(name)
        if known is not None:
            return known
        fragment = self._fragments.get(name)
        if fragment is None or name in self._open:
            return Measure()  # unknown fragments and cycles are reported by graphql-core
        self._open.add(name)
        try:
            on = self._schema.get_type(fragment.type_condition.name.value)
            found = self._selections(fragment.selection_set, on, nesting)
        finally:
            self._open.discard(name)
        self._memo[name] = found
        return found

    def _field(self, node: FieldNode, parent: GraphQLNamedType | None, nesting: int) -> Measure:
        definition = _field_definition(parent, node.name.value)
        if node.selection_set is None:
            return Measure(1, 0)
        child_type = get_named_type(definition.type) if definition is not None else None
        child = self._selections(node.selection_set, child_type, nesting + 1)
        if node.name.value in INTROSPECTION_ROOTS:
            return Measure(child.depth + 1, 0)
        factor = self._factor(node, definition, parent)
        return Measure(child.depth + 1, min(factor * (1 + child.cost), COST_CEILING))

    def _factor(
        self, node: FieldNode, definition: GraphQLField | None, parent: GraphQLNamedType | None
    ) -> int:
        if definition is None:
            return 1
        model = self._model
        if "ids" in definition.args:
            ids = _argument(node, "ids")
            if isinstance(ids, ListValueNode):
                return min(max(1, len(ids.values)), model.max_ids)
            if isinstance(ids, VariableNode):
                value = self._variable(ids)
                if isinstance(value, list):
                    return min(max(1, len(value)), model.max_ids)
                return 1 if value is _LEAST else model.max_ids
            return model.max_ids
        if "first" in definition.args:
            first = _argument(node, "first")
            if isinstance(first, IntValueNode):
                return min(max(1, int(first.value)), model.max_page_size)
            if isinstance(first, VariableNode):
                value = self._variable(first)
                if value is None:
                    return model.default_page_size
                if isinstance(value, int) and not isinstance(value, bool):
                    return min(max(1, value), model.max_page_size)
                return 1 if value is _LEAST else model.max_page_size
            return model.default_page_size
        if _is_connection(parent):
            return 1  # edges/nodes: the page the connection's ``first`` already counted
        if is_list_type(get_nullable_type(definition.type)):
            return _declared_size(definition) or model.default_list_size
        return 1

    def _variable(self, node: VariableNode) -> object:
        """The variable's value; ``_LEAST`` or ``_MOST`` when the variables are not known."""
        if self._variables is None:
            return _LEAST if self._unknown == "least" else _MOST
        return self._variables.get(node.name.value)


_LEAST, _MOST = object(), object()


def list_size(size: int) -> dict[str, int]:
    """A plain list field's metadata (``strawberry.field(metadata=list_size(5))``): how many
    items it holds at most in real books, when that is far fewer than ``default_list_size``
    and no client argument decides it (the payments of one invoice)."""
    return {LIST_SIZE: size}


LIST_SIZE = "ledgergraph.cost.list_size"
# Where Strawberry keeps a GraphQL field's own definition (and so its metadata).
_STRAWBERRY_FIELD = "strawberry-definition"


def _declared_size(definition: GraphQLField) -> int | None:
    field = (definition.extensions or {}).get(_STRAWBERRY_FIELD)
    size = getattr(field, "metadata", {}).get(LIST_SIZE)
    return size if isinstance(size, int) and size > 0 else None


def _field_definition(parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        found: GraphQLField | None = parent.fields.get(name)
        return found
    return None


def _is_connection(parent: GraphQLNamedType | None) -> bool:
    return (
        isinstance(parent, GraphQLObjectType)
        and "pageInfo" in parent.fields
        and "edges" in parent.fields
    )


def _argument(node: FieldNode, name: str) -> object:
    for argument in node.arguments or ():
        if argument.name.value == name:
            return argument.value
    return None


class _Repeats:
    def __init__(self, document: DocumentNode, max_nesting: int) -> None:
        self._document = document
        self._max_nesting = max_nesting
        self._fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self._sizes: dict[str, int] = {}
        self._fields: dict[str, dict[str, tuple[int, int]]] = {}
        self._open: set[str] = set()

    def total(self) -> int:
        work = 0
        stack = [
            d.selection_set
            for d in self._document.definitions
            if isinstance(d, OperationDefinitionNode | FragmentDefinitionNode)
        ]
        while stack:
            selection_set = stack.pop()
            for count, size in self._merged(selection_set, 0).values():
                work = min(work + count * (count - 1) // 2 * (1 + size), COST_CEILING)
            stack.extend(
                s.selection_set
                for s in selection_set.selections
                if isinstance(s, FieldNode | InlineFragmentNode) and s.selection_set is not None
            )
        return work

    def _merged(self, selection_set: SelectionSetNode, nesting: int) -> dict[str, tuple[int, int]]:
        """Response name → (fields with that name, largest sub-selection among them), with
        inline fragments and (each once) spread fragments merged in."""
        if nesting > self._max_nesting:
            raise TooDeep
        merged: dict[str, tuple[int, int]] = {}
        spreads: set[str] = set()
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                name = (selection.alias or selection.name).value
                size = self._size(selection.selection_set, nesting + 1)
                _merge(merged, name, 1, size)
            elif isinstance(selection, InlineFragmentNode):
                for name, (count, size) in self._merged(
                    selection.selection_set, nesting + 1
                ).items():
                    _merge(merged, name, count, size)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in spreads:
                spreads.add(selection.name.value)
                for name, (count, size) in self._fragment_fields(
                    selection.name.value, nesting + 1
                ).items():
                    _merge(merged, name, count, size)
        return merged

    def _fragment_fields(self, name: str, nesting: int) -> dict[str, tuple[int, int]]:
        known = self._fields.get(name)
        if known is not None:
            return known
        fragment = self._fragments.get(name)
        if fragment is None or name in self._open:
            return {}
        self._open.add(name)
        try:
            found = self._merged(fragment.selection_set, nesting)
        finally:
            self._open.discard(name)
        self._fields[name] = found
        return found

    def _size(self, selection_set: SelectionSetNode | None, nesting: int) -> int:
        """Fields in a sub-selection, fragments included."""
        if selection_set is None:
            return 0
        merged = self._merged(selection_set, nesting).values()
        return min(sum(count * (1 + size) for count, size in merged), COST_CEILING)


def _merge(merged: dict[str, tuple[int, int]], name: str, count: int, size: int) -> None:
    before_count, before_size = merged.get(name, (0, 0))
    merged[name] = (
        min(before_count + count, COST_CEILING),
        min(max(before_size, size), COST_CEILING),
    )
