"""Connect the demo tenant to the embedded sandbox at start-up, so a newcomer's first query
in GraphiQL returns data without a trip through the consent pages."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from ledgergraph.connectors.sage.connections import Connection
from ledgergraph.runtime import Runtime
from ledgergraph.types import ConnectionStatus, TenantId

DEMO_TENANT = TenantId("demo")


async def connect_demo_tenant(runtime: Runtime, *, tenant: TenantId = DEMO_TENANT) -> Connection:
    """Run the real connect flow against the sandbox, approving consent as its demo user."""
    existing = await runtime.connections.get(tenant)
    if existing is not None and existing.status is ConnectionStatus.CONNECTED:
        return existing
    authorize_url = await runtime.connect.start(tenant)
    parts = urlsplit(authorize_url)
    form = dict(parse_qsl(parts.query)) | {"approve": "yes"}
    consent = await runtime.http.post(
        f"{parts.scheme}://{parts.netloc}{parts.path}", data=form, follow_redirects=False
    )
    callback = dict(parse_qsl(urlsplit(consent.headers["Location"]).query))
    result = await runtime.connect.complete(
        state=callback.get("state"), code=callback.get("code"), error=callback.get("error")
    )
    if not result.needs_choice:
        return result.connection
    # The demo user has a business in every country; start on the British one.
    preferred = next(
        (b for b in result.connection.available if "GB" in b.name or "Ltd" in b.name),
        result.connection.available[0],
    )
    return await runtime.connect.select(tenant, preferred.id)
