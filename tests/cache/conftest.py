from __future__ import annotations

from tests.support.fixtures import backend_store_fixture

# Every contract test runs against each store: one process, one Redis, a Redis Cluster.
store = backend_store_fixture()
