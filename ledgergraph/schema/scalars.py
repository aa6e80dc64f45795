"""Shared value types: Money and Address."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from ledgergraph import model

# ISO 4217 minor units of the currencies whose exponent is not 2 (everything else has 2).
MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(
        ("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI"), 0
    ),
    **dict.fromkeys(("VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    "CLF": 4,
    "UYW": 4,
}


def minor_units(currency: str) -> int:
    return MINOR_UNITS.get(currency.upper(), 2)


def in_minor_units(amount: Decimal, currency: str) -> Decimal:
    """``amount`` written to at least the currency's minor units: Sage's "7520.4" becomes
    "7520.40" (EUR), "1500.0" becomes "1500" (JPY). Finer precision Sage sent (a unit price
    of "0.125") is kept, never rounded away."""
    places = minor_units(currency)
    significant = amount.normalize()
    exponent = significant.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        return significant
    return amount.quantize(Decimal(1).scaleb(-places))


def _amount(root: strawberry.Parent[model.Money]) -> Decimal:
    return in_minor_units(root.amount, root.currency)


@strawberry.type(
    description="An amount of money: a decimal amount (as a string, written to the currency's "
    'minor units: "7520.40" in GBP, "1500" in JPY) and an ISO 4217 currency code. Sage\'s raw '
    "value stays in the object's remoteData."
)
class Money:
    amount: Decimal = strawberry.field(resolver=_amount)
    currency: str


@strawberry.type(description="A postal address.")
class Address:
    line1: str | None
    line2: str | None
    city: str | None
    region: str | None
    postal_code: str | None
    country_code: str | None
