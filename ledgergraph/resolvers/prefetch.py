"""A list's references, asked for as soon as its page arrives.

A page of 100 invoices names contacts, tax rates and ledger accounts, whose reads are the
query's next round. Left to the field resolvers, that round would start only once graphql-core
has completed every object of the page and its lines (tens of ms): only then do the fields'
``load`` calls reach the loaders. So a list resolver asks ``references(info)`` which
references the client's selection follows under the list's items (fragments, aliases and
``@skip``/``@include`` as graphql-core reads them), and ``start`` loads their keys into the
request's loaders the moment the page's objects are built, then lets the batches reach Sage
before the page goes back to graphql-core. The fields' own ``load`` calls later get the same
futures: the same loaders and keys that ``Context.referenced`` uses.

Which fields follow a reference is what the schema declares with ``follows`` (its metadata);
nothing here lists them per type.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLBoolean,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
    value_from_ast,
)
from graphql.execution.collect_fields import does_fragment_condition_match
from strawberry.dataloader import Batch
from strawberry.types.field import StrawberryField

from ledgergraph import kinds
from ledgergraph.connectors.sage.reads import SageReads
from ledgergraph.resolvers.context import Context, Info
from ledgergraph.resolvers.loaders import WholeListLoader
from ledgergraph.schema.node import FOLLOWS

# At most this many turns of the loop, and seconds, does a page wait for its references'
# calls to leave: what tells it (a transport's trace) may never come, e.g. for a call that
# another process fills through the shared cache. The time bounds it in practice: a call
# reaches the wire after a few Redis round trips (cache, budget), which on a busy machine
# outlast a thousand idle turns.
_TURNS = 20_000
_AT_MOST = 0.1
# Where Strawberry keeps a GraphQL field's own definition (and so its metadata).
_DEFINITION = "strawberry-definition"
_BOOLEAN = GraphQLNonNull(GraphQLBoolean)


@dataclass(frozen=True, slots=True)
class Plan:
    """What the selection follows from one object: references it names (attribute, kind),
    and objects it holds (attribute, their plan) — a document's lines, its shipping."""

    follows: tuple[tuple[str, kinds.ObjectKind], ...]
    within: tuple[tuple[str, Plan], ...]

    def followed_kinds(self) -> Iterator[kinds.ObjectKind]:
        """Every kind followed, here and in the objects held."""
        for _attribute, kind in self.follows:
            yield kind
        for _attribute, plan in self.within:
            yield from plan.followed_kinds()

    def collect(self, obj: Any, into: dict[kinds.ObjectKind, list[tuple[str, str]]]) -> None:
        for attribute, kind in self.follows:
            ref = getattr(obj, attribute, None)
            if ref is not None:
                into.setdefault(kind, []).append((obj.business_id, ref.id))
        for attribute, plan in self.within:
            held = getattr(obj, attribute, None)
            if isinstance(held, list | tuple):
                for each in held:
                    plan.collect(each, into)
            elif held is not None:
                plan.collect(held, into)


@dataclass(frozen=True, slots=True)
class Prefetch:
    """The references a list field's selection follows under its items."""

    plan: Plan

    def begin(self, context: Context, business_id: str, size: int) -> None:
        """Before a page of ``size`` items is read: start the whole lists its references are
        read from (tax rates, ledger accounts, bank accounts), which need no id from the
        page, so they are on their way in the page's round rather than the next; and the
        short lists its items name by id (a business's contacts, ``SageReads.list_ahead``).
        A page naming none of them (empty, say) costs their calls anyway: a page or two,
        cached."""
        loaders = context.loaders
        if not loaders.batching:
            return
        for kind in dict.fromkeys(self.plan.followed_kinds()):
            loader = loaders.of(kind.resource)
            if isinstance(loader, WholeListLoader):
                loader.begin(business_id)
        for _attribute, kind in self.plan.follows:
            if not isinstance(loaders.of(kind.resource), WholeListLoader):
                reads = loaders.reads
                reads.begin(reads.list_ahead(kind.resource, business_id, up_to=size))

    async def start(self, context: Context, items: Iterable[Any]) -> None:
        """Load what ``items`` name, and let the batches run until their calls have left."""
        loaders = context.loaders
        if not loaders.batching:
            return  # Without the loaders' caches the fields would read it all again.
        wanted: dict[kinds.ObjectKind, list[tuple[str, str]]] = {}
        for obj in items:
            self.plan.collect(obj, wanted)
        pending: list[asyncio.Future[Any]] = []
        batches: list[Batch[Any, Any]] = []
        for kind, keys in wanted.items():
            loader = loaders.of(kind.resource)
            for key in dict.fromkeys(keys):
                future = asyncio.ensure_future(loader.load(key))
                if not future.done():
                    # Awaited by the field later, or not at all (a null parent): never an
                    # "exception was never retrieved" of its own.
                    future.add_done_callback(_retrieved)
                    pending.append(future)
            if loader.batch is not None:
                batches.append(loader.batch)
        if pending:
            await _until_on_their_way(loaders.reads, pending, batches)


