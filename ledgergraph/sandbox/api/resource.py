"""One generic implementation of Sage's collection endpoints, configured per resource.

A ``Resource`` says where its records live, how they look on the wire, which list filters
they take and which writes exist; ``add_resource_routes`` turns that into aiohttp routes,
either under ``/v3.1`` (business from ``X-Business``) or out of band under
``/__sandbox/businesses/{business_id}`` (business from the URL, no idempotency).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import orjson
from aiohttp import web

from ledgergraph.sandbox.api import query as q
from ledgergraph.sandbox.api.body import Body, Problems, idempotency_id_of, read_json, root_of
from ledgergraph.sandbox.api.errors import method_not_allowed, record_invalid, record_not_found
from ledgergraph.sandbox.api.idempotency import once
from ledgergraph.sandbox.api.listing import Attributes, envelope, page_request
from ledgergraph.sandbox.api.scope import ResourceHandler, Scope
from ledgergraph.sandbox.api.wire import JSON, instant
from ledgergraph.sandbox.books import Books, BooksError
from ledgergraph.sandbox.books.records import Record

R = TypeVar("R", bound=Record)

ScopeOf = Callable[[web.Request], Scope]
Wrap = Callable[[ResourceHandler], ResourceHandler]
Predicate = Callable[[Any], bool]


def json_response(status: int, payload: JSON) -> web.Response:
    return web.Response(status=status, body=orjson.dumps(payload), content_type="application/json")


def _everything(_: Any) -> bool:
    return True


def _no_filters(_: Scope) -> Predicate:
    return _everything


def _creation_order(record: Record) -> tuple[Any, ...]:
    return (record.created_at, record.id)


def dated_sorts() -> dict[str, Callable[[Any], object]]:
    """Sage's ``sort`` keys for a dated record: creation, change, and date (then creation)."""
    return {
        "created_at": lambda r: r.created_at,
        "updated_at": lambda r: r.updated_at,
        "date": lambda r: (r.date, r.created_at),
    }


@dataclass(frozen=True, kw_only=True)
class Resource(Generic[R]):
    name: str
    # The singular key write bodies are wrapped in, and the idempotency resource type.
    root: str
    store: Callable[[Books], dict[str, R]]
    displayed_as: Callable[[Scope, R], str]
    serialise: Callable[[Scope, R], JSON]
    filters: Callable[[Scope], Predicate] = _no_filters
    order: Callable[[R], Any] = _creation_order
    sorts: Mapping[str, Callable[[R], Any]] = field(default_factory=dict)
    updated_since: bool = True
    deleted_since: bool = False
    create: Callable[[Scope, Body], R] | None = None
    # Returns the record as it now is (a write may replace the stored object).
    update: Callable[[Scope, R, Body], R] | None = None
    # Returns the voided record's payload (200) or None once it is deleted (204).
    delete: Callable[[Scope, R], JSON | None] | None = None
    release: Callable[[Scope, R], None] | None = None

    def base(self, scope: Scope, record: R) -> JSON:
        return {
            "id": record.id,
            "displayed_as": self.displayed_as(scope, record),
            "$path": f"/{self.name}/{record.id}",
        }

    def find(self, scope: Scope, key: str) -> R:
        record = self.store(scope.books).get(key)
        if record is None or record.deleted:
            raise record_not_found()
        return record

    # -- handlers ----------------------------------------------------------------------

    def list_records(self, scope: Scope) -> JSON:
        query = scope.query
        attributes = Attributes.from_query(query)
        paging = page_request(query)
        deleted_after = q.instant(query, "deleted_since") if self.deleted_since else None
        changed_since = q.instant(query, "updated_or_created_since") if self.updated_since else None
        sort_key, descending = self._sort(query)
        keep = self.filters(scope)
        records = self.store(scope.books).values()
        if deleted_after is not None:
            chosen = [
                r for r in records if r.deleted_at is not None and r.deleted_at > deleted_after
            ]
        else:
            chosen = [r for r in records if r.deleted_at is None]
        if changed_since is not None:
            chosen = [
                r for r in chosen if r.updated_at >= changed_since or r.created_at >= changed_since
            ]
        chosen = [r for r in chosen if keep(r)]
        chosen.sort(key=self.order)
        if sort_key is not None:
            chosen.sort(key=sort_key, reverse=descending)

        def render(record: R) -> JSON:
            base = self.base(scope, record)
            if deleted_after is not None:
                return {**base, "deleted_at": instant(record.deleted_at)}
            return attributes.select(base, lambda: self.serialise(scope, record))

        return envelope(f"/{self.name}", query, chosen, render, paging)

    def _sort(self, query: Mapping[str, str]) -> tuple[Callable[[R], Any] | None, bool]:
        value = q.text(query, "sort")
        if value is None or not self.sorts:
            return None, False
        attribute, _, direction = value.partition(":")
        if attribute not in self.sorts or direction not in ("", "asc", "desc"):
            raise record_invalid(
                f"'{value}' is not a valid sort; use one of {', '.join(self.sorts)} "
                "optionally followed by :asc or :desc",
                "sort",
            )
        return self.sorts[attribute], direction == "desc"


