"""What the money-movement mutations share: amounts in cents and the bank accounts they name."""

from __future__ import annotations

from decimal import Decimal

from ledgergraph import kinds, model
from ledgergraph.errors import BadUserInput
from ledgergraph.resolvers.context import Context
from ledgergraph.resolvers.mutations import lookups

CENT = Decimal("0.01")


def cents(value: Decimal, field: str, *, positive: bool = True) -> None:
    """Refuse what Sage would: a negative (or, when ``positive``, zero) amount, or fractions
    of a cent."""
    if value < 0 or (positive and value == 0):
        raise BadUserInput(
            f"{field} must be {'greater than zero' if positive else 'zero or more'}.", field=field
        )
    if value != value.quantize(CENT):
        raise BadUserInput(f"{field} has more than two decimal places.", field=field)


async def bank_account(
    context: Context, business_id: str, value: str, field: str
) -> model.BankAccount:
    """The business's bank account a global ID names (one read of the whole, cached, list)."""
    wanted = lookups.sage_id(value, expect="BankAccount", business_id=business_id, field=field)
    accounts: list[model.BankAccount] = await context.loaders.whole_list(kinds.BANK_ACCOUNTS).all(
        business_id
    )
    found = next((a for a in accounts if a.remote_id == wanted), None)
    if found is None:
        raise BadUserInput(f"{field}: no such bank account in this business.", field=field)
    return found


async def two_bank_accounts(
    context: Context, business_id: str, source: str, target: str
) -> tuple[model.BankAccount, model.BankAccount]:
    """The ``from`` and ``to`` accounts of a transfer or a deposit, which must differ."""
    first = await bank_account(context, business_id, source, "input.fromBankAccountId")
    second = await bank_account(context, business_id, target, "input.toBankAccountId")
    if first.remote_id == second.remote_id:
        raise BadUserInput(
            "input.toBankAccountId: money must move to another bank account than it leaves.",
            field="input.toBankAccountId",
        )
    return first, second
