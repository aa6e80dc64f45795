"""``/products`` and ``/services``: what a business sells.

Both are soft-deleted (``deleted_since``); an item used on a live document cannot be deleted.
"""

from __future__ import annotations

from ledgergraph.sandbox.api import query as q
from ledgergraph.sandbox.api.body import Body
from ledgergraph.sandbox.api.refs import contact_ref, enum_ref, ledger_account_ref, tax_rate_ref
from ledgergraph.sandbox.api.resource import Predicate, Resource
from ledgergraph.sandbox.api.resources import checks
from ledgergraph.sandbox.api.scope import Scope
from ledgergraph.sandbox.api.wire import JSON, instant, money, ref
from ledgergraph.sandbox.books import BooksError
from ledgergraph.sandbox.books.money import ZERO
from ledgergraph.sandbox.books.records import CatalogItem, SalesPrice
from ledgergraph.sandbox.books.store import NamedType


def _prices(scope: Scope, item: CatalogItem, *, service: bool) -> list[JSON]:
    collection = "service_rate_types" if service else "product_sales_price_types"
    entries = []
    for price in item.prices:
        common = {
            "id": price.id,
            "displayed_as": price.price_name,
            "created_at": instant(price.created_at),
            "updated_at": instant(price.updated_at),
        }
        kind = ref(collection, price.type_id, price.price_name)
        if service:
            entries.append(
                common
                | {
                    "rate_name": price.price_name,
                    "rate": money(price.price),
                    "rate_includes_tax": price.price_includes_tax,
                    "service_rate_type": kind,
                }
            )
        else:
            entries.append(
                common
                | {
                    "price_name": price.price_name,
                    "price": money(price.price),
                    "price_includes_tax": price.price_includes_tax,
                    "product_sales_price_type": kind,
                }
            )
    return entries


def serialise_product(scope: Scope, item: CatalogItem) -> JSON:
    books = scope.books
    return {
        **ref("products", item.id, item.displayed_as),
        "created_at": instant(item.created_at),
        "updated_at": instant(item.updated_at),
        "deletable": item.id not in scope.once("items_in_use", books.catalog_items_in_use),
        "deactivatable": True,
        "used_on_recurring_invoice": False,
        "item_code": item.item_code,
        "description": item.description,
        "notes": item.notes,
        "sales_ledger_account": ledger_account_ref(books, item.sales_ledger_account_id),
        "sales_tax_rate": tax_rate_ref(books, item.sales_tax_rate_id, scope.today),
        "purchase_ledger_account": ledger_account_ref(books, item.purchase_ledger_account_id),
        "usual_supplier": contact_ref(books, item.usual_supplier_id),
        "purchase_tax_rate": tax_rate_ref(books, item.purchase_tax_rate_id, scope.today),
        "cost_price": money(item.cost_price),
        "sales_prices": _prices(scope, item, service=False),
        "source_guid": item.source_guid,
        "purchase_description": item.purchase_description,
        "active": item.active,
        "catalog_item_type": enum_ref("catalog_item_types", item.catalog_item_type_id),
    }


def serialise_service(scope: Scope, item: CatalogItem) -> JSON:
    books = scope.books
    return {
        **ref("services", item.id, item.displayed_as),
        "created_at": instant(item.created_at),
        "updated_at": instant(item.updated_at),
        "deletable": item.id not in scope.once("items_in_use", books.catalog_items_in_use),
        "deactivatable": True,
        "used_on_recurring_invoice": False,
        "item_code": item.item_code,
        "description": item.description,
        "notes": item.notes,
        "sales_ledger_account": ledger_account_ref(books, item.sales_ledger_account_id),
        "purchase_ledger_account": ledger_account_ref(books, item.purchase_ledger_account_id),
        "sales_tax_rate": tax_rate_ref(books, item.sales_tax_rate_id, scope.today),
        "purchase_tax_rate": tax_rate_ref(books, item.purchase_tax_rate_id, scope.today),
        "sales_rates": _prices(scope, item, service=True),
        "source_guid": item.source_guid,
        "purchase_description": item.purchase_description,
        "usual_supplier": contact_ref(books, item.usual_supplier_id),
        "active": item.active,
        "cost_price": money(item.cost_price),
        "oss_service": item.oss_service,
    }


def filters(scope: Scope) -> Predicate:
    search = (q.text(scope.query, "search") or "").lower()
    active = q.flag(scope.query, "active")

    def keep(item: CatalogItem) -> bool:
        if active is not None and item.active != active:
            return False
        if search:
            return search in item.description.lower() or search in (item.item_code or "").lower()
        return True

    return keep


def _read_prices(
    scope: Scope, body: Body, item: CatalogItem, types: list[NamedType], *, service: bool
) -> list[SalesPrice] | None:
    key, name_key, value_key, includes_key, type_key = (
        ("sales_rates", "rate_name", "rate", "rate_includes_tax", "service_rate_type_id")
        if service
        else (
            "sales_prices",
            "price_name",
            "price",
            "price_includes_tax",
            "product_sales_price_type_id",
        )
    )
    bodies = body.children(key)
    if bodies is None:
        return None
    now = scope.books.now()
    prices = {p.type_id: p for p in item.prices}
    for part in bodies:
        type_id = part.string(type_key)
        name = part.string(name_key)
        value = part.decimal(value_key, minimum=ZERO)
        includes = part.boolean(includes_key)
        kind = next((t for t in types if t.id == type_id or (not type_id and t.name == name)), None)
        if kind is None:
            part.problem(type_key, f"Couldn't find the price type '{type_id or name}'")
            continue
        price = prices.get(kind.id) or SalesPrice(
            id=scope.books.new_id(),
            created_at=now,
            updated_at=now,
            price_name=kind.name,
            price=ZERO,
            price_includes_tax=False,
            type_id=kind.id,
        )
        price.price_name = name or price.price_name
        price.price = value if value is not None else price.price
        price.price_includes_tax = includes if includes is not None else price.price_includes_tax
        price.updated_at = now
        prices[kind.id] = price
    return list(prices.values())


