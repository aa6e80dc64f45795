"""The Sage passthrough: Sage's own answers for one tenant's connection, never another host,
path or tenant; writes only with the write scope and an idempotency key; every call within
the Sage budget and in the audit log."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from ledgergraph.cache import RedisStore, keys
from ledgergraph.ids import encode
from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import SOLO_USER_ID
from ledgergraph.types import TenantId
from tests.security.helpers import ADMIN, ADMIN_KEY, Tenant, connect_tenant, sage_api_calls
from tests.security.test_api_keys import create_key
from tests.support.server import LiveServer, serve_ledgergraph

pytestmark = pytest.mark.redis

CONTACT = {"contact": {"name": "Passthrough Ltd", "contact_type_ids": ["CUSTOMER"]}}


@pytest.fixture
async def read_key(admin_server: LiveServer, http: httpx.AsyncClient, tenant: Tenant) -> str:
    key: str = (await create_key(http, admin_server, tenant.name, "read"))["key"]
    return key


@pytest.fixture
async def write_key(admin_server: LiveServer, http: httpx.AsyncClient, tenant: Tenant) -> str:
    key: str = (await create_key(http, admin_server, tenant.name, "write"))["key"]
    return key


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def sage_directly(
    http: httpx.AsyncClient, server: LiveServer, tenant: Tenant, path: str, **params: Any
) -> Any:
    """What Sage answers the tenant's own token, LedgerGraph not involved."""
    assert server.runtime is not None
    token = await server.runtime.tokens.access_token(TenantId(tenant.name))
    response = await http.get(
        f"{server.sandbox.api_url}{path}",
        params=params,
        headers={"Authorization": f"Bearer {token}", "X-Business": tenant.business_id},
    )
    assert response.status_code == 200, response.text
    return response.json()


async def raw_get(url: str, target: str, headers: dict[str, str]) -> tuple[int, Any]:
    """A request whose target goes out byte for byte (HTTP clients normalise ``..``)."""
    parts = urlsplit(url)
    assert parts.hostname is not None
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    writer.write(
        f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n{head}Connection: close\r\n\r\n".encode()
    )
    await writer.drain()
    data = await reader.read()
    writer.close()
    await writer.wait_closed()
    status_line, _, rest = data.partition(b"\r\n")
    body = rest.partition(b"\r\n\r\n")[2]
    return int(status_line.split()[1]), httpx.Response(200, content=body).json()


@pytest.mark.parametrize("via", ["api-key", "admin"])
async def test_a_read_returns_sages_own_payload(
    admin_server: LiveServer, http: httpx.AsyncClient, tenant: Tenant, read_key: str, via: str
) -> None:
    if via == "api-key":
        url, headers = f"{admin_server.url}/sage/contacts", bearer(read_key)
    else:
        url, headers = f"{admin_server.url}/admin/tenants/acme/sage/contacts", ADMIN
    params = {"items_per_page": "3", "page": "2"}

    listed = await http.get(url, params=params, headers=headers)
    direct = await sage_directly(http, admin_server, tenant, "/contacts", **params)
    first = direct["$items"][0]["id"]
    one = await http.get(f"{url}/{first}", headers=headers)

    assert listed.status_code == 200
    assert listed.headers["Cache-Control"] == "no-store"
    assert listed.json() == direct
    assert one.json() == await sage_directly(http, admin_server, tenant, f"/contacts/{first}")


async def test_sage_errors_come_back_as_sage_sent_them(
    admin_server: LiveServer, http: httpx.AsyncClient, tenant: Tenant, read_key: str
) -> None:
    response = await http.get(
        f"{admin_server.url}/sage/contacts/{'0' * 32}", headers=bearer(read_key)
    )

    assert response.status_code == 404
    assert response.json()[0]["$dataCode"] == "RecordNotFound"


async def test_a_business_is_chosen_by_its_id_and_another_tenants_is_refused(
    admin_server: LiveServer,
    http: httpx.AsyncClient,
    sandbox: RunningSandbox,
    tenant: Tenant,
    read_key: str,
) -> None:
    own = encode("Business", tenant.business_id, tenant.business_id)
    theirs = next(b for b in sandbox.world.businesses if b != tenant.business_id)
    url = f"{admin_server.url}/sage/financial_settings"

    by_global_id = await http.get(url, params={"business": own}, headers=bearer(read_key))
    by_raw_id = await http.get(url, params={"business": theirs}, headers=bearer(read_key))
    calls_before = await sage_api_calls(http, sandbox)
    other = await http.get(
        url, params={"business": encode("Business", theirs, theirs)}, headers=bearer(read_key)
    )

    assert by_global_id.status_code == 200
    assert by_raw_id.status_code == 403
    assert other.status_code == 403
    assert other.json()["errors"][0]["extensions"]["code"] == "BUSINESS_UNAVAILABLE"
    stats = (await http.get(f"{sandbox.url}/__sandbox/stats")).json()
    assert theirs not in stats["businesses"]
    # Only the tenant's own business list was read to check.
    assert await sage_api_calls(http, sandbox) == calls_before + 1


