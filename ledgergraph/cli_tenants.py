"""``ledgergraph tenants list|show|disconnect``: the tenants in the server's Redis and their
Sage connections, one JSON object per line (the shape of ``GET /admin/tenants``)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

__all__ = ["add_parser", "run"]

NO_REDIS = (
    "LEDGERGRAPH_REDIS_URL is not set: without Redis the server keeps its tenants in its own "
    "memory, which this command cannot reach. Set LEDGERGRAPH_REDIS_URL (as the server has "
    "it), or ask the running server: GET /admin/tenants with LEDGERGRAPH_ADMIN_API_KEY."
)


def add_parser(commands: Any) -> None:
    tenants = commands.add_parser(
        "tenants",
        help="list tenants, show one, or disconnect one from Sage",
        description="The tenants that connected to Sage and their connections, from the store "
        "the server uses (LEDGERGRAPH_REDIS_URL). One JSON object per line.",
    )
    actions = tenants.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="every tenant and its connection status")
    show = actions.add_parser("show", help="one tenant's connection")
    show.add_argument("tenant", help="the tenant id")
    disconnect = actions.add_parser(
        "disconnect", help="forget the tenant's Sage tokens (revoked at Sage when possible)"
    )
    disconnect.add_argument("tenant", help="the tenant id")


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))


def describe(connection: Any) -> dict[str, Any]:
    business = connection.business
    return {
        "tenant": connection.tenant,
        "status": connection.status.value,
        "business": None
        if business is None
        else {"remoteId": business.id, "name": business.name, "countryCode": business.country_code},
        "availableBusinesses": len(connection.available),
        "reason": connection.reason,
        "updatedAt": connection.updated_at or None,
    }


async def _run(args: argparse.Namespace) -> int:
    from ledgergraph.auth import TENANT_ID
    from ledgergraph.cache import StoreError
    from ledgergraph.runtime import open_for_operator
    from ledgergraph.settings import Settings
    from ledgergraph.types import TenantId

    settings = Settings()
    if not settings.redis_url:
        print(NO_REDIS, file=sys.stderr)
        return 2
    tenant = getattr(args, "tenant", None)
    if tenant is not None and not TENANT_ID.match(tenant):
        print(f"{tenant!r} is not a tenant id.", file=sys.stderr)
        return 2
    try:
        runtime = await open_for_operator(settings)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    try:
        if args.action == "list":
            for name in sorted(await runtime.connections.tenants()):
                connection = await runtime.connections.get(name)
                if connection is not None:
                    print(json.dumps(describe(connection)))
            return 0
        connection = await runtime.connections.get(TenantId(tenant or ""))
        if connection is None:
            print(
                f"No tenant {tenant!r} has connected (see `ledgergraph tenants list`).",
                file=sys.stderr,
            )
            return 1
        if args.action == "disconnect":
            connection = await runtime.connect.disconnect(TenantId(tenant or ""))
        print(json.dumps(describe(connection)))
        return 0
    except StoreError as exc:
        print(f"Could not reach Redis ({exc}); is LEDGERGRAPH_REDIS_URL right?", file=sys.stderr)
        return 1
    finally:
        await runtime.aclose()
