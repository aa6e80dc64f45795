"""``/tax_rates``.

System rates (GB, IE, CA, FR, ES, DE) are fixed; only US businesses may create, change or
delete rates (user-defined sales tax, optionally combined from components). Elsewhere a
write is refused with 422 (Sage documents the restriction, not its error).

``percentage`` is the rate on ``date`` (default today); ``percentages`` lists the periods
still in force unless ``include_historical_data=true`` asks for every period, or ``date``
for the one covering that day. ``usage`` and ``address_region_id`` narrow the list the way
Sage's Canadian selection works.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from ledgergraph.sandbox.api import query as q
from ledgergraph.sandbox.api.body import Body
from ledgergraph.sandbox.api.errors import record_invalid
from ledgergraph.sandbox.api.refs import tax_rate_label
from ledgergraph.sandbox.api.resource import Predicate, Resource
from ledgergraph.sandbox.api.scope import Scope
from ledgergraph.sandbox.api.wire import JSON, day, instant, money, ref
from ledgergraph.sandbox.books import BooksError
from ledgergraph.sandbox.books.money import ZERO
from ledgergraph.sandbox.books.records import TaxPeriod, TaxRate
from ledgergraph.sandbox.books.reference import enumeration

USAGES = ("sales", "purchase")
_EDITABLE_COUNTRIES = ("US",)


def _as_of(scope: Scope) -> date:
    return q.day(scope.query, "date") or scope.today


def _periods(scope: Scope, rate: TaxRate) -> list[JSON]:
    query = scope.query
    wanted = q.day(query, "date")
    if q.flag(query, "include_historical_data"):
        periods = rate.periods
    elif wanted is not None:
        periods = [p for p in rate.periods if p.covers(wanted)]
    else:
        today = scope.today
        periods = [p for p in rate.periods if p.to_date is None or p.to_date >= today]
    return [
        {
            "percentage": money(p.percentage),
            "from_date": day(p.from_date),
            "to_date": day(p.to_date),
        }
        for p in periods
    ]


def _fields(scope: Scope, rate: TaxRate) -> JSON:
    on = _as_of(scope)
    return {
        **ref("tax_rates", rate.id, tax_rate_label(scope.books, rate, on)),
        "created_at": instant(rate.created_at),
        "updated_at": instant(rate.updated_at),
        "name": rate.name,
        "agency": rate.agency,
        "percentage": money(scope.books.tax_percentage(rate.id, on)),
        "percentages": _periods(scope, rate) if not rate.is_combined else [],
        "is_visible": rate.is_visible,
        "retailer": rate.retailer,
        "editable": rate.editable,
        "deletable": rate.deletable,
        "is_combined_rate": rate.is_combined,
    }


def serialise(scope: Scope, rate: TaxRate) -> JSON:
    payload = _fields(scope, rate)
    if rate.is_combined:
        payload["component_tax_rates"] = [
            _fields(scope, scope.books.tax_rates[cid]) for cid in rate.component_ids
        ]
    return payload


def filters(scope: Scope) -> Predicate:
    query = scope.query
    usage = q.choice(query, "usage", USAGES)
    region = q.text(query, "address_region_id")
    if region is not None and region not in enumeration("address_regions"):
        raise record_invalid(f"'{region}' is not a valid address region", "address_region_id")
    for name in ("include_historical_data", "include_destination_vat_rates", "cis_only"):
        q.flag(query, name)
    q.day(query, "date")

    def keep(rate: TaxRate) -> bool:
        if not rate.is_visible:
            return False
        if usage is not None and usage not in rate.usage:
            return False
        return region is None or not rate.regions or region in rate.regions

    return keep


def _require_editable_country(scope: Scope) -> None:
    if scope.country.code not in _EDITABLE_COUNTRIES:
        raise BooksError(
            "Tax rates can only be created, changed or deleted in a US business", "base"
        )


def _new_rate(scope: Scope, name: str, agency: str | None, percentage: Decimal) -> TaxRate:
    books = scope.books
    now = books.now()
    return TaxRate(
        id=books.new_id(),
        created_at=now,
        updated_at=now,
        name=name,
        label="{name} {percentage}%",
        agency=agency,
        periods=[TaxPeriod(percentage=percentage, from_date=date(1900, 1, 1), to_date=None)],
        editable=True,
        deletable=True,
    )


def _components(scope: Scope, body: Body, agency: str | None) -> list[TaxRate] | None:
    bodies = body.children("component_tax_rate")
    if bodies is None:
        return None
    components = []
    for part in bodies:
        name = part.string("name", required=True)
        part_agency = part.string("agency")
        percentage = part.decimal("percentage", minimum=ZERO)
        if name is not None:
            components.append(_new_rate(scope, name, part_agency or agency, percentage or ZERO))
    return components


def create(scope: Scope, body: Body) -> TaxRate:
    _require_editable_country(scope)
    books = scope.books
    name = body.string("name", required=True)
    agency = body.string("agency")
    visible = body.boolean("is_visible")
    components = _components(scope, body, agency)
    if components is not None and not components:
        body.problem("component_tax_rate", "At least one component is required")
    body.problems.raise_if_any()
    assert name is not None
    parts = components or [_new_rate(scope, name, agency, ZERO)]
    if len(parts) == 1:
        rate = _new_rate(scope, name, agency, parts[0].periods[0].percentage)
    else:
        for part in parts:
            books.tax_rates[part.id] = part
        rate = _new_rate(scope, name, agency, ZERO)
        rate.periods = []
        rate.component_ids = [part.id for part in parts]
    if visible is not None:
        rate.is_visible = visible
    books.tax_rates[rate.id] = rate
    return rate


def update(scope: Scope, rate: TaxRate, body: Body) -> TaxRate:
    _require_editable_country(scope)
    if not rate.editable:
        raise BooksError("This tax rate cannot be edited", "base")
    books = scope.books
    name = body.string("name")
    agency = body.string("agency")
    visible = body.boolean("is_visible")
    components = _components(scope, body, agency or rate.agency)
    body.problems.raise_if_any()
    if name:
        rate.name = name
    if agency is not None:
        rate.agency = agency or None
    if visible is not None:
        rate.is_visible = visible
    if components:
        if len(components) == 1 and not rate.is_combined:
            _restate(rate, components[0].periods[0].percentage, scope.today)
        else:
            for part in components:
                books.tax_rates[part.id] = part
            rate.component_ids = [part.id for part in components]
            rate.periods = []
    books.touch(rate)
    return rate


def _restate(rate: TaxRate, percentage: Decimal, today: date) -> None:
    """A new percentage applies from today; the old one keeps the past."""
    kept = [p for p in rate.periods if p.from_date < today]
    if kept and (kept[-1].to_date is None or kept[-1].to_date >= today):
        last = kept[-1]
        kept[-1] = TaxPeriod(last.percentage, last.from_date, today - timedelta(days=1))
    rate.periods = [*kept, TaxPeriod(percentage, today, None)]


def delete(scope: Scope, rate: TaxRate) -> JSON | None:
    _require_editable_country(scope)
    if not rate.deletable:
        raise BooksError("This tax rate cannot be deleted", "base")
    if scope.books.tax_rate_in_use(rate.id):
        raise BooksError("This tax rate is in use and cannot be deleted", "base")
    scope.books.soft_delete(rate)
    return None


TAX_RATES: Resource[TaxRate] = Resource(
    name="tax_rates",
    root="tax_rate",
    store=lambda books: books.tax_rates,
    displayed_as=lambda scope, rate: tax_rate_label(scope.books, rate, _as_of(scope)),
    serialise=serialise,
    filters=filters,
    # Data-file order (Sage lists system rates in a fixed order), then user rates by age.
    order=lambda rate: (rate.created_at, 0),
    create=create,
    update=update,
    delete=delete,
)