REFUSED_WRITES = {
    "read-key": ("read", {"Idempotency-Key": "k-1"}, 403, "INSUFFICIENT_SCOPE"),
    "no-idempotency-key": ("write", {}, 400, "BAD_USER_INPUT"),
    "overlong-idempotency-key": ("write", {"Idempotency-Key": "k" * 300}, 400, "BAD_USER_INPUT"),
    "tenant-jwt": ("jwt", {"Idempotency-Key": "k-1"}, 403, "INSUFFICIENT_SCOPE"),
}


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
@pytest.mark.parametrize(
    ("credential", "headers", "status", "code"), REFUSED_WRITES.values(), ids=REFUSED_WRITES
)
async def test_a_write_without_scope_or_key_is_refused_before_anything_is_sent(
    admin_server: LiveServer,
    http: httpx.AsyncClient,
    sandbox: RunningSandbox,
    tenant: Tenant,
    read_key: str,
    write_key: str,
    method: str,
    credential: str,
    headers: dict[str, str],
    status: int,
    code: str,
) -> None:
    token = {"read": read_key, "write": write_key, "jwt": tenant.token}[credential]
    path = "contacts" if method == "POST" else f"contacts/{'a' * 32}"
    calls = await sage_api_calls(http, sandbox)

    response = await http.request(
        method,
        f"{admin_server.url}/sage/{path}",
        json=CONTACT if method != "DELETE" else None,
        headers=bearer(token) | headers,
    )

    assert response.status_code == status
    assert response.json()["errors"][0]["extensions"]["code"] == code
    assert await sage_api_calls(http, sandbox) == calls


