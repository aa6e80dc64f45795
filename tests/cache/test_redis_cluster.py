"""What only Redis Cluster can show: choosing it by URL, a tenant's keys on its own shard, the
durability of the weakest node, and a shard going down and coming back."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import pytest
from redis.asyncio.cluster import RedisCluster
from redis.crc import key_slot

from ledgergraph.cache import RedisOptions, RedisStore, StoreUnavailable, keys, open_store
from ledgergraph.cache.epoch import StoreEpoch
from ledgergraph.cache.redis import RedisTarget, parse_redis_url
from tests.redis_cluster import RedisClusterProcesses

pytestmark = pytest.mark.redis

T = TypeVar("T")
FAST = RedisOptions(timeout=0.3, connect_timeout=0.2)


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("redis://h:7000/0", RedisTarget("redis://h:7000/0", cluster=False)),
        ("redis://h:7000/0?cluster=0", RedisTarget("redis://h:7000/0", cluster=False)),
        (
            "redis://h:7000/0?cluster=1",
            RedisTarget("redis://h:7000/0", cluster=True, seeds=(("h", 7000),)),
        ),
        (
            "rediss://u:secret@h?cluster=yes&addr=g:7001&addr=f:7002&ssl_cert_reqs=none",
            RedisTarget(
                "rediss://u:secret@h?ssl_cert_reqs=none",
                cluster=True,
                seeds=(("h", 6379), ("g", 7001), ("f", 7002)),
            ),
        ),
    ],
)
def test_the_cluster_parameter_chooses_the_cluster_and_names_its_seeds(
    url: str, target: RedisTarget
) -> None:
    assert parse_redis_url(url) == target
    assert "secret" not in parse_redis_url(url).where


@pytest.mark.parametrize(
    ("url", "advice"),
    [
        ("redis://h:7000/2?cluster=1", "only database 0"),
        ("unix:///run/redis.sock?cluster=1", "redis:// or rediss://"),
        ("redis://h:7000?cluster=maybe", "write cluster=1"),
        ("redis://h:7000?addr=g:7001", "add cluster=1"),
        ("redis://h:7000?cluster=1&addr=g", "write addr=host:port"),
    ],
)
def test_a_cluster_url_a_cluster_cannot_serve_is_refused_with_advice(url: str, advice: str) -> None:
    with pytest.raises(ValueError, match=advice):
        RedisStore(url)


async def test_a_tenants_keys_live_on_the_shard_of_its_slot(
    redis_cluster_url: str, key_prefix: str
) -> None:
    async with open_store(redis_cluster_url, prefix=key_prefix) as store:
        await store.kv.compare_and_set(keys.token("acme"), b"pair", None)
        await store.kv.incr(keys.rate_limit("acme", 1), ttl=5)
        await store.locks.acquire(keys.refresh_lock("acme"), ttl=5)
        await store.streams.append(keys.events("acme"), b"changed")
    raw = RedisCluster.from_url(redis_cluster_url.partition("?")[0])
    try:
        await raw.initialize()
        slot = key_slot(b"acme")
        on_shard = {
            node.name: {
                key.decode()
                for key in await raw.execute_command(
                    "CLUSTER", "GETKEYSINSLOT", slot, 1000, target_nodes=node
                )
            }
            for node in raw.get_primaries()
        }
    finally:
        await raw.aclose()
    owner = raw.get_node_from_key("acme")
    assert owner is not None
    assert on_shard.pop(owner.name) >= {
        f"{key_prefix}kv:tenant:{{acme}}:token",
        f"{key_prefix}kv:tenant:{{acme}}:rate:1",
        f"{key_prefix}lock:tenant:{{acme}}:refresh",
        f"{key_prefix}stream:tenant:{{acme}}:events",
    }
    assert list(on_shard.values()) == [set(), set()]


async def test_a_burst_beyond_the_connection_limit_waits_instead_of_failing(
    redis_cluster_url: str, key_prefix: str
) -> None:
    options = RedisOptions(max_connections=4, timeout=5)
    async with RedisStore(redis_cluster_url, prefix=key_prefix, options=options) as store:
        counted = await asyncio.gather(
            *(store.kv.incr(f"tenant:{{t{i % 3}}}:n") for i in range(300))
        )
    assert len(counted) == 300
    assert sorted(counted)[-3:] == [100, 100, 100]


@pytest.fixture(scope="module")
def own_cluster() -> Iterator[RedisClusterProcesses]:
    """A cluster of this module's own, free to be reconfigured, stopped and restarted."""
    with RedisClusterProcesses() as cluster:
        yield cluster


