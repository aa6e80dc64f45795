"""``createOtherPayment``: an expense paid (OUT) or other money received (IN) straight to ledger
accounts, exactly once per idempotency key.

Each line's total includes its tax; the net and tax sent to Sage are worked out from the tax
rate here (``net = total * 100 / (100 + rate)``, rounded to the cent; tax the rest), so the
answer's amounts are the ones the client can predict. The ledger accounts and tax rates the lines
name come from the business's whole lists, read once per request whatever the number of lines.
A ledger account Sage hides from other payments (or receipts) is refused before Sage.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ledgergraph import kinds, model
from ledgergraph.connectors.sage.mapping.money_movements import MoneyDirection
from ledgergraph.errors import BadUserInput
from ledgergraph.resolvers.context import Context, Info
from ledgergraph.resolvers.mutations import lookups
from ledgergraph.resolvers.mutations.money_inputs import CENT, bank_account, cents
from ledgergraph.resolvers.mutations.runner import create_from_input
from ledgergraph.schema.arguments import IdempotencyKey, WriteBusinessArg
from ledgergraph.schema.money_movements import OtherPaymentInput, OtherPaymentLineInput

FIELD = "input.lines"
MAX_REFERENCE = 25
# Sage's transaction type, and the ledger-account flag that lets an account take it.
_SAGE = {
    MoneyDirection.OUT: ("OTHER_PAYMENT", "visible_in_other_payments", "other payments"),
    MoneyDirection.IN: ("OTHER_RECEIPT", "visible_in_other_receipts", "other receipts"),
}


def validate(data: OtherPaymentInput) -> None:
    if not data.lines:
        raise BadUserInput(f"{FIELD} needs at least one line.", field=FIELD)
    if data.reference is not None and len(data.reference) > MAX_REFERENCE:
        raise BadUserInput(
            f"input.reference has more than {MAX_REFERENCE} characters.", field="input.reference"
        )
    for i, line in enumerate(data.lines):
        cents(line.total_amount, f"{FIELD}[{i}].totalAmount")


def split(total: Decimal, rate: model.TaxRate | None) -> tuple[Decimal, Decimal]:
    """(net, tax) of a total that includes tax at ``rate``."""
    if rate is None or rate.rate == 0:
        return total, Decimal("0.00")
    net = (total * 100 / (100 + rate.rate)).quantize(CENT, rounding=ROUND_HALF_UP)
    return net, total - net


async def _line_body(
    context: Context,
    business_id: str,
    direction: MoneyDirection,
    line: OtherPaymentLineInput,
    where: str,
) -> dict[str, Any]:
    _, flag, area = _SAGE[direction]
    field = f"{where}.ledgerAccountId"
    wanted = lookups.sage_id(
        line.ledger_account_id, expect="LedgerAccount", business_id=business_id, field=field
    )
    accounts = await lookups.ledger_accounts(context, business_id)
    account = next((a for a in accounts if a.remote_id == wanted), None)
    if account is None:
        raise BadUserInput(f"{field}: no such ledger account in this business.", field=field)
    if account.remote_data.get(flag) is False:
        raise BadUserInput(
            f"{field}: Sage does not let {account.name} ({account.code}) take {area}.",
            field=field,
        )
    rate: model.TaxRate | None = None
    if line.tax_rate_id is not None:
        rate_field = f"{where}.taxRateId"
        wanted_rate = lookups.sage_id(
            line.tax_rate_id, expect="TaxRate", business_id=business_id, field=rate_field
        )
        rates = await lookups.tax_rates(context, business_id)
        rate = next((r for r in rates if r.remote_id == wanted_rate), None)
        if rate is None:
            raise BadUserInput(
                f"{rate_field}: no such tax rate in this business.", field=rate_field
            )
    net, tax = split(line.total_amount, rate)
    body: dict[str, Any] = {
        "ledger_account_id": account.remote_id,
        "net_amount": str(net),
        "tax_amount": str(tax),
        "total_amount": str(line.total_amount),
    }
    if rate is not None:
        body["tax_rate_id"] = rate.remote_id
    if line.details is not None:
        body["details"] = line.details
    return body


async def other_payment_body(
    context: Context, business_id: str, data: OtherPaymentInput
) -> dict[str, Any]:
    bank = await bank_account(context, business_id, data.bank_account_id, "input.bankAccountId")
    lines = [
        await _line_body(context, business_id, data.direction, line, f"{FIELD}[{i}]")
        for i, line in enumerate(data.lines)
    ]
    body: dict[str, Any] = {
        "transaction_type_id": _SAGE[data.direction][0],
        "date": data.date.isoformat(),
        "bank_account_id": bank.remote_id,
        "net_amount": str(sum((Decimal(line["net_amount"]) for line in lines), Decimal(0))),
        "tax_amount": str(sum((Decimal(line["tax_amount"]) for line in lines), Decimal(0))),
        "total_amount": str(sum((line.total_amount for line in data.lines), Decimal(0))),
        "payment_lines": lines,
    }
    if data.contact_id is not None:
        body["contact_id"] = lookups.sage_id(
            data.contact_id, expect="Contact", business_id=business_id, field="input.contactId"
        )
    if data.reference is not None:
        body["reference"] = data.reference
    return body


async def create_other_payment(
    info: Info,
    input: OtherPaymentInput,
    idempotency_key: IdempotencyKey = None,
    business: WriteBusinessArg = None,
) -> Any:
    return await create_from_input(
        info.context,
        "createOtherPayment",
        kinds.OTHER_PAYMENT,
        input,
        key_argument=idempotency_key,
        business=business,
        validate=validate,
        body=other_payment_body,
    )
