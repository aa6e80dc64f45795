"""LedgerGraph run the way ``ledgergraph serve`` runs with no Sage credentials: the embedded
sandbox, the in-memory store, a development token and the demo tenant already connected."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from aiohttp import web

from ledgergraph.demo import DEMO_TENANT, connect_demo_tenant
from ledgergraph.http.keys import DEV_TOKEN, RUNTIME
from ledgergraph.runtime import Runtime
from ledgergraph.sandbox import SandboxConfig
from ledgergraph.server import create_app
from ledgergraph.settings import Settings
from tests.mutations.conftest import invoice_input
from tests.redis_server import free_port
from tests.support.server import ENCRYPTION_KEY, JWT_SECRET

CREATE_INVOICE = """mutation($key: String, $input: DocumentInput!) {
  createInvoice(idempotencyKey: $key, input: $input) {
    id number contactName totalAmount { amount currency } } }"""


@dataclass(frozen=True, slots=True)
class DevServer:
    url: str
    # The demo tenant's development token: what GraphiQL and the example page are given.
    dev_token: str
    runtime: Runtime

    def token(self, tenant: str) -> str:
        return self.runtime.authenticator.mint(tenant)

    async def graphql(
        self,
        http: httpx.AsyncClient,
        query: str,
        variables: Mapping[str, Any] | None = None,
        *,
        tenant: str = DEMO_TENANT,
    ) -> dict[str, Any]:
        response = await http.post(
            f"{self.url}/graphql",
            json={"query": query, "variables": dict(variables or {})},
            headers={"Authorization": f"Bearer {self.token(tenant)}"},
        )
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    async def create_invoice(self, http: httpx.AsyncClient, key: str) -> dict[str, Any]:
        """A new sales invoice in the demo tenant's books, created through GraphQL."""
        contacts = await self.graphql(
            http, "{ contacts(kind: CUSTOMER, first: 1) { nodes { id } } }"
        )
        created = await self.graphql(
            http,
            CREATE_INVOICE,
            {"key": key, "input": invoice_input(contacts["contacts"]["nodes"][0]["id"])},
        )
        invoice: dict[str, Any] = created["createInvoice"]
        return invoice


@asynccontextmanager
async def serve_in_sandbox_mode(**overrides: Any) -> AsyncIterator[DevServer]:
    port = free_port()
    settings = Settings(
        _env_file=None,
        host="127.0.0.1",
        port=port,
        sandbox=True,
        # Explicit secrets: the CLI would write a development secret under $HOME.
        jwt_secret=JWT_SECRET,
        token_encryption_keys=ENCRYPTION_KEY,
        retry_base_delay=0.01,
        **overrides,
    )
    sandbox = SandboxConfig(
        controls=True,
        scale=0.1,
        redirect_uris=(f"http://127.0.0.1:{port}/oauth/sage/callback",),
    )
    app = await create_app(settings, sandbox_config=sandbox)
    runner = web.AppRunner(app, shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        await connect_demo_tenant(app[RUNTIME])
        yield DevServer(
            url=f"http://127.0.0.1:{port}", dev_token=app[DEV_TOKEN], runtime=app[RUNTIME]
        )
    finally:
        await runner.cleanup()
