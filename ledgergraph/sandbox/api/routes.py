"""Routes for the singletons (settings) and the reference lists."""

from __future__ import annotations

from aiohttp import web

from ledgergraph.sandbox.api.body import Body, Problems, idempotency_id_of, read_json, root_of
from ledgergraph.sandbox.api.errors import method_not_allowed, record_invalid, record_not_found
from ledgergraph.sandbox.api.listing import Attributes, envelope, page_request
from ledgergraph.sandbox.api.resource import ScopeOf, Wrap, json_response
from ledgergraph.sandbox.api.resources.reference_lists import ReferenceList
from ledgergraph.sandbox.api.resources.settings import Singleton
from ledgergraph.sandbox.api.wire import JSON
from ledgergraph.sandbox.books import BooksError


async def _not_allowed(request: web.Request) -> web.StreamResponse:
    raise method_not_allowed(request.method)


def add_singleton_routes(
    router: web.UrlDispatcher,
    prefix: str,
    singleton: Singleton,
    scope_of: ScopeOf,
    wrap: Wrap,
    *,
    reads: bool = True,
) -> None:
    async def get(request: web.Request) -> web.StreamResponse:
        return json_response(200, singleton.serialise(scope_of(request)))

    async def put(request: web.Request) -> web.StreamResponse:
        scope = scope_of(request)
        fields = root_of(await read_json(request), singleton.root)
        # Settings are not among Sage's idempotent resources; the id is accepted and ignored.
        idempotency_id_of(fields)
        try:
            singleton.update(scope, Body(fields, Problems()))
        except BooksError as error:
            raise record_invalid(error.message, error.source) from None
        return json_response(200, singleton.serialise(scope))

    resource = router.add_resource(f"{prefix}/{singleton.name}")
    if reads:
        resource.add_route("GET", wrap(get))
    resource.add_route("PUT", wrap(put))
    resource.add_route("*", wrap(_not_allowed))


def add_reference_list_routes(
    router: web.UrlDispatcher, prefix: str, listing: ReferenceList, scope_of: ScopeOf, wrap: Wrap
) -> None:
    async def list_items(request: web.Request) -> web.StreamResponse:
        scope = scope_of(request)
        attributes = Attributes.from_query(scope.query)

        def render(pair: tuple[JSON, JSON]) -> JSON:
            return attributes.select(pair[0], lambda: pair[1])

        items = listing.items(scope)
        payload = envelope(
            f"/{listing.name}", scope.query, items, render, page_request(scope.query)
        )
        return json_response(200, payload)

    async def detail(request: web.Request) -> web.StreamResponse:
        scope = scope_of(request)
        key = request.match_info["key"]
        for base, full in listing.items(scope):
            if listing.key(base) == key:
                return json_response(200, full)
        raise record_not_found()

    collection = router.add_resource(f"{prefix}/{listing.name}")
    collection.add_route("GET", wrap(list_items))
    collection.add_route("*", wrap(_not_allowed))
    item = router.add_resource(f"{prefix}/{listing.name}/{{key}}")
    item.add_route("GET", wrap(detail))
    item.add_route("*", wrap(_not_allowed))
