"""Sage products and services → ``Item``."""

from __future__ import annotations

from decimal import Decimal

from ledgergraph.connectors.sage.mapping.documents import CATALOG_ITEM_KINDS
from ledgergraph.connectors.sage.mapping.values import (
    Payload,
    decimal,
    flag,
    money,
    objects,
    path_kind,
    ref,
    ref_id,
    required_id,
    text,
    timestamp,
)
from ledgergraph.model import Item, ItemKind

_KIND_BY_COLLECTION: dict[str, ItemKind] = {
    "services": ItemKind.SERVICE,
    "stock_items": ItemKind.STOCK_ITEM,
    "products": ItemKind.PRODUCT,
}


def item_kind(data: Payload) -> ItemKind:
    """``catalog_item_type`` when Sage sends it, else the collection the item came from."""
    kind = CATALOG_ITEM_KINDS.get(ref_id(data, "catalog_item_type") or "")
    if kind is None:
        kind = _KIND_BY_COLLECTION.get(path_kind(data) or "")
    if kind is None:
        kind = ItemKind.SERVICE if "sales_rates" in data else ItemKind.PRODUCT
    return kind


def _first_price(data: Payload) -> Decimal | None:
    # The first entry is Sage's default price type ("Sales Price" / "Rate").
    for key, field in (("sales_prices", "price"), ("sales_rates", "rate")):
        for entry in objects(data, key):
            value = decimal(entry, field)
            if value is not None:
                return value
    return None


def item(data: Payload, business_id: str, *, currency: str | None = None) -> Item:
    """An ``Item`` from a ``/products`` or ``/services`` item; prices are in ``currency`` (base)."""
    return Item(
        business_id=business_id,
        remote_id=required_id(data, "item"),
        remote_data=dict(data),
        kind=item_kind(data),
        code=text(data, "item_code"),
        name=text(data, "description") or text(data, "displayed_as") or "",
        sales_price=money(_first_price(data), currency),
        purchase_price=money(decimal(data, "cost_price"), currency),
        sales_ledger_account=ref(data, "sales_ledger_account"),
        purchase_ledger_account=ref(data, "purchase_ledger_account"),
        sales_tax_rate=ref(data, "sales_tax_rate"),
        is_active=flag(data, "active", default=True),
        updated_at=timestamp(data, "updated_at"),
    )
