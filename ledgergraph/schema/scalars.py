"""Shared value types: Money and Address."""

from __future__ import annotations

from decimal import Decimal

import strawberry


@strawberry.type(description="An amount of money: a decimal amount (as a string) and currency.")
class Money:
    amount: Decimal
    currency: str


@strawberry.type(description="A postal address.")
class Address:
    line1: str | None
    line2: str | None
    city: str | None
    region: str | None
    postal_code: str | None
    country_code: str | None
