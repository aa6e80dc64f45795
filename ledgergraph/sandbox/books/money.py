"""Decimal arithmetic and Sage's wire format for amounts.

Amounts never touch float. Sage rounds half up to the cent and sends decimals as JSON
strings in Ruby's BigDecimal style: at least one fractional digit, no trailing zeros
beyond it ("20.0", "6.8", "1599.11", "9.975").
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ZERO = Decimal("0")
HUNDRED = Decimal("100")
_CENT = Decimal("0.01")


def round_money(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def to_wire(value: Decimal) -> str:
    """Sage's string form of a decimal."""
    if value.is_zero():
        return "0.0"
    text = format(value.normalize(), "f")
    return text if "." in text else f"{text}.0"


def percentage_label(value: Decimal, *, decimal_comma: bool = False) -> str:
    """A rate as Sage labels it: two decimals unless more are significant ("20.00", "9.975")."""
    text = format(value.quantize(_CENT), "f") if value == value.quantize(_CENT) else to_wire(value)
    return text.replace(".", ",") if decimal_comma else text


def parse_decimal(value: object) -> Decimal | None:
    """A decimal from a JSON number or numeric string; ``None`` when it is neither."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        # str() of a JSON float is its shortest repr: 0.1 stays 0.1, not the binary value.
        result = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return result if result.is_finite() else None
