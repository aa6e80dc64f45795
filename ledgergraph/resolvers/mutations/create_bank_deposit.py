"""``createBankDeposit``: cash and cheques paid in from a cash account, exactly once per
idempotency key. A source that is not a cash account, or amounts Sage would refuse, are refused
before Sage."""

from __future__ import annotations

import dataclasses
from typing import Any

from ledgergraph import kinds, model
from ledgergraph.errors import BadUserInput
from ledgergraph.events import EventKind
from ledgergraph.resolvers.context import Info
from ledgergraph.resolvers.lists import business_of
from ledgergraph.resolvers.mutations.money_inputs import cents, two_bank_accounts
from ledgergraph.resolvers.mutations.runner import Write, key_for, run_create
from ledgergraph.schema.arguments import IdempotencyKey, WriteBusinessArg
from ledgergraph.schema.money_movements import BankDepositInput


async def create_bank_deposit(
    info: Info,
    input: BankDepositInput,
    idempotency_key: IdempotencyKey = None,
    business: WriteBusinessArg = None,
) -> Any:
    context = info.context
    key = key_for(context, idempotency_key)
    if not input.reference.strip():
        raise BadUserInput("input.reference must not be empty.", field="input.reference")
    cents(input.cash_amount, "input.cashAmount", positive=False)
    cents(input.cheque_amount, "input.chequeAmount", positive=False)
    if input.cash_amount + input.cheque_amount == 0:
        raise BadUserInput(
            "input.cashAmount: a deposit must pay in something (cash or cheques).",
            field="input.cashAmount",
        )
    business_id = await business_of(context, business)
    source, target = await two_bank_accounts(
        context, business_id, input.from_bank_account_id, input.to_bank_account_id
    )
    if source.kind is not model.BankAccountKind.CASH:
        raise BadUserInput(
            "input.fromBankAccountId: Sage deposits from a cash account only.",
            field="input.fromBankAccountId",
        )
    body: dict[str, Any] = {
        "from_bank_account_id": source.remote_id,
        "to_bank_account_id": target.remote_id,
        "date": input.date.isoformat(),
        "reference": input.reference,
        "cash_amount": str(input.cash_amount),
        "cheque_amount": str(input.cheque_amount),
        "total_amount": str(input.cash_amount + input.cheque_amount),
    }
    write = Write(
        operation="createBankDeposit",
        business_id=business_id,
        payload={"input": dataclasses.asdict(input)},
        object_kind=kinds.BANK_DEPOSIT,
        event=EventKind.CREATED,
    )
    return await run_create(context, key, write, body)
