"""``createBankTransfer``: money moved between two of the business's bank accounts, exactly
once per idempotency key. Same account twice, a non-positive amount or fractions of a cent are
refused before Sage."""

from __future__ import annotations

from typing import Any

from ledgergraph import kinds
from ledgergraph.resolvers.context import Context, Info
from ledgergraph.resolvers.mutations.money_inputs import cents, two_bank_accounts
from ledgergraph.resolvers.mutations.runner import create_from_input
from ledgergraph.schema.arguments import IdempotencyKey, WriteBusinessArg
from ledgergraph.schema.money_movements import BankTransferInput


def validate(data: BankTransferInput) -> None:
    cents(data.amount, "input.amount")


async def bank_transfer_body(
    context: Context, business_id: str, data: BankTransferInput
) -> dict[str, Any]:
    source, target = await two_bank_accounts(
        context, business_id, data.from_bank_account_id, data.to_bank_account_id
    )
    body: dict[str, Any] = {
        "from_bank_account_id": source.remote_id,
        "to_bank_account_id": target.remote_id,
        "date": data.date.isoformat(),
        "amount": str(data.amount),
    }
    if data.reference is not None:
        body["reference"] = data.reference
    if data.description is not None:
        body["description"] = data.description
    return body


async def create_bank_transfer(
    info: Info,
    input: BankTransferInput,
    idempotency_key: IdempotencyKey = None,
    business: WriteBusinessArg = None,
) -> Any:
    return await create_from_input(
        info.context,
        "createBankTransfer",
        kinds.BANK_TRANSFER,
        input,
        key_argument=idempotency_key,
        business=business,
        validate=validate,
        body=bank_transfer_body,
    )
