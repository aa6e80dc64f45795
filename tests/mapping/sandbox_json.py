"""The seeded books as the JSON the sandbox API serves, using the sandbox's own serialisers."""

from __future__ import annotations

from multidict import MultiDict

from ledgergraph.sandbox.api.scope import Scope
from ledgergraph.sandbox.books import World
from ledgergraph.sandbox.books.world import Business
from ledgergraph.sandbox.config import SandboxConfig


def scope_for(world: World, business: Business) -> Scope:
    """What a plain ``GET`` (no query parameters) for ``business`` is served with."""
    return Scope(world=world, business=business, query=MultiDict(), config=SandboxConfig())


def businesses_in(world: World, country: str) -> list[Business]:
    found = [b for b in world.businesses.values() if b.country_code == country]
    assert found, f"the sandbox seeds no {country} business"
    return found
