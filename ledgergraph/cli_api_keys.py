"""``ledgergraph api-keys create|list|revoke|rotate``: tenant API keys, in the server's Redis.

The key itself is printed once (stdout) by ``create`` and ``rotate``; everything else goes to
stderr or is a listing without secrets.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(commands: Any) -> None:
    keys = commands.add_parser(
        "api-keys",
        help="create, list, revoke or rotate a tenant's API keys",
        description="Tenant API keys for server-to-server callers (Authorization: Bearer "
        "lgk_...). Needs the store the server uses (LEDGERGRAPH_REDIS_URL).",
    )
    actions = keys.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="make a key; it is printed this once")
    create.add_argument("--tenant", required=True, help="the tenant id")
    create.add_argument(
        "--scope", choices=["read", "write"], required=True, help="write also runs mutations"
    )
    create.add_argument("--name", help="what the key is for (shown in lists)")
    listing = actions.add_parser("list", help="the tenant's keys (prefixes, never secrets)")
    listing.add_argument("--tenant", required=True, help="the tenant id")
    revoke = actions.add_parser("revoke", help="refuse the key from the next request on")
    revoke.add_argument("--tenant", required=True, help="the tenant id")
    revoke.add_argument("--prefix", required=True, help="the 8 characters after lgk_")
    rotate = actions.add_parser("rotate", help="a new key; the old one keeps working --grace s")
    rotate.add_argument("--tenant", required=True, help="the tenant id")
    rotate.add_argument("--prefix", required=True, help="the 8 characters after lgk_")
    rotate.add_argument("--grace", type=float, default=86400.0, help="seconds (default 86400)")


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))


async def _run(args: argparse.Namespace) -> int:
    from ledgergraph.auth import TENANT_ID, Scope
    from ledgergraph.cache import StoreError, open_store
    from ledgergraph.errors import LedgerGraphError
    from ledgergraph.security.api_keys import ApiKeys
    from ledgergraph.settings import Settings
    from ledgergraph.types import TenantId

    settings = Settings()
    if not settings.redis_url:
        print(
            "LEDGERGRAPH_REDIS_URL is not set: without Redis the server keeps API keys in its "
            "own memory, which this command cannot reach. Set LEDGERGRAPH_REDIS_URL (as the "
            "server has it), or ask the running server: POST /admin/tenants/<tenant>/api-keys "
            "with LEDGERGRAPH_ADMIN_API_KEY.",
            file=sys.stderr,
        )
        return 2
    if not TENANT_ID.match(args.tenant):
        print(f"{args.tenant!r} is not a tenant id.", file=sys.stderr)
        return 2
    tenant = TenantId(args.tenant)
    store = open_store(settings.redis_url, prefix=settings.store_prefix)
    api_keys = ApiKeys(store.kv)
    try:
        if args.action == "create":
            key, record = await api_keys.create(tenant, Scope(args.scope), name=args.name)
            print(key)
            print(f"prefix {record.prefix}, scope {record.scope}: shown once", file=sys.stderr)
        elif args.action == "rotate":
            key, record = await api_keys.rotate(tenant, args.prefix, grace=args.grace)
            print(key)
            print(
                f"prefix {record.prefix} replaces {args.prefix}, which works {args.grace:g} s more",
                file=sys.stderr,
            )
        elif args.action == "revoke":
            revoked = await api_keys.revoke(tenant, args.prefix)
            print(json.dumps(revoked.describe(time.time())))
        else:
            now = time.time()
            for found in await api_keys.for_tenant(tenant):
                print(json.dumps(found.describe(now)))
    except LedgerGraphError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    except StoreError as exc:
        print(f"Could not reach Redis ({exc}); is LEDGERGRAPH_REDIS_URL right?", file=sys.stderr)
        return 1
    finally:
        await store.aclose()
    return 0
