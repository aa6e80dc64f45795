"""How Sage works out line and document amounts.

A line's amount is quantity times unit price less its discount, rounded to the cent. When the
price includes tax, that amount is the gross and the tax is carved out of it; otherwise it
is the net and tax is added. A combined rate (CA GST & PST, US state + district) taxes each
component separately and the line's tax is their sum. A tax amount the client sent is kept
as sent (Sage lets users overwrite the VAT on a line), spread over the components.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from ledgergraph.sandbox.books.money import HUNDRED, ZERO, round_money
from ledgergraph.sandbox.books.records import TaxShare


@dataclass(frozen=True, slots=True)
class LineAmounts:
    net: Decimal
    tax: Decimal
    total: Decimal
    breakdown: tuple[TaxShare, ...]


def discount_from_percentage(
    quantity: Decimal, unit_price: Decimal, percentage: Decimal
) -> Decimal:
    return round_money(quantity * unit_price * percentage / HUNDRED)


def discount_percentage(quantity: Decimal, unit_price: Decimal, discount: Decimal) -> Decimal:
    gross = quantity * unit_price
    if gross.is_zero() or discount.is_zero():
        return ZERO
    return round_money(discount / gross * HUNDRED)


def line_amounts(
    *,
    quantity: Decimal,
    unit_price: Decimal,
    discount: Decimal,
    components: Sequence[tuple[str, Decimal]],
    includes_tax: bool,
    tax_override: Decimal | None = None,
) -> LineAmounts:
    """Amounts of one line taxed at ``components``: (rate id, percentage), several if combined."""
    amount = round_money(quantity * unit_price - discount)
    rate = sum((pct for _, pct in components), ZERO)
    if includes_tax:
        tax = (
            tax_override
            if tax_override is not None
            else round_money(amount * rate / (HUNDRED + rate))
        )
        net = amount - tax
    else:
        net = amount
        tax = (
            tax_override
            if tax_override is not None
            else sum((round_money(net * pct / HUNDRED) for _, pct in components), ZERO)
        )
    return LineAmounts(
        net=net, tax=tax, total=net + tax, breakdown=_breakdown(net, tax, components)
    )


def tax_on(net: Decimal, components: Sequence[tuple[str, Decimal]]) -> Decimal:
    return sum((round_money(net * pct / HUNDRED) for _, pct in components), ZERO)


def _breakdown(
    net: Decimal, tax: Decimal, components: Sequence[tuple[str, Decimal]]
) -> tuple[TaxShare, ...]:
    taxed = [(rate_id, pct) for rate_id, pct in components if not pct.is_zero()]
    if not taxed:
        return ()
    shares = [round_money(net * pct / HUNDRED) for _, pct in taxed]
    # The last component absorbs rounding (and any overwritten tax) so the shares add up.
    shares[-1] += tax - sum(shares, ZERO)
    return tuple(
        TaxShare(tax_rate_id=rate_id, percentage=pct, amount=share)
        for (rate_id, pct), share in zip(taxed, shares, strict=True)
    )
