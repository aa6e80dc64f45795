from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ledgergraph.cache import MemoryStore, RedisStore, Store

#: The same store contract on each backend: one process, one Redis, a 3-master Redis Cluster.
STORES = [
    "memory",
    pytest.param("redis", marks=pytest.mark.redis),
    pytest.param("cluster", marks=pytest.mark.redis),
]
URL_FIXTURES = {"redis": "redis_url", "cluster": "redis_cluster_url"}


@pytest.fixture(params=STORES)
async def store(request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    """Each implementation in turn: every contract test runs against all of them."""
    if request.param == "memory":
        async with MemoryStore() as memory:
            yield memory
    else:
        url: str = request.getfixturevalue(URL_FIXTURES[request.param])
        prefix: str = request.getfixturevalue("key_prefix")
        async with RedisStore(url, prefix=prefix) as redis:
            yield redis
