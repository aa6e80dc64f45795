"""Document lines: validated, resolved and turned into Sage's line bodies.

Sage wants ``tax_amount`` on every taxed line (except in Spain); LedgerGraph works it out the
way Sage does — per tax component, rounded half-up to the cent — so what Sage stores is what
the client meant.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ledgergraph import kinds, model
from ledgergraph.errors import BadUserInput
from ledgergraph.resolvers.context import Context
from ledgergraph.resolvers.mutations import lookups
from ledgergraph.schema.inputs import LineItemInput

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
NO_TAX_AMOUNT_COUNTRIES = frozenset({"ES"})


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def validate(lines: list[LineItemInput], field: str = "input.lines") -> None:
    if not lines:
        raise BadUserInput(f"{field} needs at least one line.", field=field)
    for i, line in enumerate(lines):
        where = f"{field}[{i}]"
        if not line.description.strip():
            raise BadUserInput(
                f"{where}.description must not be empty.", field=f"{where}.description"
            )
        if line.quantity <= 0:
            raise BadUserInput(f"{where}.quantity must be positive.", field=f"{where}.quantity")
        if line.unit_price < 0:
            raise BadUserInput(
                f"{where}.unitPrice must not be negative.", field=f"{where}.unitPrice"
            )
        if line.discount_amount is not None and line.discount_amount < 0:
            raise BadUserInput(
                f"{where}.discountAmount must not be negative.", field=f"{where}.discountAmount"
            )
        if line.tax_kind is not None and line.tax_rate_id is not None:
            raise BadUserInput(
                f"{where}: give taxKind or taxRateId, not both.", field=f"{where}.taxKind"
            )
        if line.account_role is not None and line.ledger_account_id is not None:
            raise BadUserInput(
                f"{where}: give accountRole or ledgerAccountId, not both.",
                field=f"{where}.accountRole",
            )


def tax_amount(net_or_gross: Decimal, rate: model.TaxRate, *, includes_tax: bool) -> Decimal:
    if includes_tax:
        return money(net_or_gross * rate.rate / (HUNDRED + rate.rate))
    parts = [c.rate for c in rate.components] or [rate.rate]
    return sum((money(net_or_gross * p / HUNDRED) for p in parts), Decimal(0))


async def _item(
    context: Context, business_id: str, line: LineItemInput, where: str
) -> tuple[str, str, model.ItemKind] | None:
    """The line's item as (Sage body key, Sage id, kind), or None when it names none."""
    if line.item_id is None:
        return None
    field = f"{where}.itemId"
    gid = lookups.sage_id(line.item_id, expect="Item", business_id=business_id, field=field)
    for resource, key in ((kinds.PRODUCTS, "product_id"), (kinds.SERVICES, "service_id")):
        found = await context.loaders.of(resource).load((business_id, gid))
        if isinstance(found, model.Item):
            if line.item_kind is not None and (line.item_kind is model.ItemKind.SERVICE) != (
                found.kind is model.ItemKind.SERVICE
            ):
                raise BadUserInput(
                    f"{where}.itemKind is {line.item_kind.value} but the item is a "
                    f"{found.kind.value}; leave itemKind out when giving itemId.",
                    field=f"{where}.itemKind",
                )
            return key, gid, found.kind
    raise BadUserInput(f"{field}: no such product or service in this business.", field=field)


async def sage_lines(
    context: Context,
    business_id: str,
    lines: list[LineItemInput],
    *,
    default_role: model.AccountRole,
    place: lookups.TaxPlace,
    country: str | None,
    field: str = "input.lines",
) -> list[dict[str, Any]]:
    result = []
    for i, line in enumerate(lines):
        where = f"{field}[{i}]"
        item = await _item(context, business_id, line, where)
        rate = await lookups.tax_rate(
            context,
            business_id,
            kind=line.tax_kind,
            explicit=line.tax_rate_id,
            place=place,
            field=f"{where}.taxKind" if line.tax_rate_id is None else f"{where}.taxRateId",
        )
        account = await lookups.ledger_account(
            context,
            business_id,
            role=line.account_role,
            default_role=default_role,
            explicit=line.ledger_account_id,
            tax_rate=rate,
            item_kind=item[2] if item is not None else line.item_kind,
            field=f"{where}.accountRole"
            if line.ledger_account_id is None
            else f"{where}.ledgerAccountId",
        )
        discount = line.discount_amount or Decimal(0)
        amount = money(line.quantity * line.unit_price - discount)
        body: dict[str, Any] = {
            "description": line.description,
            "quantity": str(line.quantity),
            "unit_price": str(line.unit_price),
            "unit_price_includes_tax": line.unit_price_includes_tax,
            "ledger_account_id": account.remote_id,
            "tax_rate_id": rate.remote_id,
        }
        if discount:
            body["discount_amount"] = str(discount)
        if country not in NO_TAX_AMOUNT_COUNTRIES:
            body["tax_amount"] = str(
                tax_amount(amount, rate, includes_tax=line.unit_price_includes_tax)
            )
        if item is not None:
            body[item[0]] = item[1]
        result.append(body)
    return result
