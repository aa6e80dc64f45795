"""Reads of unified objects for one tenant: pages, single objects, batches, whole lists.

Every method here costs as few Sage calls as the request allows: a window of a list is served
by one page where the window fits one, a batch of ids by whichever is cheaper of one GET per id
or the pages of the whole list, and reference lists once per request.

And in as few dependent rounds: Sage tells a list's length only on its pages, so reading a
whole list (or the pages a batch needs) would wait for page 1 before asking for page 2. The
response cache's *known totals* remember each list's last seen length (in the store, beyond
the cache's generations; without a cache, in this process), so every page it had is asked for
in the first round. Correctness never depends on that hint: page 1's ``$total`` is always
checked, and pages the hint missed are fetched next — a hint too small costs the round it
would have saved, as without one; a hint too large costs a call per page beyond the list's
end, each answering an empty page (or, for a batch, one GET per id where that looked cheaper).

And with as little work of its own as it can: objects built from a payload are remembered by
that payload (``cache.object_memo``), so payloads decoded once per process — warm cache
entries — are not mapped again on every request.
"""

from __future__ import annotations

import asyncio
import math
import weakref
from collections.abc import Callable, Coroutine, Hashable, Iterable, Mapping
from contextvars import ContextVar
from typing import Any, Protocol, TypeVar

import orjson

from ledgergraph import model
from ledgergraph.cache.known_totals import KnownTotals
from ledgergraph.cache.object_memo import MISSING, ObjectMemo
from ledgergraph.connectors.sage import mapping
from ledgergraph.connectors.sage.client import MAX_ITEMS_PER_PAGE, SageClient
from ledgergraph.connectors.sage.departures import DEPARTED
from ledgergraph.connectors.sage.resources import Mapper, Resource
from ledgergraph.errors import NotFound
from ledgergraph.types import BusinessRef, TenantId


class MapperFactory(Protocol):
    def __call__(
        self,
        country_code: str | None,
        overrides: Mapping[str, Any] | None = None,
        *,
        business_id: str,
        currency: str | None = None,
    ) -> Mapper: ...


# At or below this many ids, a batch is fetched one GET per id without listing first.
SMALL_BATCH = 3
# A list known to be this many pages or fewer is read whole before the page naming its ids
# arrives, when that page may name twice as many ids (``list_ahead``): a round less, for at
# most a call more than GETs by id (a page that names one contact).
AHEAD_PAGES = 2
FULL = {"attributes": "all"}
# Sage sends a contact's balance only when asked for it.
_ASKED: dict[str, dict[str, str]] = {"contacts": {"show_balance": "true"}}


# How many turns of the event loop a small batch gives the lists it waited for to batch their
# references (graphql-core completes the items, then the loaders dispatch). A few ms when no
# batch comes; 50 ran out on a loaded CI machine once a page's read-ahead tasks took turns too.
_TURNS = 500
# A list's payloads by id, and whether they are the whole list (else its first pages).
_Listed = tuple[dict[str, dict[str, Any]], bool]


def _full(resource: Resource) -> dict[str, str]:
    return {**FULL, **_ASKED.get(resource.name, {})}


T = TypeVar("T")


class _Read:
    """A read ``SageReads.begin`` started: before Sage until its first call (or until it
    waits on another read's list), counted in ``SageReads.before_sage`` until then."""

    __slots__ = ("_before", "_reads")

    def __init__(self, reads: SageReads) -> None:
        self._reads = reads
        self._before = True
        reads.before_sage += 1

    def waits(self) -> None:
        if self._before:
            self._before = False
            self._reads.before_sage -= 1


class _Call:
    """A Sage call of the request: before Sage, then on the wire (``in_flight``) once its
    transport says it has left, until answered (a cache hit never leaves)."""

    __slots__ = ("_reads", "_state")

    def __init__(self, reads: SageReads) -> None:
        self._reads = reads
        self._state = 0  # 0 before Sage, 1 on the wire, 2 answered
        reads.before_sage += 1

    def left(self) -> None:
        if self._state == 0:
            self._state = 1
            self._reads.before_sage -= 1
            self._reads.in_flight += 1

    def answered(self) -> None:
        if self._state == 0:
            self._reads.before_sage -= 1
        elif self._state == 1:
            self._reads.in_flight -= 1
        self._state = 2


# The read the current task runs for (set by ``SageReads.begin``).
_READ: ContextVar[_Read | None] = ContextVar("sage_read", default=None)


