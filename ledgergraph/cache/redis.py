"""The Redis store: state shared by every process of the fleet.

Failure policy: every operation is bounded by ``RedisOptions.timeout`` (connecting included) and
raises ``StoreUnavailable`` when Redis refuses, drops or stalls; nothing is retried
automatically, because retrying a write whose reply was lost (a compare-and-set, an ``incr``,
an append) could apply it twice. Connections are re-established on the next operation once
Redis is back, so a store outlives Redis restarts.

Keys: ``<prefix>kv:<key>``, ``<prefix>lock:<name>``, ``<prefix>stream:<name>``. The prefix may
not contain a hash tag, so the caller's tag (``tenant:{acme}:...``) decides the cluster slot.

Redis Cluster: a URL with ``?cluster=1`` (``redis://host:port/0?cluster=1``, more seed nodes as
``&addr=host:port``) opens a ``RedisCluster`` client. Every command and every script touches a
single key, or keys of one hash tag (``get_many``), so nothing ever spans two slots; blocking
stream reads go to the shard of their stream, and a shard that is down or failing over is
``StoreUnavailable`` like a lone Redis.

Needs Redis 7.0 or later (stream trimming is recorded with ``XSETID ... MAXDELETEDID``), run
with ``maxmemory-policy noeviction``: everything here is state, and an evicted lock, token
record or stream would be silently lost. Disposable caches belong in a separate Redis.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from redis import exceptions as redis_errors
from redis.asyncio import BlockingConnectionPool, ConnectionPool, Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from ledgergraph.cache import scripts
from ledgergraph.cache.exceptions import CursorExpired, StoreError, StoreUnavailable
from ledgergraph.cache.locks import new_token, wait_for_lease
from ledgergraph.cache.streamids import StreamState, cursor_expired, format_id, parse_id
from ledgergraph.cache.types import Durability, Entry, Lease, Versioned
from ledgergraph.cache.validation import (
    check_count,
    check_positive,
    milliseconds,
)

__all__ = [
    "RedisKeyValue",
    "RedisLocks",
    "RedisOptions",
    "RedisScript",
    "RedisStore",
    "RedisStreams",
    "RedisTarget",
    "parse_redis_url",
]

T = TypeVar("T")

_YES = ("1", "yes", "true")
# Enough names to find one in the slots of each primary of any cluster (16,384 slots at most).
_SHARD_TAG_TRIES = 1_000_000
_NO = ("0", "no", "false")
# Cluster failures that clear up by themselves (a failover, a slot being migrated, no node
# reachable yet): like a restarting Redis, unavailable for now.
_CLUSTER_UNAVAILABLE = (
    redis_errors.ClusterDownError,  # also MASTERDOWN
    redis_errors.TryAgainError,
    redis_errors.SlotNotCoveredError,
    redis_errors.RedisClusterException,  # e.g. no seed node answers
)


@dataclass(frozen=True, slots=True)
class RedisTarget:
    """Where a Redis URL points: one server, or a cluster found through its seed nodes."""

    #: The URL for redis-py, without LedgerGraph's own query parameters.
    url: str
    cluster: bool
    #: Seed nodes of a cluster (the URL's host first); empty for one server.
    seeds: tuple[tuple[str, int], ...] = ()

    @property
    def where(self) -> str:
        """For messages and logs; never the password."""
        if self.cluster:
            return ",".join(f"{host}:{port}" for host, port in self.seeds) + " (cluster)"
        parts = urlsplit(self.url)
        return parts.path if parts.scheme == "unix" else f"{parts.hostname}:{parts.port or 6379}"


def parse_redis_url(url: str) -> RedisTarget:
    """Read ``?cluster=1`` and ``&addr=host:port`` (more seed nodes) off a Redis URL.

    Raises ``ValueError`` for a cluster URL a cluster cannot serve (a database other than 0,
    a Unix socket) or a malformed parameter, saying what to write instead.
    """
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    flags = [value.lower() for name, value in query if name == "cluster"]
    extra = [value for name, value in query if name == "addr"]
    rest = [(name, value) for name, value in query if name not in ("cluster", "addr")]
    clean = urlunsplit(parts._replace(query=urlencode(rest)))
    for flag in flags:
        if flag not in _YES + _NO:
            raise ValueError(
                f"Redis URL parameter cluster={flag!r}: write cluster=1 or leave it out"
            )
    cluster = bool(flags) and flags[-1] in _YES
    if not cluster:
        if extra:
            raise ValueError("Redis URL parameter addr= names cluster seed nodes: add cluster=1")
        return RedisTarget(clean, cluster=False)
    if parts.scheme not in ("redis", "rediss"):
        raise ValueError(
            "Redis Cluster needs a redis:// or rediss:// URL (a cluster is not reached over a "
            "Unix socket)"
        )
    if parts.path.strip("/") not in ("", "0"):
        raise ValueError(
            f"Redis Cluster has only database 0, not {parts.path.strip('/')!r}: end the URL "
            "with /0 or no path"
        )
    seeds = [(parts.hostname or "localhost", parts.port or 6379)]
    for address in extra:
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"Redis URL parameter addr={address!r}: write addr=host:port")
        seeds.append((host, int(port)))
    return RedisTarget(clean, cluster=True, seeds=tuple(seeds))


@dataclass(frozen=True, slots=True)
class RedisOptions:
    """How the store talks to Redis; the defaults fail fast rather than wait."""

    #: Upper bound, in seconds, on any one operation, including connecting and waiting for a
    #: pooled connection (a blocking stream read gets its ``block`` on top).
    timeout: float = 1.0
    connect_timeout: float = 0.5
    #: A pooled connection idle for this many seconds is PINGed before it is used again.
    health_check_interval: int = 10
    #: Connections for ordinary commands; blocking stream reads each hold their own.
    max_connections: int = 64
    client_name: str | None = "ledgergraph"


class _Connection:
    """The two clients of one store, and the translation of their failures."""

    client: Redis | RedisCluster
    blocking: Redis | RedisCluster

    def __init__(self, url: str, options: RedisOptions) -> None:
        check_positive("timeout", options.timeout)
        check_positive("connect_timeout", options.connect_timeout)
        self.timeout = options.timeout
        target = parse_redis_url(url)
        self.where = target.where
        self.cluster = target.cluster
        common: dict[str, Any] = {
            "socket_connect_timeout": min(options.connect_timeout, options.timeout),
            "health_check_interval": options.health_check_interval,
            "retry": Retry(NoBackoff(), 0),
            "client_name": options.client_name,
        }
        # A cluster client raises at once when a node's connections are all in use, where the
        # pool of one server waits for one: commands queue here instead, within ``timeout``.
        self._slots: asyncio.Semaphore | None = None
        if target.cluster:
            self._slots = asyncio.Semaphore(options.max_connections)
            self.client = _cluster(
                target,
                max_connections=options.max_connections,
                socket_timeout=options.timeout,
                **common,
            )
            self.blocking = _cluster(
                target, max_connections=2**31 - 1, socket_timeout=None, **common
            )
            return
        self.client = Redis.from_pool(
            BlockingConnectionPool.from_url(
                target.url,
                max_connections=options.max_connections,
                timeout=options.timeout,
                socket_timeout=options.timeout,
                **common,
            )
        )
        # XREAD BLOCK outlasts any sensible socket timeout, so blocking reads get connections
        # without one and are bounded by ``run`` instead; they also cannot starve the pool above.
        self.blocking = Redis.from_pool(
            ConnectionPool.from_url(target.url, socket_timeout=None, **common)
        )

    async def run(self, command: Awaitable[T], within: float | None = None) -> T:
        limit = self.timeout if within is None else within
        try:
            # Cancelling a command makes redis-py drop its connection, so no reply is left
            # behind for the next command to read.
            async with asyncio.timeout(limit):
                # Blocking reads, the only callers passing ``within``, have a client of their own.
                if self._slots is None or within is not None:
                    return await command
                async with self._slots:
                    return await command
        except TimeoutError as exc:
            raise StoreUnavailable(
                f"Redis at {self.where} did not answer within {limit:g} s"
            ) from exc
        except (
            redis_errors.ConnectionError,  # also: still loading its data after a restart
            redis_errors.TimeoutError,
            redis_errors.ReadOnlyError,  # a replica mid-failover: the primary comes back soon
        ) as exc:
            raise StoreUnavailable(f"Redis at {self.where} is unavailable: {exc}") from exc
        except _CLUSTER_UNAVAILABLE as exc:
            raise StoreUnavailable(f"Redis at {self.where} is unavailable: {exc}") from exc
        except redis_errors.RedisError as exc:
            raise StoreError(f"Redis at {self.where} refused a command: {exc}") from exc

    async def aclose(self) -> None:
        try:
            await self.client.aclose()
        finally:
            await self.blocking.aclose()


def _cluster(target: RedisTarget, **kwargs: Any) -> RedisCluster:
    # redis-py retries nothing (``retry`` above), so a failed command is not sent twice; a
    # MOVED or ASK reply is followed all the same, and a connection error makes the next
    # command refresh the slot map first.
    return RedisCluster.from_url(
        target.url,
        startup_nodes=[ClusterNode(host, port) for host, port in target.seeds[1:]],
        **kwargs,
    )


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _px(ttl: float | None) -> int | None:
    return None if ttl is None else milliseconds(check_positive("ttl", ttl))


def _ttl_arg(ttl: float | None) -> int | str:
    px = _px(ttl)
    return "" if px is None else px


def _bytes_or_none(value: object) -> bytes | None:
    if value is None or isinstance(value, bytes):
        return value
    raise StoreError(f"unexpected reply from Redis: {value!r}")


class RedisKeyValue:
    def __init__(self, connection: _Connection, prefix: str) -> None:
        self._conn = connection
        self._client = connection.client
        self._prefix = prefix
        self._incr = self._client.register_script(scripts.INCR)
        self._compare_and_set = self._client.register_script(scripts.COMPARE_AND_SET)
        self._compare_and_delete = self._client.register_script(scripts.COMPARE_AND_DELETE)

    async def get(self, key: str) -> bytes | None:
        return _bytes_or_none(await self._conn.run(self._client.get(self._prefix + key)))

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        if not keys:
            return []
        values = await self._conn.run(self._client.mget([self._prefix + key for key in keys]))
        return [_bytes_or_none(value) for value in values]

    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        await self._conn.run(self._client.set(self._prefix + key, value, px=_px(ttl)))

    async def set_if_absent(self, key: str, value: bytes, ttl: float | None = None) -> bool:
        stored = await self._conn.run(
            self._client.set(self._prefix + key, value, nx=True, px=_px(ttl))
        )
        return bool(stored)

    async def delete(self, key: str) -> bool:
        return bool(await self._conn.run(self._client.delete(self._prefix + key)))

    async def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        result = await self._conn.run(
            self._incr(keys=[self._prefix + key], args=[amount, _ttl_arg(ttl)])
        )
        return int(result)

    async def get_versioned(self, key: str) -> Versioned | None:
        version, value = await self._conn.run(self._client.hmget(self._prefix + key, ["v", "d"]))
        if version is None:
            return None
        return Versioned(_bytes_or_none(value) or b"", int(version))

    async def compare_and_set(
        self, key: str, value: bytes, expected_version: int | None, ttl: float | None = None
    ) -> int | None:
        expected = "" if expected_version is None else str(expected_version)
        version = await self._conn.run(
            self._compare_and_set(keys=[self._prefix + key], args=[value, expected, _ttl_arg(ttl)])
        )
        return None if version is None else int(version)

    async def compare_and_delete(self, key: str, expected_version: int) -> bool:
        deleted = await self._conn.run(
            self._compare_and_delete(keys=[self._prefix + key], args=[str(expected_version)])
        )
        return bool(deleted)


class RedisLocks:
    def __init__(self, connection: _Connection, prefix: str) -> None:
        self._conn = connection
        self._client = connection.client
        self._prefix = prefix
        self._release = self._client.register_script(scripts.LOCK_RELEASE)
        self._extend = self._client.register_script(scripts.LOCK_EXTEND)

    async def acquire(self, name: str, ttl: float) -> Lease | None:
        check_positive("ttl", ttl)
        lease = Lease(name, new_token())
        taken = await self._conn.run(
            self._client.set(self._prefix + name, lease.token, nx=True, px=milliseconds(ttl))
        )
        return lease if taken else None

    async def acquire_wait(
        self,
        name: str,
        ttl: float,
        timeout: float,  # noqa: ASYNC109
        poll: float = 0.05,
    ) -> Lease | None:
        check_positive("ttl", ttl)
        return await wait_for_lease(lambda: self.acquire(name, ttl), timeout, poll)

    async def release(self, lease: Lease) -> bool:
        released = await self._conn.run(
            self._release(keys=[self._prefix + lease.name], args=[lease.token])
        )
        return bool(released)

    async def extend(self, lease: Lease, ttl: float) -> bool:
        check_positive("ttl", ttl)
        extended = await self._conn.run(
            self._extend(keys=[self._prefix + lease.name], args=[lease.token, milliseconds(ttl)])
        )
        return bool(extended)

    async def owner(self, name: str) -> str | None:
        token = _bytes_or_none(await self._conn.run(self._client.get(self._prefix + name)))
        return None if token is None else token.decode()


class RedisStreams:
    def __init__(self, connection: _Connection, prefix: str) -> None:
        self._conn = connection
        self._prefix = prefix
        self._append = connection.client.register_script(scripts.STREAM_APPEND)
        self._read = connection.client.register_script(scripts.STREAM_READ)
        self._last_id = connection.client.register_script(scripts.STREAM_LAST_ID)

    async def append(
        self,
        stream: str,
        payload: bytes,
        *,
        max_len: int | None = None,
        max_age: float | None = None,
    ) -> str:
        if max_len is not None:
            check_count("max_len", max_len)
        if max_age is not None:
            check_positive("max_age", max_age)
        max_age_ms = "" if max_age is None else round(max_age * 1000)
        entry_id = await self._conn.run(
            self._append(
                keys=[self._prefix + stream],
                args=[payload, "" if max_len is None else max_len, max_age_ms],
            )
        )
        return bytes(entry_id).decode()

    async def read(
        self,
        stream: str,
        after: str | None = None,
        *,
        count: int = 100,
        block: float | None = None,
    ) -> list[Entry]:
        check_count("count", count)
        cursor = None if after is None else format_id(parse_id(after))
        if block is not None:
            check_positive("block", block)
        entries = await self._read_now(stream, cursor, count)
        if entries or block is None:
            return entries
        # XREAD serves only as the wake-up: the entries are then read again by the script,
        # atomically with the check that none after the cursor were trimmed meanwhile.
        woken = await self._conn.run(
            self._conn.blocking.xread(
                {self._prefix + stream: cursor or "0-0"}, count=1, block=milliseconds(block)
            ),
            within=block + self._conn.timeout,
        )
        return await self._read_now(stream, cursor, count) if woken else []

    async def last_id(self, stream: str) -> str:
        last = await self._conn.run(self._last_id(keys=[self._prefix + stream]))
        return bytes(last).decode()

    async def _read_now(self, stream: str, cursor: str | None, count: int) -> list[Entry]:
        reply = await self._conn.run(
            self._read(keys=[self._prefix + stream], args=["" if cursor is None else cursor, count])
        )
        exists, last, max_trimmed, first, entries = reply
        if cursor is not None:
            state = StreamState(
                exists=bool(exists),
                last=parse_id(last.decode()),
                max_trimmed=parse_id(max_trimmed.decode()),
                first=parse_id(first.decode()) if first else None,
            )
            if cursor_expired(parse_id(cursor), state):
                raise CursorExpired(stream, cursor)
        return [Entry(entry_id.decode(), fields[1]) for entry_id, fields in entries]


class RedisScript:
    """A Lua script over names of the key-value namespace, for a component whose atomic
    step spans several keys (the Sage app budget): the caller passes its names as ``kv``
    methods take them, and keeps them under one hash tag so the script runs on a cluster."""

    def __init__(self, connection: _Connection, prefix: str, source: str) -> None:
        self._conn = connection
        self._prefix = prefix
        self._script = connection.client.register_script(source)

    async def __call__(self, keys: Sequence[str], args: Sequence[str | int | float]) -> Any:
        return await self._conn.run(
            self._script(keys=[self._prefix + key for key in keys], args=list(args))
        )


class RedisStore:
    """Key-value, locks and streams in one Redis (``open_store(url)``)."""

    def __init__(
        self, url: str, *, prefix: str = "lg:", options: RedisOptions | None = None
    ) -> None:
        if "{" in prefix or "}" in prefix:
            raise ValueError(
                f"prefix {prefix!r} must not contain braces: its hash tag would put every key "
                "in one Redis Cluster slot"
            )
        self._conn = _Connection(url, options or RedisOptions())
        self.kv = RedisKeyValue(self._conn, f"{prefix}kv:")
        self.locks = RedisLocks(self._conn, f"{prefix}lock:")
        self.streams = RedisStreams(self._conn, f"{prefix}stream:")
        self._kv_prefix = f"{prefix}kv:"

    def script(self, source: str) -> RedisScript:
        """``source`` as a ``RedisScript`` over key-value names, bounded and failing like
        every other operation of the store."""
        return RedisScript(self._conn, self._kv_prefix, source)

    async def ping(self) -> None:
        await self._conn.run(self._conn.client.ping())

    async def shard_tags(self) -> tuple[str, ...]:
        """A hash tag per primary of a cluster (a key tagged ``{tag}`` lives on it): the
        first of ``shard-0``, ``shard-1``, ... whose slot it serves; ``("",)`` for one Redis."""
        client = self._conn.client
        if not isinstance(client, RedisCluster):
            return ("",)
        await self._conn.run(client.initialize())
        # Primaries that serve slots (a primary without slots holds nothing).
        primaries = {nodes[0].name for nodes in client.nodes_manager.slots_cache.values() if nodes}
        found: dict[str, str] = {}
        for n in range(_SHARD_TAG_TRIES):
            node = client.get_node_from_key(f"shard-{n}")
            if node is not None and node.name in primaries and node.name not in found:
                found[node.name] = f"shard-{n}"
                if len(found) == len(primaries):
                    break
        return tuple(found[name] for name in sorted(found))

    async def durability(self) -> Durability:
        """How the data survives: on a cluster, of its weakest node, since losing one shard
        loses every tenant whose hash tag lives there."""
        client = self._conn.client
        if not isinstance(client, RedisCluster):
            return await self._node_durability(client, None, self._conn.where)
        await self._conn.run(client.initialize())
        # Replicas too: a replica with weaker settings becomes the primary after a failover.
        nodes = client.get_nodes()
        found = [await self._node_durability(client, node, node.name) for node in nodes]
        survives = [d.survives_restart for d in found]
        evicts = [d.evicts for d in found]
        weak = [d for d in found if d.survives_restart is not True or d.evicts is not False]
        if not weak:
            detail = f"{found[0].detail.partition(': ')[2]} on all {len(found)} nodes"
        else:
            detail = "; ".join(d.detail for d in weak) + f" (of {len(found)} nodes)"
        return Durability(
            survives_restart=False if False in survives else None if None in survives else True,
            evicts=True if True in evicts else None if None in evicts else False,
            detail=detail,
        )

    async def _node_durability(
        self, client: Redis | RedisCluster, node: ClusterNode | None, where: str
    ) -> Durability:
        names = ("appendonly", "appendfsync", "maxmemory-policy")
        try:
            if node is None:
                config = await self._conn.run(client.config_get(*names))
            else:
                config = await self._conn.run(client.config_get(*names, target_nodes=node))
        except StoreUnavailable:
            raise
        except StoreError:
            return Durability(None, None, f"Redis at {where} does not allow CONFIG")
        values = {_text(k): _text(v) for k, v in config.items()}
        appendonly = values.get("appendonly", "")
        fsync = values.get("appendfsync", "")
        policy = values.get("maxmemory-policy", "")
        prefix = "" if node is None else f"{where}: "
        return Durability(
            # RDB snapshots alone lose minutes of writes: rotated refresh tokens among them.
            survives_restart=appendonly == "yes" and fsync in ("everysec", "always"),
            evicts=policy != "noeviction",
            detail=f"{prefix}appendonly {appendonly}, appendfsync {fsync}, "
            f"maxmemory-policy {policy}",
        )

    async def aclose(self) -> None:
        await self._conn.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
