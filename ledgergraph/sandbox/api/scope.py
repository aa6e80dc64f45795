"""Which business a request acts on.

Sage uses the ``X-Business`` header's business, or the user's lead business when the header
is absent, and echoes the one it used in an ``X-Business`` response header.

Sage does not document the answer for a business the user cannot reach (notes §2, §8.3).
The sandbox answers **403** ``MultiUserAccessDenied`` with ``$source: "X-Business"``:
a 401 would send clients into token refreshes that cannot help, and a 404 would be
indistinguishable from a missing record; the ``$source`` lets a client tell "this business
is gone" from a role restriction. An unknown or malformed id is treated the same way, so the
answer never reveals whether a business exists. A business whose subscription has ended
answers 401 ``AuthorizationFailure`` "No active subscription. (MSE)", as Sage documents.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from functools import wraps
from typing import Any, TypeVar

from aiohttp import web
from multidict import MultiMapping

from ledgergraph.sandbox.api.errors import (
    SageError,
    access_denied,
    authorization_failure,
    record_not_found,
)
from ledgergraph.sandbox.books import Books, Business, World
from ledgergraph.sandbox.books.countries import CountryProfile
from ledgergraph.sandbox.config import SandboxConfig
from ledgergraph.sandbox.keys import CONFIG, REQUEST_BUSINESS, REQUEST_USER, WORLD

BUSINESS_HEADER = "X-Business"

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Scope:
    """Everything a resource handler needs: the business, its books and the request's query."""

    world: World
    business: Business
    query: MultiMapping[str]
    config: SandboxConfig
    # Out-of-band edits act as a person in Sage's web app: no idempotency, no X-Business.
    out_of_band: bool = False
    # Whole-book aggregates computed once per request (a page of 200 contacts needs every
    # contact's balance; one pass over the books beats 200).
    memo: dict[str, Any] = field(default_factory=dict)

    def once(self, key: str, compute: Callable[[], T]) -> T:
        if key not in self.memo:
            self.memo[key] = compute()
        value: T = self.memo[key]
        return value

    @property
    def books(self) -> Books:
        return self.business.books

    @property
    def country(self) -> CountryProfile:
        return self.business.country

    @property
    def today(self) -> date:
        return self.world.now().date()


def current_user_id(request: web.Request) -> str:
    user_id = request.get(REQUEST_USER)
    if not isinstance(user_id, str) or user_id not in request.app[WORLD].users:
        raise authorization_failure()
    return user_id


def api_scope(request: web.Request) -> Scope:
    world = request.app[WORLD]
    user_id = current_user_id(request)
    requested = request.headers.get(BUSINESS_HEADER, "").strip().lower()
    if requested:
        business = world.businesses.get(requested)
        if business is None or not world.user_can_access(user_id, business.id):
            raise access_denied(
                "The current user is not allowed to access that business.", BUSINESS_HEADER
            )
    else:
        lead = world.lead_business(user_id)
        if lead is None or not world.user_can_access(user_id, lead.id):
            raise access_denied("The current user has no business to access.", BUSINESS_HEADER)
        business = lead
    request[REQUEST_BUSINESS] = business.id
    if not business.has_active_subscription:
        raise authorization_failure("No active subscription. (MSE)")
    return Scope(world=world, business=business, query=request.query, config=request.app[CONFIG])


def outofband_scope(request: web.Request) -> Scope:
    world = request.app[WORLD]
    business = world.businesses.get(request.match_info["business_id"].lower())
    if business is None:
        raise record_not_found()
    request[REQUEST_BUSINESS] = business.id
    return Scope(
        world=world,
        business=business,
        query=request.query,
        config=request.app[CONFIG],
        out_of_band=True,
    )


ResourceHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def business_resource(handler: ResourceHandler) -> ResourceHandler:
    """Turn Sage errors into responses and echo the business served in ``X-Business``."""

    @wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            response = await handler(request)
        except SageError as error:
            response = error.response()
        business_id = request.get(REQUEST_BUSINESS)
        if isinstance(business_id, str):
            response.headers[BUSINESS_HEADER] = business_id
        return response

    return wrapped