def _writing(action: Callable[[], web.Response]) -> web.Response:
    try:
        return action()
    except BooksError as error:
        raise record_invalid(error.message, error.source) from None


def add_resource_routes(
    router: web.UrlDispatcher,
    prefix: str,
    resource: Resource[Any],
    scope_of: ScopeOf,
    wrap: Wrap,
    *,
    reads: bool = True,
) -> None:
    async def list_handler(request: web.Request) -> web.StreamResponse:
        return json_response(200, resource.list_records(scope_of(request)))

    async def detail_handler(request: web.Request) -> web.StreamResponse:
        scope = scope_of(request)
        record = resource.find(scope, request.match_info["key"])
        return json_response(200, resource.serialise(scope, record))

    async def create_handler(request: web.Request) -> web.StreamResponse:
        assert resource.create is not None
        create = resource.create
        scope = scope_of(request)
        fields = root_of(await read_json(request), resource.root)
        idempotency_id = idempotency_id_of(fields)

        def run() -> web.Response:
            record = create(scope, Body(fields, Problems()))
            return json_response(201, resource.serialise(scope, record))

        return once(scope, resource.root, idempotency_id, lambda: _writing(run))

    async def update_handler(request: web.Request) -> web.StreamResponse:
        assert resource.update is not None
        update = resource.update
        scope = scope_of(request)
        fields = root_of(await read_json(request), resource.root)
        idempotency_id = idempotency_id_of(fields)
        key = request.match_info["key"]

        def run() -> web.Response:
            record = update(scope, resource.find(scope, key), Body(fields, Problems()))
            return json_response(200, resource.serialise(scope, record))

        return once(scope, resource.root, idempotency_id, lambda: _writing(run))

    async def delete_handler(request: web.Request) -> web.StreamResponse:
        assert resource.delete is not None
        delete = resource.delete
        scope = scope_of(request)
        record = resource.find(scope, request.match_info["key"])

        def run() -> web.Response:
            payload = delete(scope, record)
            return web.Response(status=204) if payload is None else json_response(200, payload)

        return _writing(run)

    async def release_handler(request: web.Request) -> web.StreamResponse:
        assert resource.release is not None
        release = resource.release
        scope = scope_of(request)
        record = resource.find(scope, request.match_info["key"])

        def run() -> web.Response:
            release(scope, record)
            return json_response(201, resource.serialise(scope, record))

        return _writing(run)

    async def not_allowed(request: web.Request) -> web.StreamResponse:
        raise method_not_allowed(request.method)

    collection = router.add_resource(f"{prefix}/{resource.name}")
    item = router.add_resource(f"{prefix}/{resource.name}/{{key}}")
    if reads:
        collection.add_route("GET", wrap(list_handler))
        item.add_route("GET", wrap(detail_handler))
    if resource.create is not None:
        collection.add_route("POST", wrap(create_handler))
    if resource.update is not None:
        item.add_route("PUT", wrap(update_handler))
    if resource.delete is not None:
        item.add_route("DELETE", wrap(delete_handler))
    collection.add_route("*", wrap(not_allowed))
    item.add_route("*", wrap(not_allowed))
    if resource.release is not None:
        released = router.add_resource(f"{prefix}/{resource.name}/{{key}}/release")
        released.add_route("POST", wrap(release_handler))
        released.add_route("*", wrap(not_allowed))