async def test_a_retried_write_creates_one_object(
    admin_server: LiveServer,
    http: httpx.AsyncClient,
    sandbox: RunningSandbox,
    store: RedisStore,
    tenant: Tenant,
    write_key: str,
) -> None:
    url = f"{admin_server.url}/sage/contacts"
    headers = bearer(write_key) | {"Idempotency-Key": "create-passthrough-1"}
    before = (await sage_directly(http, admin_server, tenant, "/contacts"))["$total"]

    first = await http.post(url, json=CONTACT, headers=headers)
    replayed = await http.post(url, json=CONTACT, headers=headers)
    # Even with LedgerGraph's record of the key gone, Sage's idempotency_id catches the retry.
    digest = hashlib.sha256(b"create-passthrough-1").hexdigest()[:40]
    await store.kv.delete(keys.idempotency("acme", digest))
    resent = await http.post(url, json=CONTACT, headers=headers)
    reused = await http.post(
        url, json={"contact": {**CONTACT["contact"], "name": "Other"}}, headers=headers
    )
    after = (await sage_directly(http, admin_server, tenant, "/contacts"))["$total"]

    assert first.status_code == 201, first.text
    assert replayed.headers.get("Idempotent-Replay") == "true"
    assert replayed.json() == first.json()
    assert resent.json()["id"] == first.json()["id"]
    assert reused.status_code == 409
    assert reused.json()["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert after == before + 1
    stats = (await http.get(f"{sandbox.url}/__sandbox/stats")).json()
    assert stats["requests"]["POST /v3.1/contacts"] == 2


async def test_an_operator_writes_with_the_admin_key(
    admin_server: LiveServer, http: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await http.post(
        f"{admin_server.url}/admin/tenants/acme/sage/contacts",
        json=CONTACT,
        headers=ADMIN | {"Idempotency-Key": "operator-1"},
    )

    assert response.status_code == 201, response.text
    assert response.json()["name"] == "Passthrough Ltd"


BAD_BODIES = {
    "not-json": b"{nope",
    "no-root": b'{"name": "x", "contact_type_ids": ["CUSTOMER"]}',
    "own-idempotency-id": b'{"contact": {"name": "x", "idempotency_id": "' + b"a" * 32 + b'"}}',
    "list": b"[1]",
}


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES)
async def test_write_bodies_must_have_sages_shape(
    admin_server: LiveServer,
    http: httpx.AsyncClient,
    sandbox: RunningSandbox,
    tenant: Tenant,
    write_key: str,
    body: bytes,
) -> None:
    calls = await sage_api_calls(http, sandbox)

    response = await http.post(
        f"{admin_server.url}/sage/contacts",
        content=body,
        headers=bearer(write_key) | {"Idempotency-Key": "body-1"},
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert await sage_api_calls(http, sandbox) == calls


ESCAPES = [
    "../admin/tenants",
    "contacts/../../admin/tenants",
    "%2e%2e/admin/tenants",
    "..%2fadmin",
    "contacts/%2e%2e",
    "contacts%2f..%2f..%2fuser",
    "./contacts",
    "http://evil.example/",
    "http:%2f%2fevil.example",
    "/evil.example/contacts",
    "//evil.example",
    "contacts//x",
    "contacts\\..\\user",
    "contacts%5cx",
    "contacts%00",
    "@evil.example/contacts",
    "businesses",
    "user",
    "contactsx",
    "unknown_resource",
    "",
]


@pytest.mark.parametrize("route", ["tenant", "admin"])
@pytest.mark.parametrize("path", ESCAPES)
async def test_paths_that_could_reach_anything_else_are_refused(
    admin_server: LiveServer,
    http: httpx.AsyncClient,
    sandbox: RunningSandbox,
    tenant: Tenant,
    read_key: str,
    route: str,
    path: str,
) -> None:
    calls = await sage_api_calls(http, sandbox)
    if route == "tenant":
        target, headers = f"/sage/{path}", bearer(read_key)
    else:
        target, headers = f"/admin/tenants/acme/sage/{path}", ADMIN

    status, body = await raw_get(admin_server.url, target, headers)

    assert status == 400
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert await sage_api_calls(http, sandbox) == calls


@pytest.mark.parametrize(
    "query",
    ["access_token=x", "X-Business=abc", "business_id=abc", "a%0d%0aHost:evil=1", "business=../x"],
)
async def test_query_parameters_cannot_carry_credentials_or_another_business(
    admin_server: LiveServer,
    http: httpx.AsyncClient,
    sandbox: RunningSandbox,
    tenant: Tenant,
    read_key: str,
    query: str,
) -> None:
    calls = await sage_api_calls(http, sandbox)

    status, body = await raw_get(admin_server.url, f"/sage/contacts?{query}", bearer(read_key))

    assert status == 400
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert await sage_api_calls(http, sandbox) == calls


async def test_every_call_spends_from_the_sage_budget(
    sandbox: RunningSandbox, redis_url: str, key_prefix: str, http: httpx.AsyncClient
) -> None:
    async with serve_ledgergraph(
        sandbox,
        redis_url=redis_url,
        prefix=key_prefix,
        admin_api_key=ADMIN_KEY,
        sage_budget_per_minute=6,
    ) as server:
        await connect_tenant(http, server, "acme", user_id=SOLO_USER_ID)
        key = (await create_key(http, server, "acme", "read"))["key"]
        statuses = [
            (await http.get(f"{server.url}/sage/tax_rates", headers=bearer(key))).status_code
            for _ in range(8)
        ]
        refused = await http.get(f"{server.url}/sage/tax_rates", headers=bearer(key))

    stats = (await http.get(f"{sandbox.url}/__sandbox/stats")).json()
    assert 429 in statuses
    assert stats["requests"].get("GET /v3.1/tax_rates", 0) == statuses.count(200)
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["extensions"]["budget"] == "upstream"
    assert "Retry-After" in refused.headers


async def test_every_call_is_audited_without_query_values(
    admin_server: LiveServer,
    http: httpx.AsyncClient,
    tenant: Tenant,
    read_key: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    prefix = read_key.split("_")[1]
    with caplog.at_level(logging.INFO, logger="ledgergraph.audit"):
        await http.get(
            f"{admin_server.url}/sage/contacts",
            params={"search": "private-value"},
            headers=bearer(read_key),
        )
        await http.post(f"{admin_server.url}/sage/contacts", headers=bearer(read_key))

    lines = [r.getMessage() for r in caplog.records if r.name == "ledgergraph.audit"]
    assert len(lines) == 2
    assert all(f"api-key:{prefix}" in line and "tenant=acme" in line for line in lines)
    assert "GET /contacts" in lines[0]
    assert "status=200" in lines[0]
    assert "POST /contacts" in lines[1]
    assert "status=403" in lines[1]
    assert "private-value" not in caplog.text
    assert read_key.split("_", 2)[2] not in caplog.text
