"""``/businesses`` and ``/user``: who the token belongs to and which businesses they reach.

These answer without an ``X-Business`` header, as Sage's do. ``GET /businesses`` uses the
``$items_per_page`` envelope key; without ``items_per_page`` it returns every business on
one page and reports ``$items_per_page`` 2147483647, as Sage's own example shows.
"""

from __future__ import annotations

from aiohttp import web

from ledgergraph.sandbox.api import query as q
from ledgergraph.sandbox.api.body import Body, Problems, read_json, root_of
from ledgergraph.sandbox.api.errors import record_not_found
from ledgergraph.sandbox.api.listing import PageRequest, envelope, page_request
from ledgergraph.sandbox.api.resource import json_response
from ledgergraph.sandbox.api.scope import current_user_id
from ledgergraph.sandbox.api.wire import JSON, instant
from ledgergraph.sandbox.books import Business, User, World
from ledgergraph.sandbox.books.reference import country_names
from ledgergraph.sandbox.keys import WORLD

UNPAGED = 2_147_483_647
LOCALES = ("en-GB", "en-IE", "en-US", "es-US", "en-CA", "fr-CA", "fr-FR", "de-DE", "es-ES")
_PERMISSION_AREAS = (
    "accounting_sales",
    "accounting_catalogs",
    "accounting_journals",
    "accounting_purchases",
    "accounting_contacts",
    "accounting_statutory_reporting",
    "accounting_bank",
    "accounting_reporting",
    "accounting_settings",
)


def _base(business: Business) -> JSON:
    return {"id": business.id, "displayed_as": business.name, "$path": f"/businesses/{business.id}"}


def business_payload(business: Business) -> JSON:
    return {
        "created_at": instant(business.created_at),
        "updated_at": instant(business.updated_at),
        "displayed_as": business.name,
        "id": business.id,
        "name": business.name,
        "address_line_1": business.address_line_1,
        "address_line_2": business.address_line_2,
        "city": business.city,
        "postal_code": business.postal_code,
        "country": {
            "id": business.country_code,
            "displayed_as": country_names()[business.country_code],
        },
        "region": business.region,
        "ni_based": business.ni_based,
        "telephone": business.telephone,
        "mobile": business.mobile,
        "website": business.website,
        "is_demo": business.is_demo,
        "subscriptions": [
            {
                "created_at": instant(s.created_at),
                "updated_at": instant(s.updated_at),
                "displayed_as": s.displayed_as,
                "id": s.id,
                "active": s.active,
                "status": s.status,
                "accountant_pays": False,
            }
            for s in business.subscriptions
        ],
        "$path": f"/businesses/{business.id}",
        "user_roles": [],
        "user_permissions": [{"area": area, "role": "full_access"} for area in _PERMISSION_AREAS],
    }


def user_payload(user: User) -> JSON:
    return {
        "created_at": instant(user.created_at),
        "updated_at": instant(user.updated_at),
        "displayed_as": user.displayed_as,
        "id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "initials": user.initials,
        "email": user.email,
        "locale": user.locale,
    }


def _reachable(world: World, user_id: str, key: str) -> Business:
    business = world.lead_business(user_id) if key == "lead" else world.businesses.get(key.lower())
    if business is None or not world.user_can_access(user_id, business.id):
        raise record_not_found()
    return business


async def list_businesses(request: web.Request) -> web.StreamResponse:
    world = request.app[WORLD]
    user_id = current_user_id(request)
    query = request.query
    active_only = q.flag(query, "active_only")
    name = (q.text(query, "name") or "").lower()
    family = q.choice(query, "product_family", ("sbc_accounting", "sbc_payroll"))
    chosen = [
        b
        for b in world.businesses_of(user_id)
        if (not active_only or b.has_active_subscription)
        and name in b.name.lower()
        # The sandbox's businesses subscribe to accounting only.
        and family != "sbc_payroll"
    ]
    paging = page_request(query)
    if q.integer(query, "items_per_page") is None:
        paging = PageRequest(page=1, items_per_page=UNPAGED)
    payload = envelope("/businesses", query, chosen, _base, paging, size_key="$items_per_page")
    return json_response(200, payload)


async def get_business(request: web.Request) -> web.StreamResponse:
    world = request.app[WORLD]
    business = _reachable(world, current_user_id(request), request.match_info["key"])
    return json_response(200, business_payload(business))


async def put_business(request: web.Request) -> web.StreamResponse:
    world = request.app[WORLD]
    business = _reachable(world, current_user_id(request), request.match_info["key"])
    body = Body(root_of(await read_json(request), "business"), Problems())
    values = {
        name: body.string(name)
        for name in (
            "name",
            "address_line_1",
            "address_line_2",
            "city",
            "region",
            "postal_code",
            "telephone",
            "mobile",
            "website",
        )
    }
    if values["name"] == "":
        body.problem("name", "This field is required")
    body.problems.raise_if_any()
    for name, value in values.items():
        if value is not None:
            setattr(business, name, value)
    business.updated_at = world.now()
    return json_response(200, business_payload(business))


async def get_user(request: web.Request) -> web.StreamResponse:
    world = request.app[WORLD]
    return json_response(200, user_payload(world.users[current_user_id(request)]))


async def put_user(request: web.Request) -> web.StreamResponse:
    world = request.app[WORLD]
    user = world.users[current_user_id(request)]
    body = Body(root_of(await read_json(request), "user"), Problems())
    values = {name: body.string(name) for name in ("first_name", "last_name")}
    body.string("initials")
    locale = body.string("locale")
    if locale and locale not in LOCALES:
        body.problem("locale", f"'{locale}' is not one of: {', '.join(LOCALES)}")
    body.problems.raise_if_any()
    for name, value in values.items():
        if value:
            setattr(user, name, value)
    if locale:
        user.locale = locale
    user.updated_at = world.now()
    return json_response(200, user_payload(user))
