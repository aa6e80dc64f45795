"""Measuring a GraphQL document before it runs: nesting depth, aliases and an estimated cost.

The cost estimates how many objects a query can produce: every field with a selection set
counts once per object its parent can produce, times its own list size — a connection's
``first`` (20 when absent; at most the page-size maximum, which is also what a variable
counts as, since validation results are cached per document, not per variables — a larger
``first`` is the resolver's to refuse, as bad input), or a default size for plain lists.
Lists inside a connection (``edges``, ``nodes``) are the page itself and do not multiply
again. Introspection (``__schema``, ``__type``) costs nothing here: it reads the in-memory
schema, and graphql-core's ``MaxIntrospectionDepthRule`` bounds it.

Fragments are measured once each (so spreading one fragment many times costs linear work,
not exponential) and a fragment cycle adds nothing (``NoFragmentCyclesRule`` reports it).
"""

from __future__ import annotations

from dataclasses import dataclass

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
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
)

__all__ = ["CostModel", "Measure", "TooDeep", "count_aliases", "measure", "repeated_field_work"]

# No estimate grows past this: the numbers stay small and "over the limit" stays true.
COST_CEILING = 10**15
INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})


@dataclass(frozen=True, slots=True)
class CostModel:
    default_page_size: int = 20
    max_page_size: int = 200
    default_list_size: int = 20
    # Give up measuring past this nesting (fields and fragments alike): the query is refused
    # as too deep anyway, and the walk never nears the interpreter's recursion limit.
    max_nesting: int = 64


@dataclass(frozen=True, slots=True)
class Measure:
    depth: int = 0
    cost: int = 0


class TooDeep(Exception):
    """The document nests deeper than ``CostModel.max_nesting``."""


def measure(schema: GraphQLSchema, document: DocumentNode, model: CostModel) -> Measure:
    """The deepest and the costliest of the document's operations (validation runs before an
    operation is chosen, so every operation must fit)."""
    walker = _Walker(schema, document, model)
    depth = cost = 0
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            found = walker.operation(definition)
            depth, cost = max(depth, found.depth), max(cost, found.cost)
    return Measure(depth, cost)


def count_aliases(document: DocumentNode) -> int:
    """Aliased fields written in the document (each fragment counted once)."""
    count = 0
    stack: list[SelectionSetNode] = [
        d.selection_set
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode | FragmentDefinitionNode)
    ]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FieldNode) and selection.alias is not None:
                count += 1
            nested = getattr(selection, "selection_set", None)
            if nested is not None:
                stack.append(nested)
    return count


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


class _Walker:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode, model: CostModel) -> None:
        self._schema = schema
        self._model = model
        self._fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self._memo: dict[str, Measure] = {}
        self._open: set[str] = set()

    def operation(self, node: OperationDefinitionNode) -> Measure:
        root = self._schema.get_root_type(node.operation)
        return self._selections(node.selection_set, root, 0)

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
        if "first" in definition.args:
            value = _argument(node, "first")
            if isinstance(value, IntValueNode):
                return min(max(1, int(value.value)), self._model.max_page_size)
            if isinstance(value, VariableNode):
                return self._model.max_page_size
            return self._model.default_page_size
        if _is_connection(parent):
            return 1  # edges/nodes: the page the connection's ``first`` already counted
        if is_list_type(get_nullable_type(definition.type)):
            return self._model.default_list_size
        return 1


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
