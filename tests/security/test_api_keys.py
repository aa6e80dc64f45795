"""Tenant API keys: made by an operator (admin API or CLI), shown once, stored as a digest,
scoped, usable wherever a tenant JWT is, and refused everywhere the moment they are revoked."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ledgergraph.cache import RedisStore, keys
from ledgergraph.events import EventLog
from ledgergraph.sandbox import RunningSandbox
from tests.security.helpers import ADMIN, ADMIN_KEY, Tenant, post, sage_stats
from tests.support.cli import run_cli
from tests.support.server import LiveServer, server_process
from tests.support.ws import ConnectionRefused, GraphQLWebSocket, OperationFailed
from tests.sync.helpers import SUBSCRIPTION, until_live

pytestmark = pytest.mark.redis

CONNECTION = "{ connection { status business { remoteId } } }"
CREATE_CONTACT = """mutation($key: String!) {
  createContact(idempotencyKey: $key, input: {name: "Keyed Ltd", kinds: [CUSTOMER]}) { id name }
}"""
# Every kind of mutation a read-only key might try: Sage writes and connection changes.
MUTATIONS = {
    "createContact": (CREATE_CONTACT, {"key": "read-key-write"}),
    "disconnect": ("mutation { disconnect { status } }", {}),
    "selectBusiness": (
        "mutation($id: ID!) { selectBusiness(id: $id) { status } }",
        {"id": "QnVzaW5lc3M6eDp4"},
    ),
    "createConnectLink": ("mutation { createConnectLink { url } }", {}),
}


async def create_key(
    http: httpx.AsyncClient, server: LiveServer, tenant: str, scope: str
) -> dict[str, Any]:
    response = await http.post(
        f"{server.url}/admin/tenants/{tenant}/api-keys",
        json={"scope": scope, "name": f"{scope} job"},
        headers=ADMIN,
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def revoke(http: httpx.AsyncClient, server: LiveServer, tenant: str, prefix: str) -> None:
    response = await http.post(
        f"{server.url}/admin/tenants/{tenant}/api-keys/{prefix}/revoke", headers=ADMIN
    )
    assert response.status_code == 200, response.text


async def sage_writes(http: httpx.AsyncClient, sandbox: RunningSandbox) -> int:
    stats = await sage_stats(http, sandbox)
    return sum(
        n
        for route, n in stats["requests"].items()
        if route.split(" ")[0] in {"POST", "PUT", "DELETE"} and " /v3.1/" in route
    )


async def test_a_key_is_shown_once_and_stored_only_as_a_digest(
    admin_server: LiveServer, http: httpx.AsyncClient, store: RedisStore
) -> None:
    created = await create_key(http, admin_server, "acme", "read")
    listed = await http.get(f"{admin_server.url}/admin/tenants/acme/api-keys", headers=ADMIN)
    record = await store.kv.get_versioned(keys.api_key(created["prefix"]))

    key = created["key"]
    assert key.startswith(f"lgk_{created['prefix']}_")
    assert listed.headers["Cache-Control"] == "no-store"
    [shown] = listed.json()["apiKeys"]
    assert shown == {k: v for k, v in created.items() if k != "key"}
    assert shown["scope"] == "read"
    assert shown["status"] == "active"
    assert key.split("_", 2)[2] not in listed.text
    assert record is not None
    assert key.encode() not in record.value
    assert key.split("_", 2)[2].encode() not in record.value


@pytest.mark.parametrize("scope", ["read", "write"])
async def test_queries_run_with_a_key_of_either_scope(
    admin_server: LiveServer, http: httpx.AsyncClient, tenant: Tenant, scope: str
) -> None:
    key = (await create_key(http, admin_server, "acme", scope))["key"]

    answer = await post(http, admin_server, CONNECTION, token=key)

    assert answer.status == 200, answer.body
    assert answer.body["data"]["connection"]["business"]["remoteId"] == tenant.business_id


@pytest.mark.parametrize(("query", "variables"), MUTATIONS.values(), ids=MUTATIONS)
async def test_a_read_key_runs_no_mutation_at_all(
    admin_server: LiveServer,
    http: httpx.AsyncClient,
    sandbox: RunningSandbox,
    tenant: Tenant,
    query: str,
    variables: dict[str, Any],
) -> None:
    key = (await create_key(http, admin_server, "acme", "read"))["key"]
    writes = await sage_writes(http, sandbox)

    answer = await post(http, admin_server, query, variables, token=key)
    after = await post(http, admin_server, CONNECTION, token=tenant.token)

    assert answer.codes == ["INSUFFICIENT_SCOPE"], answer.body
    assert answer.body["data"] is None
    assert await sage_writes(http, sandbox) == writes
    assert after.body["data"]["connection"]["status"] == "CONNECTED"


async def test_a_write_key_runs_mutations(
    admin_server: LiveServer, http: httpx.AsyncClient, sandbox: RunningSandbox, tenant: Tenant
) -> None:
    key = (await create_key(http, admin_server, "acme", "write"))["key"]
    writes = await sage_writes(http, sandbox)

    answer = await post(http, admin_server, CREATE_CONTACT, {"key": "write-key-1"}, token=key)

    assert answer.body.get("errors") is None, answer.body
    assert answer.body["data"]["createContact"]["name"] == "Keyed Ltd"
    assert await sage_writes(http, sandbox) == writes + 1


async def test_subscriptions_authenticate_with_a_key_in_connection_init(
    admin_server: LiveServer, http: httpx.AsyncClient, events: EventLog, tenant: Tenant
) -> None:
    key = (await create_key(http, admin_server, "acme", "read"))["key"]

    async with GraphQLWebSocket.open(admin_server.url, token=key) as socket:
        operation = await socket.subscribe(SUBSCRIPTION)
        await until_live(operation, events, "acme")
        mutation = await socket.subscribe(CREATE_CONTACT, {"key": "over-ws"})
        try:
            result = await mutation.next()
            codes = [e["extensions"]["code"] for e in result.get("errors") or ()]
        except OperationFailed as failed:
            codes = failed.codes

    assert codes == ["INSUFFICIENT_SCOPE"]


WRONG = {
    "unknown-prefix": lambda key: "lgk_zzzzzzzz_" + key.split("_", 2)[2],
    "wrong-secret": lambda key: key[:-4] + ("aaaa" if not key.endswith("aaaa") else "bbbb"),
    "malformed": lambda key: key + "!",
    "truncated": lambda key: key[:20],
}


@pytest.mark.parametrize("change", WRONG.values(), ids=WRONG)
async def test_a_wrong_key_is_unauthenticated(
    admin_server: LiveServer, http: httpx.AsyncClient, change: Any
) -> None:
    key = (await create_key(http, admin_server, "acme", "write"))["key"]

    answer = await post(http, admin_server, CONNECTION, token=change(key))

    assert answer.status == 401
    assert answer.codes == ["UNAUTHENTICATED"]


async def test_last_use_is_recorded(
    admin_server: LiveServer, http: httpx.AsyncClient, tenant: Tenant
) -> None:
    created = await create_key(http, admin_server, "acme", "read")
    assert created["lastUsedAt"] is None

    await post(http, admin_server, CONNECTION, token=created["key"])
    listed = await http.get(f"{admin_server.url}/admin/tenants/acme/api-keys", headers=ADMIN)

    assert listed.json()["apiKeys"][0]["lastUsedAt"] is not None


async def test_rotation_keeps_the_old_key_working_for_its_grace_period(
    admin_server: LiveServer, http: httpx.AsyncClient, tenant: Tenant
) -> None:
    old = await create_key(http, admin_server, "acme", "write")
    url = f"{admin_server.url}/admin/tenants/acme/api-keys/{old['prefix']}/rotate"

    graced = (await http.post(url, json={"graceSeconds": 600}, headers=ADMIN)).json()
    both = [
        await post(http, admin_server, CONNECTION, token=k) for k in (old["key"], graced["key"])
    ]
    again = (await http.post(url, json={"graceSeconds": 0}, headers=ADMIN)).json()
    after = await post(http, admin_server, CONNECTION, token=old["key"])

    assert graced["scope"] == "write"
    assert graced["replaces"] == old["prefix"]
    assert [a.status for a in both] == [200, 200]
    assert "key" in again
    assert after.status == 401
    assert after.codes == ["API_KEY_REVOKED"]


@pytest.mark.parametrize(
    ("body", "status"),
    [({"scope": "admin"}, 400), ({"scope": "read", "name": 7}, 400), ([1], 400)],
    ids=["unknown-scope", "name-not-string", "not-an-object"],
)
async def test_creating_a_key_refuses_bad_input(
    admin_server: LiveServer, http: httpx.AsyncClient, body: Any, status: int
) -> None:
    response = await http.post(
        f"{admin_server.url}/admin/tenants/acme/api-keys", json=body, headers=ADMIN
    )

    assert response.status_code == status
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_one_tenant_cannot_revoke_or_list_another_tenants_keys(
    admin_server: LiveServer, http: httpx.AsyncClient
) -> None:
    created = await create_key(http, admin_server, "acme", "read")

    revoked = await http.post(
        f"{admin_server.url}/admin/tenants/beta/api-keys/{created['prefix']}/revoke",
        headers=ADMIN,
    )
    listed = await http.get(f"{admin_server.url}/admin/tenants/beta/api-keys", headers=ADMIN)

    assert revoked.status_code == 404
    assert listed.json() == {"apiKeys": []}


async def test_a_revoked_key_is_refused_at_once_by_every_worker(
    sandbox: RunningSandbox, redis_url: str, key_prefix: str, http: httpx.AsyncClient
) -> None:
    async with (
        server_process(
            sandbox, redis_url=redis_url, prefix=key_prefix, LEDGERGRAPH_ADMIN_API_KEY=ADMIN_KEY
        ) as first,
        server_process(
            sandbox, redis_url=redis_url, prefix=key_prefix, LEDGERGRAPH_ADMIN_API_KEY=ADMIN_KEY
        ) as second,
    ):
        created = await create_key(http, first, "acme", "read")
        before = [await post(http, s, CONNECTION, token=created["key"]) for s in (first, second)]

        await revoke(http, first, "acme", created["prefix"])
        after = [await post(http, s, CONNECTION, token=created["key"]) for s in (second, first)]
        with pytest.raises(ConnectionRefused) as socket_refused:
            async with GraphQLWebSocket.open(second.url, token=created["key"]):
                pass

    assert [a.status for a in before] == [200, 200]
    assert [a.status for a in after] == [401, 401]
    assert [a.codes for a in after] == [["API_KEY_REVOKED"]] * 2
    assert socket_refused.value.code == 4403


async def test_the_cli_creates_lists_and_revokes_keys_in_the_servers_redis(
    server: LiveServer, http: httpx.AsyncClient, redis_url: str, key_prefix: str
) -> None:
    env = {"LEDGERGRAPH_REDIS_URL": redis_url, "LEDGERGRAPH_STORE_PREFIX": key_prefix}

    code, key, _ = await run_cli(env, "api-keys", "create", "--tenant", "acme", "--scope", "read")
    key = key.strip()
    prefix = key.split("_")[1]
    works = await post(http, server, CONNECTION, token=key)
    _, listing, _ = await run_cli(env, "api-keys", "list", "--tenant", "acme")
    revoked_code, _, _ = await run_cli(
        env, "api-keys", "revoke", "--tenant", "acme", "--prefix", prefix
    )
    refused = await post(http, server, CONNECTION, token=key)

    assert code == 0
    assert revoked_code == 0
    assert works.status == 200
    assert prefix in listing
    assert key.split("_", 2)[2] not in listing
    assert refused.codes == ["API_KEY_REVOKED"]


async def test_the_cli_refuses_without_the_servers_redis() -> None:
    env: dict[str, str | None] = {"LEDGERGRAPH_REDIS_URL": None}

    code, out, err = await run_cli(env, "api-keys", "list", "--tenant", "acme")

    assert code == 2
    assert out == ""
    assert "LEDGERGRAPH_REDIS_URL" in err
