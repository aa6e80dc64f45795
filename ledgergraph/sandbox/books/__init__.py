"""The sandbox's data world: users, the businesses they can reach, and each business's books."""

from __future__ import annotations

from ledgergraph.sandbox.books.store import Books, BooksError
from ledgergraph.sandbox.books.world import (
    DEMO_USER_ID,
    SOLO_USER_ID,
    Business,
    User,
    World,
    business_id_for,
)

__all__ = [
    "DEMO_USER_ID",
    "SOLO_USER_ID",
    "Books",
    "BooksError",
    "Business",
    "User",
    "World",
    "business_id_for",
]
