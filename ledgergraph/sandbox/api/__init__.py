"""Sage Accounting API v3.1 routes of the sandbox, and the out-of-band edit routes.

``add_api_routes`` registers everything under ``/v3.1`` (the platform's auth middleware has
already put the token's user on the request); ``add_outofband_routes`` registers
``/__sandbox/businesses/{business_id}/...``: the same write bodies, applied as a person
editing in Sage's web app would (no token, no idempotency; ``updated_at`` moves and deletes
show in ``deleted_since``, so polling clients see the change).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web, web_app

from ledgergraph.sandbox.api.businesses import (
    get_business,
    get_user,
    list_businesses,
    put_business,
    put_user,
)
from ledgergraph.sandbox.api.errors import method_not_allowed, route_not_found, sage_errors
from ledgergraph.sandbox.api.resource import Resource, add_resource_routes
from ledgergraph.sandbox.api.resources.artefacts import (
    PURCHASE_CREDIT_NOTES,
    PURCHASE_INVOICES,
    SALES_CREDIT_NOTES,
    SALES_INVOICES,
)
from ledgergraph.sandbox.api.resources.attachments import ATTACHMENTS, add_file_route
from ledgergraph.sandbox.api.resources.bank_accounts import BANK_ACCOUNTS
from ledgergraph.sandbox.api.resources.bank_reconciliations import BANK_RECONCILIATIONS
from ledgergraph.sandbox.api.resources.catalog import PRODUCTS, SERVICES
from ledgergraph.sandbox.api.resources.contact_allocations import CONTACT_ALLOCATIONS
from ledgergraph.sandbox.api.resources.contact_people import ADDRESSES, CONTACT_PERSONS
from ledgergraph.sandbox.api.resources.contacts import CONTACTS
from ledgergraph.sandbox.api.resources.exchange_rates import EXCHANGE_RATES
from ledgergraph.sandbox.api.resources.journals import JOURNALS
from ledgergraph.sandbox.api.resources.ledger_accounts import LEDGER_ACCOUNTS
from ledgergraph.sandbox.api.resources.ledger_entries import LEDGER_ENTRIES
from ledgergraph.sandbox.api.resources.money_movements import (
    BANK_DEPOSITS,
    BANK_TRANSFERS,
    OTHER_PAYMENTS,
)
from ledgergraph.sandbox.api.resources.payments import CONTACT_PAYMENTS
from ledgergraph.sandbox.api.resources.quotes import SALES_ESTIMATES, SALES_QUOTES
from ledgergraph.sandbox.api.resources.reference_lists import REFERENCE_LISTS
from ledgergraph.sandbox.api.resources.settings import BUSINESS_SETTINGS, FINANCIAL_SETTINGS
from ledgergraph.sandbox.api.resources.tax_rates import TAX_RATES
from ledgergraph.sandbox.api.resources.tax_returns import DRAFT_TAX_RETURNS, TAX_RETURNS
from ledgergraph.sandbox.api.routes import add_reference_list_routes, add_singleton_routes
from ledgergraph.sandbox.api.scope import api_scope, business_resource, outofband_scope

API_PREFIX = "/v3.1"
OUT_OF_BAND_PREFIX = "/__sandbox/businesses/{business_id}"

RESOURCES: tuple[Resource[Any], ...] = (
    CONTACTS,
    SALES_INVOICES,
    PURCHASE_INVOICES,
    SALES_CREDIT_NOTES,
    CONTACT_PAYMENTS,
    CONTACT_ALLOCATIONS,
    LEDGER_ACCOUNTS,
    TAX_RATES,
    PRODUCTS,
    SERVICES,
    BANK_ACCOUNTS,
    JOURNALS,
    PURCHASE_CREDIT_NOTES,
    SALES_QUOTES,
    SALES_ESTIMATES,
    ADDRESSES,
    CONTACT_PERSONS,
    BANK_TRANSFERS,
    BANK_DEPOSITS,
    OTHER_PAYMENTS,
    LEDGER_ENTRIES,
    BANK_RECONCILIATIONS,
    TAX_RETURNS,
    DRAFT_TAX_RETURNS,
    ATTACHMENTS,
)
SINGLETONS = (FINANCIAL_SETTINGS, BUSINESS_SETTINGS)


async def _not_allowed(request: web.Request) -> web.StreamResponse:
    raise method_not_allowed(request.method)


async def _unknown_route(request: web.Request) -> web.StreamResponse:
    raise route_not_found()


def _add_account_routes(router: web.UrlDispatcher) -> None:
    """``/businesses`` and ``/user``: no ``X-Business`` involved, none echoed."""
    for path, methods in (
        ("/businesses", {"GET": list_businesses}),
        ("/businesses/{key}", {"GET": get_business, "PUT": put_business}),
        ("/user", {"GET": get_user, "PUT": put_user}),
    ):
        resource = router.add_resource(f"{API_PREFIX}{path}")
        for method, handler in methods.items():
            resource.add_route(method, sage_errors(handler))
        resource.add_route("*", sage_errors(_not_allowed))


async def _forget_middleware_chains(_: web.Application) -> None:
    # aiohttp memoises every (handler, apps) middleware chain in a module-level LRU of 1024
    # entries, which keeps each stopped app, and the seeded world it holds, alive. Test
    # runs start hundreds of sandboxes; without this the heap (and GC time) keeps growing.
    cached = getattr(web_app, "_cached_build_middleware", None)
    if cached is not None:
        cached.cache_clear()


def add_api_routes(app: web.Application) -> None:
    """Register every ``/v3.1/...`` route on ``app``."""
    app.on_cleanup.append(_forget_middleware_chains)
    router = app.router
    _add_account_routes(router)
    for resource in RESOURCES:
        add_resource_routes(router, API_PREFIX, resource, api_scope, business_resource)
    for singleton in SINGLETONS:
        add_singleton_routes(router, API_PREFIX, singleton, api_scope, business_resource)
    for listing in (*REFERENCE_LISTS, EXCHANGE_RATES):
        add_reference_list_routes(router, API_PREFIX, listing, api_scope, business_resource)
    add_file_route(router, API_PREFIX, api_scope, business_resource)
    router.add_route("*", f"{API_PREFIX}/{{tail:.*}}", sage_errors(_unknown_route))


def add_outofband_routes(app: web.Application) -> None:
    """Register ``/__sandbox/businesses/{business_id}/{resource}[/{id}]`` edits on ``app``."""
    router = app.router
    for resource in RESOURCES:
        add_resource_routes(
            router, OUT_OF_BAND_PREFIX, resource, outofband_scope, sage_errors, reads=False
        )
    for singleton in SINGLETONS:
        add_singleton_routes(
            router, OUT_OF_BAND_PREFIX, singleton, outofband_scope, sage_errors, reads=False
        )


__all__ = ["add_api_routes", "add_outofband_routes"]
