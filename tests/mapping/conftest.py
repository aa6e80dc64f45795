from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from ledgergraph.connectors.sage.mapping import CountryMapper
from ledgergraph.sandbox.books import World

COUNTRIES = ("GB", "IE", "CA", "US", "FR", "ES", "DE")
FIXTURES = Path(__file__).with_name("fixtures")
# A fixed "now" keeps every rate's current percentage (and so every expectation) stable.
EPOCH = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)


def fixture(name: str) -> dict[str, Any]:
    """One of Sage's published response examples (or one built in the same shape)."""
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))
    return data


@pytest.fixture(scope="session")
def world() -> World:
    # A frozen clock: the sandbox serves each rate's percentage as of "today".
    return World.seeded(seed=20250602, scale=0.05, now=EPOCH, clock=lambda: EPOCH)


@pytest.fixture(scope="session")
def today() -> date:
    return EPOCH.date()


@pytest.fixture
def gb() -> CountryMapper:
    return CountryMapper.for_business("GB", business_id="0d40342d0287cd6b13555c54afca6c90")
