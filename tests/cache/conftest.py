from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ledgergraph.cache import MemoryStore, RedisStore, Store


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    """Each implementation in turn: every contract test runs against both."""
    if request.param == "memory":
        async with MemoryStore() as memory:
            yield memory
    else:
        url: str = request.getfixturevalue("redis_url")
        prefix: str = request.getfixturevalue("key_prefix")
        async with RedisStore(url, prefix=prefix) as redis:
            yield redis