class SageReads:
    def __init__(self, client: SageClient, tenant: TenantId, mappers: MapperFactory) -> None:
        self._client = client
        self.tenant = tenant
        self._mappers = mappers
        self._mapper_cache: dict[str, Mapper] = {}
        # The known totals and the memo of built objects live beside the client's cache (read
        # through a private attribute until ``SageClient`` offers a public one).
        cache = client.response_cache
        self._totals = _uncached_totals(client) if cache is None else cache.totals
        self._built: ObjectMemo | None = None if cache is None else cache.built
        # What a business's objects are built by (its country, currency, the overrides):
        # part of the memo's key, so objects built under other rules are never reused.
        self._rules: dict[str, Hashable] = {}
        # The request's batches that read a list whole, by (resource, business): a later batch
        # of ids (the lists naming them answered in another tick) shares that read.
        self._listed: dict[tuple[str, str], asyncio.Future[_Listed | None]] = {}
        # The request's list windows, and those asked for before its first batch of ids: the
        # lists whose items may name more ids of a small batch's resource.
        self._windows: list[asyncio.Future[Any]] = []
        self._before_batches: list[asyncio.Future[Any]] | None = None
        # What each batch of ids of the request read, by (resource, business), in order: its
        # whole list, or None (GETs by id).
        self._batches: dict[tuple[str, str], list[asyncio.Future[_Listed | None]]] = {}
        # Reads (``begin``) and calls of the request still before Sage: not yet waiting on a
        # call that has left (or on another read's list). Zero: all it asked for is on its way.
        self.before_sage = 0
        # Its calls on the wire now.
        self.in_flight = 0

    def begin(self, work: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        """``work`` (a read of this request's) as a task, counted in ``before_sage`` from
        now until it waits on Sage."""
        read = _Read(self)
        return asyncio.ensure_future(self._reading(read, work))

    async def _reading(self, read: _Read, work: Coroutine[Any, Any, T]) -> T:
        _READ.set(read)
        try:
            return await work
        finally:
            read.waits()

    def _waiting(self) -> None:
        """The current read waits on something other than its own work."""
        read = _READ.get()
        if read is not None:
            read.waits()

    def _calling(self) -> _Call:
        """One Sage call of the request, counted before Sage until it leaves."""
        self._waiting()
        return _Call(self)

    async def _get(
        self, call: _Call, path: str, *, business: str, params: dict[str, Any] | None
    ) -> Any:
        token = DEPARTED.set(call.left)
        try:
            return await self._client.get(self.tenant, path, business=business, params=params)
        finally:
            DEPARTED.reset(token)
            call.answered()

    async def business(self, business: str | None) -> BusinessRef:
        return await self._client.business_for(self.tenant, business)

    async def _country_free_mapper(self, business_id: str) -> Mapper:
        connection = await self._client.connection(self.tenant)
        return self._mappers(None, connection.overrides, business_id=business_id)

    async def mapper(self, business_id: str) -> Mapper:
        mapper = self._mapper_cache.get(business_id)
        if mapper is None:
            connection = await self._client.connection(self.tenant)
            ref = await self._client.business_for(self.tenant, business_id)
            country, currency = ref.country_code, ref.currency
            if country is None or currency is None:
                details, settings = await asyncio.gather(
                    self._client.get(
                        self.tenant, f"/businesses/{business_id}", business=business_id
                    ),
                    self._client.get(self.tenant, "/financial_settings", business=business_id),
                )
                country = country or (details.get("country") or {}).get("id")
                currency = currency or (settings.get("base_currency") or {}).get("id")
            mapper = self._mappers(
                country, connection.overrides, business_id=business_id, currency=currency
            )
            self._mapper_cache[business_id] = mapper
            self._rules[business_id] = (
                self.tenant,
                business_id,
                country,
                currency,
                orjson.dumps(connection.overrides, option=orjson.OPT_SORT_KEYS),
            )
        return mapper

    def _build(self, resource: Resource, business_id: str, mapper: Mapper, payload: Any) -> Any:
        """``resource.build``, or the object built from this very payload before (a page
        decoded once per process is the same object on every warm request)."""
        rules = self._rules.get(business_id)
        if self._built is None or rules is None:
            return resource.build(mapper, payload)
        key = (resource.name, rules)
        built = self._built.get(payload, key)
        if built is MISSING:
            built = resource.build(mapper, payload)
            self._built.put(payload, key, built)
        return built

    async def business_details(self, business_id: str) -> model.Business:
        """``/businesses/{id}``: about the user's business, readable even when its
        subscription has lapsed (its books are not)."""
        details = await self._client.get(
            self.tenant, f"/businesses/{business_id}", business=business_id
        )
        mapper = await self._country_free_mapper(business_id)
        return mapper.business(details, None)

    async def financial_settings(self, business_id: str) -> model.FinancialSettings:
        payload = await self._client.get(self.tenant, "/financial_settings", business=business_id)
        return mapping.financial_settings(payload)

    async def window(
        self,
        resource: Resource,
        business_id: str,
        *,
        offset: int,
        size: int,
        filters: Mapping[str, Any] | None = None,
    ) -> tuple[list[Any], int]:
        """Items ``offset .. offset+size`` of the filtered list, and the list's total."""
        per_page, pages = _pages_for(offset, size)
        reading = asyncio.ensure_future(
            self._pages(resource, business_id, pages, per_page=per_page, filters=filters)
        )
        self._windows.append(reading)
        bodies = await reading
        first_index = (pages[0] - 1) * per_page
        items = [item for body in bodies for item in body.get("$items", [])]
        total = int(bodies[0].get("$total", 0)) if bodies else 0
        if bodies:
            await self._remember(resource, business_id, filters, total)
        selected = items[offset - first_index : offset - first_index + size]
        if offset >= total:
            selected = []
        mapper = await self.mapper(business_id)
        return [self._build(resource, business_id, mapper, item) for item in selected], total

    async def one(
        self,
        resource: Resource,
        business_id: str,
        remote_id: str,
        *,
        call: _Call | None = None,
    ) -> Any | None:
        try:
            payload = await self._get(
                call or self._calling(),
                f"{resource.path}/{remote_id}",
                business=business_id,
                params=_ASKED.get(resource.name),
            )
        except NotFound:
            return None
        return self._build(resource, business_id, await self.mapper(business_id), payload)

    async def everything(
        self,
        resource: Resource,
        business_id: str,
        *,
        filters: Mapping[str, Any] | None = None,
    ) -> list[Any]:
        """Every object of the (filtered) list, its pages asked for at once where known."""
        payloads = await self._all_payloads(resource, business_id, filters=filters)
        mapper = await self.mapper(business_id)
        return [self._build(resource, business_id, mapper, p) for p in payloads]

    async def listing(self, resource: Resource, business_id: str) -> Listing:
        """The whole list, its objects built as they are looked up (``Listing``)."""
        payloads = await self._all_payloads(resource, business_id)
        mapper = await self.mapper(business_id)
        return Listing(
            payloads, lambda payload: self._build(resource, business_id, mapper, payload)
        )

    async def many(
        self, resource: Resource, business_id: str, remote_ids: Iterable[str]
    ) -> dict[str, Any]:
        """The objects with these ids (absent ones missing from the result).

        Whichever costs fewer calls: one GET per id, or the pages of the whole list. With the
        list's length known, the choice is made up front and all its calls go in one round.
        A batch of the same request shares a whole-list read another batch makes, in flight
        or done, at no call (see ``_later_listing`` for a small batch that comes first).
        """
        wanted = list(dict.fromkeys(remote_ids))
        key = (resource.name, business_id)
        shared = self._listed.get(key)
        if shared is not None:
            self._waiting()
        if shared is not None and (listed := await shared) is not None:
            return await self._from_list(resource, business_id, wanted, listed)
        if self._before_batches is None:
            self._before_batches = list(self._windows)
        # Registered before any await, so a small batch before it sees it coming.
        batches = self._batches.setdefault(key, [])
        outcome: asyncio.Future[_Listed | None] = asyncio.get_running_loop().create_future()
        batches.append(outcome)
        read: _Listed | None = None
        try:
            known = await self._known_pages(resource, business_id, None)
            # A small batch is one GET per id, unless the whole list is known to take fewer
            # calls (a second batch of the request then shares those pages, in flight or
            # cached) or a later batch of the request reads it whole.
            small = len(wanted) <= SMALL_BATCH and (known is None or known >= len(wanted))
            if small:
                later = await self._later_listing(key, outcome)
                if later is not None:
                    return await self._from_list(resource, business_id, wanted, later)
            if small or (known is not None and known > len(wanted)):
                # Told at once: a batch waiting on this one goes on to its own GETs.
                outcome.set_result(None)
                return await self._by_get(resource, business_id, wanted)
            self._listed[key] = outcome
            read = await self._list_for(resource, business_id, wanted, known)
        finally:
            # None on a failure: a batch waiting on it reads for itself.
            if not outcome.done():
                outcome.set_result(read)
        return await self._from_list(resource, business_id, wanted, read)

    async def list_ahead(self, resource: Resource, business_id: str, *, up_to: int) -> None:
        """A page about to be read names up to ``up_to`` ids of ``resource``: if the whole list
        is known to be at most ``AHEAD_PAGES`` pages, and the page may name twice that many
        ids, read it now, in the page's round, for the batches of those ids to share
        (``many``). A list grown past the pages known is read to the end if that takes at
        most ``AHEAD_PAGES`` more, else what it lacks is read by id."""
        key = (resource.name, business_id)
        if key in self._listed:
            return
        known = await self._known_pages(resource, business_id, None)
        if known is None or not 1 <= known <= AHEAD_PAGES or up_to < 2 * known:
            return
        if key in self._listed:  # asked for while the length was looked up
            return
        outcome: asyncio.Future[_Listed | None] = asyncio.get_running_loop().create_future()
        self._listed[key] = outcome
        read: _Listed | None = None
        try:
            bodies = await self._pages(resource, business_id, range(1, known + 1))
            pages = await self._learn_pages(resource, business_id, None, bodies[0])
            rest = range(len(bodies) + 1, pages + 1)
            if 0 < len(rest) <= AHEAD_PAGES:
                bodies += await self._pages(resource, business_id, rest)
            read = (_by_id(bodies), pages <= len(bodies))
        except Exception:  # said to the batches by a None: they read for themselves
            pass
        finally:
            # None on a failure: the batches read for themselves (and meet the error there).
            outcome.set_result(read)

    async def _from_list(
        self, resource: Resource, business_id: str, wanted: list[str], listed: _Listed
    ) -> dict[str, Any]:
        found, complete = listed
        # Where the read left pages unread, what it did not hold is read one by one.
        missing = [] if complete else [i for i in wanted if i not in found]
        return await self._built_or_got(resource, business_id, wanted, found, missing)

    async def _later_listing(
        self, key: tuple[str, str], mine: asyncio.Future[_Listed | None]
    ) -> _Listed | None:
        """The whole-list read a later batch of the request makes, if one does.

        The lists of a query's first round answer one by one, and each answer's references
        are a batch of their own: the first few ids would cost a GET each although the next
        list's batch reads the whole list anyway. So a small batch first lets the windows
        asked for before the request's first batch answer (the request waits for them in
        any case), gives their references a few turns of the loop to reach the loaders, and
        shares the whole-list read of a batch that came after it."""
        if not self._before_batches:
            return None
        # Answered or not: an answered window's items may still be on their way.
        pending = [w for w in self._before_batches if not w.done()]
        self._waiting()
        if pending:
            await asyncio.wait(pending)
        batches = self._batches[key]
        after = batches.index(mine) + 1
        for _ in range(_TURNS):
            if len(batches) > after:
                break
            await asyncio.sleep(0)
        for later in batches[after:]:
            if (listed := await later) is not None:
                return listed
        return None

    async def _list_for(
        self, resource: Resource, business_id: str, wanted: list[str], known: int | None
    ) -> _Listed:
        """The payloads of the list's pages by id, and whether those are all its pages."""
        bodies = await self._pages(resource, business_id, range(1, (known or 1) + 1))
        pages = await self._learn_pages(resource, business_id, None, bodies[0])
        found = _by_id(bodies)
        missing = [i for i in wanted if i not in found]
        if missing and pages > len(bodies):
            # The list grew past what was known (or nothing was): the rest of it, unless one
            # GET per missing id costs fewer calls.
            rest = range(len(bodies) + 1, pages + 1)
            if len(rest) > len(missing):
                return found, False
            found.update(_by_id(await self._pages(resource, business_id, rest)))
        return found, True

    async def _built_or_got(
        self,
        resource: Resource,
        business_id: str,
        wanted: list[str],
        found: Mapping[str, dict[str, Any]],
        missing: list[str],
    ) -> dict[str, Any]:
        mapper = await self.mapper(business_id)
        result = {
            i: self._build(resource, business_id, mapper, found[i]) for i in wanted if i in found
        }
        if missing:
            result.update(await self._by_get(resource, business_id, missing))
        return result

    async def _by_get(
        self, resource: Resource, business_id: str, remote_ids: list[str]
    ) -> dict[str, Any]:
        found = await asyncio.gather(
            *(self.one(resource, business_id, i, call=self._calling()) for i in remote_ids)
        )
        return {i: obj for i, obj in zip(remote_ids, found, strict=True) if obj is not None}

    async def _all_payloads(
        self,
        resource: Resource,
        business_id: str,
        *,
        filters: Mapping[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        known = await self._known_pages(resource, business_id, filters)
        bodies = await self._pages(
            resource, business_id, range(1, max(known or 1, 1) + 1), filters=filters
        )
        pages = await self._learn_pages(resource, business_id, filters, bodies[0])
        if pages > len(bodies):
            bodies += await self._pages(
                resource, business_id, range(len(bodies) + 1, pages + 1), filters=filters
            )
        return [item for body in bodies[: max(pages, 1)] for item in body.get("$items", [])]

    async def _known_pages(
        self, resource: Resource, business_id: str, filters: Mapping[str, Any] | None
    ) -> int | None:
        """How many full-size pages the list had when last read, if known."""
        total = await self._totals.get(
            self.tenant, business_id, resource.name, _list_key(resource, filters)
        )
        return None if total is None else math.ceil(total / MAX_ITEMS_PER_PAGE)

    async def _learn_pages(
        self,
        resource: Resource,
        business_id: str,
        filters: Mapping[str, Any] | None,
        first: Mapping[str, Any],
    ) -> int:
        """How many full-size pages the list has, from its first page (remembered)."""
        total = int(first.get("$total", 0))
        await self._remember(resource, business_id, filters, total)
        return math.ceil(total / MAX_ITEMS_PER_PAGE)

    async def _remember(
        self, resource: Resource, business_id: str, filters: Mapping[str, Any] | None, total: int
    ) -> None:
        """Any page of a list tells its length: kept as the hint for reading it whole."""
        await self._totals.remember(
            self.tenant, business_id, resource.name, _list_key(resource, filters), total
        )

    async def _pages(
        self,
        resource: Resource,
        business_id: str,
        numbers: Iterable[int],
        *,
        per_page: int = MAX_ITEMS_PER_PAGE,
        filters: Mapping[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """These pages of the (filtered) list with every attribute, asked for at once: the one
        way this module pages, so equal pages share one cache entry and one call."""
        bodies: list[dict[str, Any]] = await asyncio.gather(
            *(
                self._get(
                    self._calling(),
                    resource.path,
                    business=business_id,
                    params={
                        **_full(resource),
                        **(filters or {}),
                        "page": p,
                        "items_per_page": per_page,
                    },
                )
                for p in numbers
            )
        )
        return bodies


class Listing:
    """A whole list's objects, each built on first use: a page's lines name a handful of a
    chart of dozens of ledger accounts, whose rules would otherwise classify them all."""

    def __init__(self, payloads: list[dict[str, Any]], build: Callable[[Any], Any]) -> None:
        self._payloads = payloads
        self._build = build
        self._by_id: dict[str, dict[str, Any]] = {str(p.get("id")): p for p in payloads}
        self._built: dict[str, Any] = {}
        self._all: list[Any] | None = None

    def all(self) -> list[Any]:
        if self._all is None:
            self._all = [self._build(p) for p in self._payloads]
            # Later duplicates win, as in an index built from the whole list.
            self._built = {obj.remote_id: obj for obj in self._all}
        return self._all

    def get(self, remote_id: str) -> Any | None:
        if self._all is None and remote_id not in self._built:
            payload = self._by_id.get(remote_id)
            built = None if payload is None else self._build(payload)
            if built is None or built.remote_id != remote_id:
                # A kind whose remote id is not the payload's ``id`` (reference data keyed by
                # its code): every object built, as ``SageReads.everything`` does.
                self.all()
            else:
                self._built[remote_id] = built
        return self._built.get(remote_id)


# Without a response cache, a client's known totals are its own (in this process only).
_TOTALS_OF_CLIENTS: weakref.WeakKeyDictionary[SageClient, KnownTotals] = weakref.WeakKeyDictionary()


def _uncached_totals(client: SageClient) -> KnownTotals:
    totals = _TOTALS_OF_CLIENTS.get(client)
    if totals is None:
        totals = _TOTALS_OF_CLIENTS[client] = KnownTotals(None)
    return totals


def _by_id(bodies: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(p["id"]): p for body in bodies for p in body.get("$items", [])}


def _list_key(resource: Resource, filters: Mapping[str, Any] | None) -> str:
    """Names a filtered list (not a page of it) for its known total."""
    return f"{resource.path}?{sorted((filters or {}).items())}"


def _pages_for(offset: int, size: int) -> tuple[int, list[int]]:
    """(items_per_page, page numbers) covering ``offset .. offset+size`` in fewest calls."""
    for per_page in (min(size, MAX_ITEMS_PER_PAGE), MAX_ITEMS_PER_PAGE):
        start = (offset // per_page) * per_page
        if offset + size <= start + per_page:
            return per_page, [offset // per_page + 1]
    per_page = min(size, MAX_ITEMS_PER_PAGE)
    first, last = offset // per_page, (offset + size - 1) // per_page
    return per_page, list(range(first + 1, last + 2))
