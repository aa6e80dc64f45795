"""Static proof that the Redis store runs unchanged on Redis Cluster: every command and every
Lua script it sends names a single key (but ``get_many``'s ``MGET``, of keys of one hash
tag), and every name from ``keys.py`` keeps its hash tag once
the store's prefix and namespace are in front, so a tenant's state lives on one shard."""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from redis.crc import key_slot

from ledgergraph.cache import keys, scripts
from ledgergraph.cache import redis as redis_store

# An example value for every parameter a key builder may take; a builder with a parameter
# missing here fails below until one is added.
SAMPLES: dict[str, object] = {
    "tenant": "acme",
    "business": "b-1",
    "key": "client-key",
    "kind": "contacts",
    "window": 7,
    "generation": "g1",
    "digest": "d41d8",
    "object_type": "invoice",
    "object_id": "i-1",
    "nonce": "n0nce",
    "prefix": "lgk_3f9a",
    "shard": "shard-0",
    "name": "slots",
}
# Names of no tenant or business (the tenant index, API-key lookups, OAuth round trips): no
# hash tag, so each lands in a slot of its own; fine, since every command names one key.
# Names of a shard (the epoch markers) carry a tag that lives on that shard.
UNTAGGED = {"tenants_index", "api_key", "connect_state", "connect_link"}
# What ``RedisStore`` puts in front of a name: a prefix (ours, the tests') and a namespace.
STORE_PREFIXES = ["lg:", "test-0123456789ab:", "lg:kv:", "lg:lock:", "lg:stream:"]
# Redis commands with more than one key, none of which the store may use.
MULTI_KEY_METHODS = {
    "mget",
    "mset",
    "msetnx",
    "rename",
    "renamenx",
    "copy",
    "unlink",
    "sinter",
    "sunion",
    "sdiff",
    "smove",
    "lmove",
    "blmove",
    "rpoplpush",
    "brpoplpush",
    "zunionstore",
    "zinterstore",
    "pipeline",
    "transaction",
    "eval",
    "evalsha",
}

BUILDERS: dict[str, Callable[..., str]] = {name: getattr(keys, name) for name in keys.__all__}


def _build(builder: Callable[..., str]) -> tuple[str, dict[str, object]]:
    params = inspect.signature(builder).parameters
    missing = [name for name in params if name not in SAMPLES]
    assert not missing, f"add an example for {missing} to SAMPLES in {__name__}"
    arguments = {name: SAMPLES[name] for name in params}
    return builder(**arguments), arguments


def _hash_tag(name: str) -> str | None:
    """The part of ``name`` Redis Cluster hashes, if not the whole name (CLUSTER KEYSLOT)."""
    start = name.find("{")
    end = name.find("}", start + 1)
    return name[start + 1 : end] if start >= 0 and end > start + 1 else None


@pytest.mark.parametrize("name", sorted(BUILDERS))
@pytest.mark.parametrize("prefix", STORE_PREFIXES)
def test_every_name_hashes_to_its_owners_slot_under_any_store_prefix(
    name: str, prefix: str
) -> None:
    built, arguments = _build(BUILDERS[name])
    stored = prefix + built
    if "tenant" in arguments:
        owner = str(arguments["tenant"])
    elif "business" in arguments:
        owner = str(arguments["business"])
    elif "shard" in arguments:
        owner = str(arguments["shard"])
    elif name == "sage_app":
        owner = "sage-app"  # the whole fleet's Sage budget: one slot for all of it
    else:
        assert name in UNTAGGED, f"keys.{name} belongs to no tenant or business: say why"
        assert _hash_tag(stored) is None
        return
    assert _hash_tag(stored) == owner
    assert key_slot(stored.encode()) == key_slot(owner.encode())


def test_a_tenants_names_and_a_businesses_names_each_share_one_slot() -> None:
    tenant_slots = {
        key_slot((prefix + _build(builder)[0]).encode())
        for name, builder in BUILDERS.items()
        if "tenant" in inspect.signature(builder).parameters
        for prefix in STORE_PREFIXES
    }
    business_slots = {
        key_slot((prefix + _build(builder)[0]).encode())
        for builder in BUILDERS.values()
        if list(inspect.signature(builder).parameters)[:1] == ["business"]
        for prefix in STORE_PREFIXES
    }
    assert tenant_slots == {key_slot(b"acme")}
    assert business_slots == {key_slot(b"b-1")}


