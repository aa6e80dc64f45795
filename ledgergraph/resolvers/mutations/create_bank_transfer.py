"""``createBankTransfer``: money moved between two of the business's bank accounts, exactly
once per idempotency key. Same account twice, a non-positive amount or fractions of a cent are
refused before Sage."""

from __future__ import annotations

import dataclasses
from typing import Any

from ledgergraph import kinds
from ledgergraph.events import EventKind
from ledgergraph.resolvers.context import Info
from ledgergraph.resolvers.lists import business_of
from ledgergraph.resolvers.mutations.money_inputs import cents, two_bank_accounts
from ledgergraph.resolvers.mutations.runner import Write, key_for, run_create
from ledgergraph.schema.arguments import IdempotencyKey, WriteBusinessArg
from ledgergraph.schema.money_movements import BankTransferInput


async def create_bank_transfer(
    info: Info,
    input: BankTransferInput,
    idempotency_key: IdempotencyKey = None,
    business: WriteBusinessArg = None,
) -> Any:
    context = info.context
    key = key_for(context, idempotency_key)
    cents(input.amount, "input.amount")
    business_id = await business_of(context, business)
    source, target = await two_bank_accounts(
        context, business_id, input.from_bank_account_id, input.to_bank_account_id
    )
    body: dict[str, Any] = {
        "from_bank_account_id": source.remote_id,
        "to_bank_account_id": target.remote_id,
        "date": input.date.isoformat(),
        "amount": str(input.amount),
    }
    if input.reference is not None:
        body["reference"] = input.reference
    if input.description is not None:
        body["description"] = input.description
    write = Write(
        operation="createBankTransfer",
        business_id=business_id,
        payload={"input": dataclasses.asdict(input)},
        object_kind=kinds.BANK_TRANSFER,
        event=EventKind.CREATED,
    )
    return await run_create(context, key, write, body)
