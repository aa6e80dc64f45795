"""LedgerGraph's schema class leaves out Strawberry's per-field directive hook while no directive
can stand on a field: with it, every field of every operation would resolve in a coroutine."""

from __future__ import annotations

import strawberry
from graphql import DirectiveLocation
from strawberry.directive import DirectiveValue

from ledgergraph.api import build_schema
from ledgergraph.schema.base import LedgerGraphSchema


def _hooked(schema: strawberry.Schema) -> list[str]:
    """The request's extensions that wrap the resolution of every field."""
    return [type(e).__name__ for e in schema.get_extensions() if type(e)._implements_resolve()]


def test_no_extension_of_the_served_schema_wraps_every_field() -> None:
    schema = build_schema()
    assert schema.directives, "the schema declares @maxAge: Strawberry would add the hook"
    assert _hooked(schema) == []


@strawberry.directive(locations=[DirectiveLocation.FIELD])
def shout(value: DirectiveValue[str]) -> str:
    return value.upper()


@strawberry.type
class _Query:
    @strawberry.field
    def greeting(self) -> str:
        return "hello"


async def test_a_directive_on_fields_keeps_the_hook_and_still_applies() -> None:
    schema = LedgerGraphSchema(query=_Query, directives=[shout])
    assert _hooked(schema) == ["DirectivesExtension"]
    result = await schema.execute("{ greeting @shout }")
    assert result.errors is None
    assert result.data == {"greeting": "HELLO"}
