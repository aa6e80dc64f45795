"""Test-only controls under ``/__sandbox/``: faults, token expiry, lead business, access, stats."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from ledgergraph.sandbox.books import DEMO_USER_ID
from ledgergraph.sandbox.keys import FAULTS, STATS, TOKENS, WORLD

PREFIX = "/__sandbox"

_INDEX = {
    "GET /__sandbox/": "this index",
    "GET /__sandbox/faults": "the active faults",
    "POST /__sandbox/faults": (
        'add faults: {"latency_ms": 50}, '
        '{"fail": {"method": "POST", "path": "/v3.1/sales_invoices*", "status": 503, "count": 2}}, '
        '{"commit_then_drop": {"method": "POST", "path": "/v3.1/contacts", "count": 1}}'
    ),
    "DELETE /__sandbox/faults": "clear every fault",
    "POST /__sandbox/expire-tokens": "expire every access token now (refresh tokens stay valid)",
    "POST /__sandbox/lead-business": '{"business_id": "...", "user_id": "... (default: demo)"}',
    "DELETE /__sandbox/users/{user_id}/businesses/{business_id}": "remove the user's access",
    "PUT /__sandbox/users/{user_id}/businesses/{business_id}": "restore the user's access",
    "GET /__sandbox/stats": "counters of grants and API requests",
    "POST /__sandbox/stats/reset": "zero the counters",
    "* /__sandbox/businesses/{business_id}/{resource}[/{id}]": "edit a business's books directly",
}


def _error(kind: type[web.HTTPException], message: str) -> web.HTTPException:
    return kind(text=json.dumps({"error": message}), content_type="application/json")


async def _json_body(request: web.Request) -> Any:
    try:
        return await request.json()
    except ValueError:
        raise _error(web.HTTPBadRequest, "the body must be JSON") from None


async def index(request: web.Request) -> web.Response:
    return web.json_response(_INDEX)


async def get_faults(request: web.Request) -> web.Response:
    return web.json_response(request.app[FAULTS].snapshot())


async def add_faults(request: web.Request) -> web.Response:
    faults = request.app[FAULTS]
    try:
        faults.configure(await _json_body(request))
    except ValueError as exc:
        raise _error(web.HTTPBadRequest, str(exc)) from None
    return web.json_response(faults.snapshot())


async def clear_faults(request: web.Request) -> web.Response:
    request.app[FAULTS].clear()
    return web.json_response(request.app[FAULTS].snapshot())


async def expire_tokens(request: web.Request) -> web.Response:
    return web.json_response({"expired": request.app[TOKENS].expire_access_tokens()})


async def lead_business(request: web.Request) -> web.Response:
    body = await _json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("business_id"), str):
        raise _error(web.HTTPBadRequest, 'expected {"business_id": "...", "user_id": "..."}')
    world = request.app[WORLD]
    user_id, business_id = body.get("user_id", DEMO_USER_ID), body["business_id"]
    _check_user_and_business(request, user_id, business_id)
    if not world.user_can_access(user_id, business_id):
        raise _error(web.HTTPBadRequest, "the user cannot access that business")
    world.set_lead_business(user_id, business_id)
    return web.json_response({"user_id": user_id, "lead_business_id": business_id})


async def set_access(request: web.Request) -> web.Response:
    world = request.app[WORLD]
    user_id, business_id = request.match_info["user_id"], request.match_info["business_id"]
    _check_user_and_business(request, user_id, business_id)
    if request.method == "PUT":
        world.grant_access(user_id, business_id)
    else:
        world.revoke_access(user_id, business_id)
    user = world.users[user_id]
    return web.json_response({"user_id": user_id, "business_ids": list(user.business_ids)})


def _check_user_and_business(request: web.Request, user_id: object, business_id: str) -> None:
    world = request.app[WORLD]
    if not isinstance(user_id, str) or user_id not in world.users:
        raise _error(web.HTTPNotFound, f"unknown user {user_id!r}")
    if business_id not in world.businesses:
        raise _error(web.HTTPNotFound, f"unknown business {business_id!r}")


async def get_stats(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATS].snapshot())


async def reset_stats(request: web.Request) -> web.Response:
    request.app[STATS].reset()
    return web.json_response(request.app[STATS].snapshot())


def add_control_routes(app: web.Application) -> None:
    router = app.router
    router.add_get(f"{PREFIX}/", index)
    router.add_get(f"{PREFIX}/faults", get_faults)
    router.add_post(f"{PREFIX}/faults", add_faults)
    router.add_delete(f"{PREFIX}/faults", clear_faults)
    router.add_post(f"{PREFIX}/expire-tokens", expire_tokens)
    router.add_post(f"{PREFIX}/lead-business", lead_business)
    router.add_route("PUT", f"{PREFIX}/users/{{user_id}}/businesses/{{business_id}}", set_access)
    router.add_route("DELETE", f"{PREFIX}/users/{{user_id}}/businesses/{{business_id}}", set_access)
    router.add_get(f"{PREFIX}/stats", get_stats)
    router.add_post(f"{PREFIX}/stats/reset", reset_stats)