@pytest.mark.parametrize("name", scripts.__all__)
def test_every_script_touches_only_its_one_key(name: str) -> None:
    source: str = getattr(scripts, name)
    assert set(re.findall(r"KEYS\[[^\]]*\]", source)) == {"KEYS[1]"}
    assert "#KEYS" not in source
    # Each call's first non-literal argument is the key: KEYS[1], or ``key`` inside the
    # helper that is only ever handed KEYS[1].
    calls = re.findall(r"redis\.call\('(\w+)'((?:,\s*'\w+')*)(?:,\s*([^,)]+))?", source)
    assert len(calls) == source.count("redis.call(")
    for command, _subcommands, key in calls:
        if command == "TIME":
            continue
        assert key.strip() in ("KEYS[1]", "key"), f"{command} in {name} touches {key!r}"
    assert set(re.findall(r"stream_state\(([^)]*)\)", source)) <= {"key", "KEYS[1]"}


def _calls() -> list[ast.Call]:
    tree = ast.parse(Path(inspect.getfile(redis_store)).read_text())
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)]


def _script_host_calls() -> list[ast.Call]:
    """Calls inside ``RedisScript``: its scripts take several keys, all under one hash tag
    (the Sage app's budget, whose names and scripts ``tests/connector/test_budget.py`` checks)."""
    tree = ast.parse(Path(inspect.getfile(redis_store)).read_text())
    hosts = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == "RedisScript"]
    return [node for host in hosts for node in ast.walk(host) if isinstance(node, ast.Call)]


def test_every_script_call_passes_exactly_one_key() -> None:
    hosted = {ast.dump(call) for call in _script_host_calls()}
    passed = [
        kw.value
        for call in _calls()
        if ast.dump(call) not in hosted
        for kw in call.keywords
        if kw.arg == "keys"
    ]
    assert len(passed) >= len(scripts.__all__)
    for value in passed:
        assert isinstance(value, ast.List), ast.unparse(value)
        assert len(value.elts) == 1, ast.unparse(value)


def test_blocking_reads_wait_on_one_stream() -> None:
    reads = [
        call
        for call in _calls()
        if isinstance(call.func, ast.Attribute) and call.func.attr == "xread"
    ]
    assert reads
    for call in reads:
        streams = call.args[0]
        assert isinstance(streams, ast.Dict), ast.unparse(call)
        assert len(streams.keys) == 1, ast.unparse(call)


def _get_many_calls() -> list[ast.Call]:
    """Calls inside ``RedisKeyValue.get_many``: its one ``MGET`` names keys of one hash tag,
    as its contract says (its caller's names are checked below)."""
    tree = ast.parse(Path(inspect.getfile(redis_store)).read_text())
    hosts = [
        n for n in ast.walk(tree) if isinstance(n, ast.AsyncFunctionDef) and n.name == "get_many"
    ]
    return [node for host in hosts for node in ast.walk(host) if isinstance(node, ast.Call)]


def test_no_command_names_several_keys() -> None:
    hosted = {ast.dump(call) for call in _get_many_calls()}
    for call in _calls():
        if not isinstance(call.func, ast.Attribute):
            continue
        if ast.dump(call) in hosted and call.func.attr == "mget":
            continue
        assert call.func.attr not in MULTI_KEY_METHODS, ast.unparse(call)
        if call.func.attr in ("delete", "exists", "touch", "watch"):
            assert len(call.args) == 1, ast.unparse(call)


@pytest.mark.parametrize("prefix", STORE_PREFIXES)
def test_the_generations_a_request_reads_at_once_share_one_slot(prefix: str) -> None:
    # ``request_generations`` reads every kind's generation of one tenant and business in
    # one ``get_many``.
    names = [keys.cache_generation("acme", "b-1", kind) for kind in ("contacts", "tax_rates")]
    assert len({key_slot((prefix + name).encode()) for name in names}) == 1