def _apply(scope: Scope, item: CatalogItem, body: Body, *, service: bool, creating: bool) -> None:
    description = body.string("description", required=creating, max_length=200)
    sales_ledger = checks.ledger_account_id(
        scope, body, "sales_ledger_account_id", required=creating, visible_in="sales"
    )
    purchase_ledger = checks.ledger_account_id(
        scope,
        body,
        "purchase_ledger_account_id",
        required=creating and not service,
        visible_in="expenses",
    )
    sales_tax = checks.tax_rate_id(scope, body, "sales_tax_rate_id")
    purchase_tax = checks.tax_rate_id(scope, body, "purchase_tax_rate_id")
    supplier = body.string("usual_supplier_id")
    if supplier and not (
        (contact := scope.books.contacts.get(supplier))
        and contact.is_a("VENDOR")
        and not contact.deleted
    ):
        body.problem("usual_supplier_id", "can't find supplier")
    cost = body.decimal("cost_price", minimum=ZERO)
    active = body.boolean("active")
    item_type = (
        None if service else checks.enum_id(body, "catalog_item_type_id", "catalog_item_types")
    )
    if item_type == "SERVICE":
        body.problem("catalog_item_type_id", "A product cannot be of type SERVICE")
    oss = body.boolean("oss_service") if service else None
    texts = {
        f: body.string(f) for f in ("item_code", "notes", "source_guid", "purchase_description")
    }
    types = scope.books.rate_types if service else scope.books.price_types
    prices = _read_prices(scope, body, item, types, service=service)
    body.problems.raise_if_any()

    if description is not None:
        item.description = description
    if sales_ledger is not None:
        item.sales_ledger_account_id = sales_ledger
    if body.has("purchase_ledger_account_id"):
        item.purchase_ledger_account_id = purchase_ledger
    if body.has("sales_tax_rate_id"):
        item.sales_tax_rate_id = sales_tax
    if body.has("purchase_tax_rate_id"):
        item.purchase_tax_rate_id = purchase_tax
    if body.has("usual_supplier_id"):
        item.usual_supplier_id = supplier or None
    if cost is not None:
        item.cost_price = cost
    if active is not None:
        item.active = active
    if item_type is not None:
        item.catalog_item_type_id = item_type
    if oss is not None:
        item.oss_service = oss
    for field, value in texts.items():
        if value is not None:
            setattr(item, field, value or None)
    if prices is not None:
        item.prices = prices


def _create(scope: Scope, body: Body, *, service: bool) -> CatalogItem:
    books = scope.books
    now = books.now()
    types = books.rate_types[:1] if service else books.price_types
    item = CatalogItem(
        id=books.new_id(),
        created_at=now,
        updated_at=now,
        description="",
        sales_ledger_account_id="",
        catalog_item_type_id="SERVICE" if service else "PRODUCT",
        prices=[
            SalesPrice(
                id=books.new_id(),
                created_at=now,
                updated_at=now,
                price_name=t.name,
                price=ZERO,
                price_includes_tax=False,
                type_id=t.id,
            )
            for t in types
        ],
    )
    _apply(scope, item, body, service=service, creating=True)
    (books.services if service else books.products)[item.id] = item
    return item


def create_product(scope: Scope, body: Body) -> CatalogItem:
    return _create(scope, body, service=False)


def create_service(scope: Scope, body: Body) -> CatalogItem:
    return _create(scope, body, service=True)


def update_product(scope: Scope, item: CatalogItem, body: Body) -> CatalogItem:
    _apply(scope, item, body, service=False, creating=False)
    scope.books.touch(item)
    return item


def update_service(scope: Scope, item: CatalogItem, body: Body) -> CatalogItem:
    _apply(scope, item, body, service=True, creating=False)
    scope.books.touch(item)
    return item


def delete(scope: Scope, item: CatalogItem) -> JSON | None:
    if item.id in scope.books.catalog_items_in_use():
        raise BooksError("This item is used on transactions and cannot be deleted", "base")
    scope.books.soft_delete(item)
    return None


def _order(item: CatalogItem) -> tuple[str, str]:
    return ((item.item_code or item.description).lower(), item.id)


PRODUCTS: Resource[CatalogItem] = Resource(
    name="products",
    root="product",
    store=lambda books: books.products,
    displayed_as=lambda scope, item: item.displayed_as,
    serialise=serialise_product,
    filters=filters,
    order=_order,
    deleted_since=True,
    create=create_product,
    update=update_product,
    delete=delete,
)

SERVICES: Resource[CatalogItem] = Resource(
    name="services",
    root="service",
    store=lambda books: books.services,
    displayed_as=lambda scope, item: item.displayed_as,
    serialise=serialise_service,
    filters=filters,
    order=_order,
    deleted_since=True,
    create=create_service,
    update=update_service,
    delete=delete,
)
