"""Sage's reference lists (``/contact_types``, ``/currencies``, ``/address_regions`` …).

Most are static and the same for every business; the product price and service rate
types are the business's own (GUID ids).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ledgergraph.sandbox.api import query as q
from ledgergraph.sandbox.api.resources.settings import BUSINESS_TYPE_DESCRIPTIONS
from ledgergraph.sandbox.api.scope import Scope
from ledgergraph.sandbox.api.wire import JSON, instant, ref
from ledgergraph.sandbox.books.reference import countries, currencies, enumeration
from ledgergraph.sandbox.books.store import NamedType

_STATIC = (
    "contact_types",
    "artefact_statuses",
    "ledger_account_types",
    "transaction_types",
    "payment_methods",
    "bank_account_types",
    "catalog_item_types",
    "address_types",
    "contact_person_types",
    "eu_goods_services_types",
    "tax_schemes",
    "tax_return_frequencies",
    "countries_of_registration",
)


@dataclass(frozen=True, slots=True)
class ReferenceList:
    name: str
    # Every item in list order, each as (base attributes, all attributes).
    items: Callable[[Scope], list[tuple[JSON, JSON]]]
    # What names an item in ``/{name}/{key}``, from its base attributes.
    key: Callable[[JSON], str] = lambda base: str(base["id"])


def _plain(name: str) -> ReferenceList:
    def items(_: Scope) -> list[tuple[JSON, JSON]]:
        entries = []
        for item in enumeration(name).values():
            base = ref(name, item.id, item.displayed_as)
            entries.append((base, base))
        return entries

    return ReferenceList(name, items)


def _currencies(_: Scope) -> list[tuple[JSON, JSON]]:
    return [(ref("currencies", c.id, c.displayed_as),) * 2 for c in currencies().values()]


def _countries(_: Scope) -> list[tuple[JSON, JSON]]:
    return [(ref("countries", c.id, c.displayed_as),) * 2 for c in countries().values()]


def _business_types(_: Scope) -> list[tuple[JSON, JSON]]:
    entries = []
    for item in enumeration("business_types").values():
        base = ref("business_types", item.id, item.displayed_as)
        entries.append(
            (
                base,
                {
                    **base,
                    "name": item.displayed_as,
                    "description": BUSINESS_TYPE_DESCRIPTIONS[item.id],
                },
            )
        )
    return entries


def _address_regions(scope: Scope) -> list[tuple[JSON, JSON]]:
    country = q.text(scope.query, "country_id")
    entries = []
    for item in enumeration("address_regions").values():
        if country is not None and not item.id.startswith(f"{country}-"):
            continue
        base = ref("address_regions", item.id, item.displayed_as)
        entries.append(
            (base, {**base, "code": item.id.split("-", 1)[1], "name": item.displayed_as})
        )
    return entries


def _named_types(name: str, pick: Callable[[Scope], list[NamedType]]) -> ReferenceList:
    def items(scope: Scope) -> list[tuple[JSON, JSON]]:
        created = instant(scope.business.created_at)
        entries = []
        for kind in pick(scope):
            base = ref(name, kind.id, kind.name)
            entries.append(
                (
                    base,
                    {
                        **base,
                        "created_at": created,
                        "updated_at": created,
                        "name": kind.name,
                        "active": True,
                    },
                )
            )
        return entries

    return ReferenceList(name, items)


REFERENCE_LISTS: tuple[ReferenceList, ...] = (
    *(_plain(name) for name in _STATIC),
    ReferenceList("currencies", _currencies),
    ReferenceList("countries", _countries),
    ReferenceList("business_types", _business_types),
    ReferenceList("address_regions", _address_regions),
    _named_types("product_sales_price_types", lambda scope: scope.books.price_types),
    _named_types("service_rate_types", lambda scope: scope.books.rate_types),
)
