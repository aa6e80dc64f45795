from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator

import pytest

from tests.redis_cluster import session_redis_cluster
from tests.redis_server import MISSING_REDIS, session_redis


def pytest_sessionstart(session: pytest.Session) -> None:
    if not os.environ.get("LEDGERGRAPH_TEST_REDIS_URL") and shutil.which("redis-server") is None:
        pytest.exit(MISSING_REDIS, returncode=4)


@pytest.fixture(scope="session")
def single_redis_url() -> Iterator[str]:
    """URL of a real Redis for this test session (never one the developer runs)."""
    with session_redis() as url:
        yield url


@pytest.fixture
def redis_url(request: pytest.FixtureRequest, single_redis_url: str) -> str:
    """The Redis a test's servers and stores use: the session's one Redis, or, for a test
    marked ``on_each_redis`` (``tests.support.fixtures``), that and then the Redis Cluster."""
    if getattr(request, "param", "redis") == "cluster":
        url: str = request.getfixturevalue("redis_cluster_url")
        return url
    return single_redis_url


@pytest.fixture(scope="session")
def redis_cluster_url() -> Iterator[str]:
    """URL (``?cluster=1``) of a real 3-master Redis Cluster, started on first use."""
    with session_redis_cluster() as url:
        yield url


@pytest.fixture
def key_prefix() -> str:
    """A key namespace no other test shares, so nothing ever needs flushing."""
    return f"test-{uuid.uuid4().hex[:12]}:"
