"""``/exchange_rates``: the rate from the business's base currency to each of Sage's 34
currencies (Sage's "GBP -> AUD": units of the currency one unit of the base buys).

Sage's items have no ``id``: each is named by its currency (``/exchange_rates/AUD``). The
sandbox's rates are a fixed table (units per euro), the same every day, so answers are
predictable; ``updated_at`` is the business's creation.
"""

from __future__ import annotations

from decimal import Decimal

from ledgergraph.sandbox.api.refs import currency_ref
from ledgergraph.sandbox.api.resources.reference_lists import ReferenceList
from ledgergraph.sandbox.api.scope import Scope
from ledgergraph.sandbox.api.wire import JSON, instant
from ledgergraph.sandbox.books.reference import currencies

NAME = "exchange_rates"
_PLACES = Decimal("0.0000000001")
# Units of each currency per euro.
PER_EURO: dict[str, Decimal] = {
    code: Decimal(units)
    for code, units in {
        "AED": "4.2735",
        "AUD": "1.7652",
        "BGN": "1.9558",
        "BRL": "6.3120",
        "CAD": "1.6104",
        "CHF": "0.9371",
        "CNY": "8.2950",
        "CZK": "24.312",
        "DKK": "7.4605",
        "EUR": "1",
        "GBP": "0.8702",
        "HKD": "9.0530",
        "HRK": "7.5345",
        "HUF": "389.25",
        "IDR": "19105",
        "ILS": "4.1190",
        "INR": "101.35",
        "ISK": "146.90",
        "JPY": "180.15",
        "KRW": "1685.4",
        "MXN": "21.180",
        "MYR": "4.8760",
        "NOK": "11.842",
        "NZD": "2.0145",
        "PHP": "67.830",
        "PLN": "4.2290",
        "RON": "5.0860",
        "RUB": "92.450",
        "SEK": "10.965",
        "SGD": "1.5060",
        "THB": "37.420",
        "TRY": "49.310",
        "USD": "1.1635",
        "ZAR": "20.145",
    }.items()
}


def rate(base: str, currency: str) -> Decimal:
    """Units of ``currency`` one unit of ``base`` buys, to ten places."""
    return (PER_EURO[currency] / PER_EURO[base]).quantize(_PLACES)


def _items(scope: Scope) -> list[tuple[JSON, JSON]]:
    base = scope.books.base_currency_id()
    changed = instant(scope.business.created_at)
    entries = []
    for code in currencies():
        short = {"displayed_as": f"{base} -> {code}", "$path": f"/{NAME}/{code}"}
        forward = rate(base, code)
        full = {
            **short,
            "created_at": changed,
            "updated_at": changed,
            "rate": str(forward),
            "inverse_rate": str((1 / forward).quantize(_PLACES)),
            "base_currency": currency_ref(base),
            "currency": currency_ref(code),
        }
        entries.append((short, full))
    return entries


EXCHANGE_RATES = ReferenceList(
    NAME, _items, key=lambda short: str(short["$path"]).removeprefix(f"/{NAME}/")
)
