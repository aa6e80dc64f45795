"""One transport for every Sage call: reads, writes, the passthrough and the sync poller share
the Sage budget, the one refresh after a 401 and the retries that cannot duplicate a write."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from ledgergraph.errors import UpstreamUnavailable
from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import SOLO_USER_ID
from ledgergraph.types import TenantId
from tests.security.helpers import ADMIN, ADMIN_KEY
from tests.support.fixtures import server_fixture
from tests.support.server import LiveServer, serve_ledgergraph
from tests.support.tenants import connect_tenant
from tests.support.ws import GraphQLWebSocket
from tests.sync.helpers import POLL_INTERVAL, SUBSCRIPTION, SYNC_SETTINGS, polling_requests

pytestmark = pytest.mark.redis

DROPPED_POST = {"commit_then_drop": {"method": "POST", "path": "/v3.1/contacts"}}
REFUSED_POST = {"fail": {"method": "POST", "path": "/v3.1/contacts", "status": 503}}


async def _stats(http: httpx.AsyncClient, sandbox: RunningSandbox) -> dict[str, Any]:
    stats: dict[str, Any] = (await http.get(f"{sandbox.url}/__sandbox/stats")).json()
    return stats


async def _fault(http: httpx.AsyncClient, sandbox: RunningSandbox, fault: dict[str, Any]) -> None:
    await http.delete(f"{sandbox.url}/__sandbox/faults")
    assert (await http.post(f"{sandbox.url}/__sandbox/faults", json=fault)).status_code == 200


def _contacts_named(sandbox: RunningSandbox, business: str, name: str) -> int:
    contacts = sandbox.world.businesses[business].books.contacts.values()
    return sum(1 for c in contacts if c.name == name)


admin_server = server_fixture(name="admin_server", admin_api_key=ADMIN_KEY)


@pytest.mark.parametrize("fault", [REFUSED_POST, DROPPED_POST], ids=["503", "commit-then-drop"])
async def test_a_passthrough_write_is_retried_with_the_same_idempotency_id(
    admin_server: LiveServer, http: httpx.AsyncClient, fault: dict[str, Any]
) -> None:
    tenant = await connect_tenant(http, admin_server, "acme", user_id=SOLO_USER_ID)
    sandbox = admin_server.sandbox
    name = f"Retried {uuid.uuid4().hex[:8]}"
    await _fault(http, sandbox, fault)
    await http.post(f"{sandbox.url}/__sandbox/stats/reset")

    answer = await http.post(
        f"{admin_server.url}/admin/tenants/acme/sage/contacts",
        json={"contact": {"name": name, "contact_type_ids": ["CUSTOMER"]}},
        headers={**ADMIN, "Idempotency-Key": uuid.uuid4().hex},
    )

    assert answer.status_code == 201, answer.text
    assert (await _stats(http, sandbox))["requests"]["POST /v3.1/contacts"] == 2
    # A dropped answer means the first attempt made the contact: the retry found it by its id.
    assert _contacts_named(sandbox, tenant.business_id, name) == 1


async def test_a_passthrough_delete_is_never_repeated_blindly(
    admin_server: LiveServer, http: httpx.AsyncClient
) -> None:
    tenant = await connect_tenant(http, admin_server, "acme", user_id=SOLO_USER_ID)
    sandbox = admin_server.sandbox
    contact = next(iter(sandbox.world.businesses[tenant.business_id].books.contacts))
    fault = {"fail": {"method": "DELETE", "path": "/v3.1/contacts/*", "status": 503}}
    await _fault(http, sandbox, fault)
    await http.post(f"{sandbox.url}/__sandbox/stats/reset")

    answer = await http.delete(
        f"{admin_server.url}/admin/tenants/acme/sage/contacts/{contact}",
        headers={**ADMIN, "Idempotency-Key": uuid.uuid4().hex},
    )

    assert answer.status_code == 503
    assert (await _stats(http, sandbox))["requests"]["DELETE /v3.1/contacts/{key}"] == 1


@pytest.mark.parametrize("via", ["writes", "passthrough"])
async def test_a_401_on_a_write_costs_one_refresh_and_one_retry(
    admin_server: LiveServer, http: httpx.AsyncClient, via: str
) -> None:
    tenant = await connect_tenant(http, admin_server, "acme", user_id=SOLO_USER_ID)
    sandbox = admin_server.sandbox
    runtime = admin_server.runtime
    assert runtime is not None
    name = f"After 401 {uuid.uuid4().hex[:8]}"
    await http.post(f"{sandbox.url}/__sandbox/stats/reset")
    await http.post(f"{sandbox.url}/__sandbox/expire-tokens")

    if via == "writes":
        await runtime.writes.write(
            "POST",
            TenantId("acme"),
            tenant.business_id,
            "/contacts",
            "contact",
            {"name": name, "contact_type_ids": ["CUSTOMER"]},
            idempotency_id=uuid.uuid4().hex,
        )
    else:
        answer = await http.post(
            f"{admin_server.url}/admin/tenants/acme/sage/contacts",
            json={"contact": {"name": name, "contact_type_ids": ["CUSTOMER"]}},
            headers={**ADMIN, "Idempotency-Key": uuid.uuid4().hex},
        )
        assert answer.status_code == 201, answer.text

    stats = await _stats(http, sandbox)
    assert stats["token_grants"] == {"refresh_token": 1}
    assert stats["requests"]["POST /v3.1/contacts"] == 2
    assert stats["statuses"].get("401") == 1
    assert _contacts_named(sandbox, tenant.business_id, name) == 1


async def test_a_write_whose_every_answer_was_lost_is_reported_ambiguous(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    tenant = await connect_tenant(http, server, "acme", user_id=SOLO_USER_ID)
    runtime = server.runtime
    assert runtime is not None
    attempts = runtime.writes.retry.attempts
    drop = {"commit_then_drop": {"method": "POST", "path": "/v3.1/contacts", "count": attempts}}
    await _fault(http, server.sandbox, drop)

    with pytest.raises(UpstreamUnavailable) as lost:
        await runtime.writes.write(
            "POST",
            TenantId("acme"),
            tenant.business_id,
            "/contacts",
            "contact",
            {"name": "Maybe written", "contact_type_ids": ["CUSTOMER"]},
            idempotency_id=uuid.uuid4().hex,
        )

    assert lost.value.extra["ambiguous"] is True
    assert (await _stats(http, server.sandbox))["dropped"] == attempts
    assert _contacts_named(server.sandbox, tenant.business_id, "Maybe written") == 1


async def test_the_sync_poller_spends_from_the_sage_budget(
    sandbox: RunningSandbox, redis_url: str, key_prefix: str, http: httpx.AsyncClient
) -> None:
    budget = 6
    async with serve_ledgergraph(
        sandbox,
        redis_url=redis_url,
        prefix=key_prefix,
        sage_budget_per_minute=budget,
        **SYNC_SETTINGS,
    ) as server:
        tenant = await connect_tenant(http, server, "acme", user_id=SOLO_USER_ID)
        await http.post(f"{sandbox.url}/__sandbox/stats/reset")
        async with GraphQLWebSocket.open(server.url, token=tenant.token) as socket:
            await socket.subscribe(SUBSCRIPTION, {"types": ["CONTACT"]})
            # Unbudgeted, the poller would ask Sage twice per interval all along.
            await asyncio.sleep(4 * budget * POLL_INTERVAL)
            polled = await polling_requests(http, sandbox)
            read = await server.graphql(http, "acme", "{ contacts(first: 1) { totalCount } }")

    assert 0 < polled <= budget
    assert read["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert read["errors"][0]["extensions"]["budget"] == "upstream"
