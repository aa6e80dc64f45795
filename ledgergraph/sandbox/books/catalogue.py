"""What a business sells, as written in ``world.json``."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    code: str
    description: str
    price: Decimal
    cost: Decimal
    # A tax key of the business's country; None means the country's (regional) default.
    tax: str | None
    is_service: bool


def catalogue_from(raw: dict[str, Any]) -> tuple[CatalogueEntry, ...]:
    products = tuple(
        CatalogueEntry(
            code=p["code"],
            description=p["description"],
            price=Decimal(p["price"]),
            cost=Decimal(p.get("cost", "0")),
            tax=p.get("tax"),
            is_service=False,
        )
        for p in raw.get("products", [])
    )
    services = tuple(
        CatalogueEntry(
            code=s["code"],
            description=s["description"],
            price=Decimal(s["rate"]),
            cost=Decimal(s.get("cost", "0")),
            tax=s.get("tax"),
            is_service=True,
        )
        for s in raw.get("services", [])
    )
    return products + services
