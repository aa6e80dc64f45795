"""Two tenants on two different Sage users: ``acme`` (one British business) and ``beta`` (the
demo user's businesses, on its British one). Neither can reach the other's books in Sage."""

from __future__ import annotations

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import DEMO_USER_ID, SOLO_USER_ID
from tests.security.helpers import ADMIN_KEY
from tests.support.fixtures import (
    events_fixture,
    http_fixture,
    sandbox_fixture,
    server_fixture,
    store_fixture,
    tenant_fixture,
)
from tests.support.server import LiveServer
from tests.support.tenants import Tenant, connect_tenant

sandbox = sandbox_fixture(scale=0.2)
http = http_fixture()
server = server_fixture()
store = store_fixture()
events = events_fixture()


acme = tenant_fixture("acme", user_id=SOLO_USER_ID)


@pytest.fixture
async def beta(server: LiveServer, http: httpx.AsyncClient, sandbox: RunningSandbox) -> Tenant:
    british = next(
        b.id
        for b in sandbox.world.businesses.values()
        if b.country_code == "GB" and b.id in sandbox.world.users[DEMO_USER_ID].business_ids
    )
    return await connect_tenant(http, server, "beta", user_id=DEMO_USER_ID, choose=british)


# A server with the admin API on (ADMIN_KEY).
admin_server = server_fixture(name="admin_server", admin_api_key=ADMIN_KEY)


@pytest.fixture
async def tenant(admin_server: LiveServer, http: httpx.AsyncClient) -> Tenant:
    """``acme`` connected through the admin server."""
    return await connect_tenant(http, admin_server, "acme", user_id=SOLO_USER_ID)
