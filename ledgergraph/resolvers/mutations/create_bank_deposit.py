"""``createBankDeposit``: cash and cheques paid in from a cash account, exactly once per
idempotency key. A source that is not a cash account, or amounts Sage would refuse, are refused
before Sage."""

from __future__ import annotations

from typing import Any

from ledgergraph import kinds, model
from ledgergraph.errors import BadUserInput
from ledgergraph.resolvers.context import Context, Info
from ledgergraph.resolvers.mutations.money_inputs import cents, two_bank_accounts
from ledgergraph.resolvers.mutations.runner import create_from_input
from ledgergraph.schema.arguments import IdempotencyKey, WriteBusinessArg
from ledgergraph.schema.money_movements import BankDepositInput


def validate(data: BankDepositInput) -> None:
    if not data.reference.strip():
        raise BadUserInput("input.reference must not be empty.", field="input.reference")
    cents(data.cash_amount, "input.cashAmount", positive=False)
    cents(data.cheque_amount, "input.chequeAmount", positive=False)
    if data.cash_amount + data.cheque_amount == 0:
        raise BadUserInput(
            "input.cashAmount: a deposit must pay in something (cash or cheques).",
            field="input.cashAmount",
        )


async def bank_deposit_body(
    context: Context, business_id: str, data: BankDepositInput
) -> dict[str, Any]:
    source, target = await two_bank_accounts(
        context, business_id, data.from_bank_account_id, data.to_bank_account_id
    )
    if source.kind is not model.BankAccountKind.CASH:
        raise BadUserInput(
            "input.fromBankAccountId: Sage deposits from a cash account only.",
            field="input.fromBankAccountId",
        )
    return {
        "from_bank_account_id": source.remote_id,
        "to_bank_account_id": target.remote_id,
        "date": data.date.isoformat(),
        "reference": data.reference,
        "cash_amount": str(data.cash_amount),
        "cheque_amount": str(data.cheque_amount),
        "total_amount": str(data.cash_amount + data.cheque_amount),
    }


async def create_bank_deposit(
    info: Info,
    input: BankDepositInput,
    idempotency_key: IdempotencyKey = None,
    business: WriteBusinessArg = None,
) -> Any:
    return await create_from_input(
        info.context,
        "createBankDeposit",
        kinds.BANK_DEPOSIT,
        input,
        key_argument=idempotency_key,
        business=business,
        validate=validate,
        body=bank_deposit_body,
    )