async def _until_on_their_way(
    reads: SageReads, pending: list[asyncio.Future[Any]], batches: list[Batch[Any, Any]]
) -> None:
    """Yield the loop until the batches have dispatched and every read of the request has
    its calls on the wire (``SageReads.before_sage``), or all is answered (warm)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + _AT_MOST

    def on_their_way() -> bool:
        if all(future.done() for future in pending):
            return True
        # On the wire and nothing left before Sage; a warm read (no call leaves) is awaited
        # to the end, so the fields find their objects loaded.
        quiet = reads.before_sage <= 0 and reads.in_flight > 0
        return quiet and all(batch.dispatched for batch in batches)

    for _ in range(_TURNS):
        await asyncio.sleep(0)
        if on_their_way() or loop.time() > deadline:
            return


def _retrieved(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


def references(info: Info) -> Prefetch | None:
    """What a root list field's selection follows under its items (``edges.node`` and
    ``nodes``); None when it follows nothing there, or the items are of an abstract type."""
    raw: GraphQLResolveInfo[Any] = info._raw_info
    connection = get_named_type(raw.return_type)
    if not isinstance(connection, GraphQLObjectType) or "nodes" not in connection.fields:
        return None
    item = get_named_type(connection.fields["nodes"].type)
    edge = get_named_type(connection.fields["edges"].type)
    if not isinstance(item, GraphQLObjectType) or not isinstance(edge, GraphQLObjectType):
        return None
    # The coerced values (graphql-core hands resolvers those, whatever its annotation says).
    variables = raw.variable_values
    coerced: Any = getattr(variables, "coerced", variables)
    selection = _Selection(raw.schema, raw.fragments, dict(coerced or {}))
    fields = selection.fields(connection, raw.field_nodes)
    of_items = [
        *fields.get("nodes", []),
        *selection.fields(edge, fields.get("edges", [])).get("node", []),
    ]
    plan = selection.plan(item, of_items)
    return None if plan is None else Prefetch(plan)


@dataclass(frozen=True, slots=True)
class _Selection:
    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]
    variables: dict[str, Any]

    def fields(
        self, type_: GraphQLObjectType, nodes: Sequence[FieldNode]
    ) -> dict[str, list[FieldNode]]:
        """The field nodes selected on ``type_`` under ``nodes``, by field name (aliases of
        one field merge)."""
        found: dict[str, list[FieldNode]] = {}
        for node in nodes:
            if node.selection_set is not None:
                self._collect(type_, node.selection_set, found, set())
        return found

    def _collect(
        self,
        type_: GraphQLObjectType,
        selection_set: SelectionSetNode,
        found: dict[str, list[FieldNode]],
        seen: set[str],
    ) -> None:
        for selection in selection_set.selections:
            if not self._included(selection):
                continue
            if isinstance(selection, FieldNode):
                found.setdefault(selection.name.value, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                if does_fragment_condition_match(self.schema, selection, type_):
                    self._collect(type_, selection.selection_set, found, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if name in seen or fragment is None:
                    continue
                seen.add(name)
                if does_fragment_condition_match(self.schema, fragment, type_):
                    self._collect(type_, fragment.selection_set, found, seen)

    def _included(self, node: FieldNode | InlineFragmentNode | FragmentSpreadNode | Any) -> bool:
        for directive in node.directives or ():
            name = directive.name.value
            if name not in ("skip", "include"):
                continue
            arguments = directive.arguments or ()
            condition = next((a.value for a in arguments if a.name.value == "if"), None)
            if condition is None:
                continue
            value = value_from_ast(condition, _BOOLEAN, self.variables)
            if (name == "skip" and value is True) or (name == "include" and value is False):
                return False
        return True

    def plan(self, type_: GraphQLObjectType, nodes: Sequence[FieldNode]) -> Plan | None:
        """What ``nodes`` follow from an object of ``type_``; None for nothing."""
        follows: list[tuple[str, kinds.ObjectKind]] = []
        within: list[tuple[str, Plan]] = []
        for name, field_nodes in self.fields(type_, nodes).items():
            field = type_.fields.get(name)
            definition = None if field is None else field.extensions.get(_DEFINITION)
            if not isinstance(definition, StrawberryField) or field is None:
                continue
            kind = definition.metadata.get(FOLLOWS) if definition.metadata else None
            if isinstance(kind, kinds.ObjectKind):
                if len(kind.resources) == 1:
                    follows.append((definition.python_name, kind))
                continue
            held = get_named_type(field.type)
            # Only objects the item holds as they are: a field with a resolver of its own
            # reads something else (attachments, payments), not prefetched here.
            if definition.base_resolver is None and isinstance(held, GraphQLObjectType):
                nested = self.plan(held, field_nodes)
                if nested is not None:
                    within.append((definition.python_name, nested))
        if not follows and not within:
            return None
        return Plan(tuple(follows), tuple(within))