async def test_durability_is_that_of_the_weakest_node(
    own_cluster: RedisClusterProcesses,
) -> None:
    async with RedisStore(own_cluster.url) as store:
        sound = await store.durability()
        weak = own_cluster.nodes[1]
        raw = RedisCluster.from_url(own_cluster.url.partition("?")[0])
        try:
            await raw.initialize()
            node = raw.get_node("127.0.0.1", weak.port)
            await raw.config_set("appendonly", "no", target_nodes=node)
            try:
                found = await store.durability()
            finally:
                await raw.config_set("appendonly", "yes", target_nodes=node)
        finally:
            await raw.aclose()

    assert (sound.survives_restart, sound.evicts) == (True, False)
    assert sound.detail.endswith("on all 3 nodes")
    assert (found.survives_restart, found.evicts) == (False, False)
    assert found.detail == (
        f"127.0.0.1:{weak.port}: appendonly no, appendfsync everysec, "
        "maxmemory-policy noeviction (of 3 nodes)"
    )


async def test_a_shard_down_fails_fast_and_its_data_is_back_with_it(
    own_cluster: RedisClusterProcesses,
) -> None:
    down_tenant = "acme"
    shard = own_cluster.node_of(key_slot(down_tenant.encode()))
    async with RedisStore(own_cluster.url, options=FAST) as store:
        version = await store.kv.compare_and_set(keys.token(down_tenant), b"pair", None)
        cursor = await store.streams.append(keys.events(down_tenant), b"before")
        shard.stop()
        try:
            for operation in (
                store.kv.get_versioned(keys.token(down_tenant)),
                store.kv.incr(keys.rate_limit(down_tenant, 1)),
                store.locks.acquire(keys.refresh_lock(down_tenant), ttl=5),
                store.streams.read(keys.events(down_tenant), cursor, block=5),
            ):
                started = time.monotonic()
                with pytest.raises(StoreUnavailable, match=r"Redis at 127\.0\.0\.1.*\(cluster\)"):
                    await operation
                assert time.monotonic() - started < 1.0
        finally:
            shard.start()  # same port, same nodes.conf and AOF: the same node again
        own_cluster.wait_until_ok()

        record = await _eventually(lambda: store.kv.get_versioned(keys.token(down_tenant)))
        assert record is not None
        assert record.version == version
        assert [e.payload for e in await store.streams.read(keys.events(down_tenant))] == [
            b"before"
        ]


async def _eventually(operation: Callable[[], Awaitable[T]]) -> T:
    deadline = time.monotonic() + 10
    while True:
        try:
            return await operation()
        except StoreUnavailable:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)


async def test_a_shard_restarted_empty_is_noticed_where_one_marker_would_miss_it(
    own_cluster: RedisClusterProcesses, key_prefix: str
) -> None:
    async with RedisStore(own_cluster.url, prefix=key_prefix) as store:
        tags = await store.shard_tags()
        per_shard = StoreEpoch(store.kv, shards=store.shard_tags, clock=lambda: 1000.0)
        single = StoreEpoch(store.kv)  # one marker for the whole store, on one shard
        await per_shard.start()
        await single.start()
        marker = f"{key_prefix}kv:{keys.store_epoch()}"
        victim = next(
            node
            for node in own_cluster.nodes
            if node is not own_cluster.node_of(key_slot(marker.encode()))
        )
        raw = RedisCluster.from_url(own_cluster.url.partition("?")[0])
        try:
            await raw.initialize()
            await raw.flushall(target_nodes=raw.get_node("127.0.0.1", victim.port))
        finally:
            await raw.aclose()

        assert len(tags) == 3
        assert await single.lost_at() is None
        assert await per_shard.lost_at() == 1000.0
