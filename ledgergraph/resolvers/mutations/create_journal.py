"""``createJournal``: a balanced manual journal, exactly once per idempotency key.

Everything Sage would refuse about the lines' amounts is refused here first, naming the
field, so an unbalanced journal never reaches Sage.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ledgergraph import kinds, model
from ledgergraph.errors import BadUserInput
from ledgergraph.resolvers.context import Context, Info
from ledgergraph.resolvers.mutations import lookups
from ledgergraph.resolvers.mutations.runner import create_from_input
from ledgergraph.schema.arguments import IdempotencyKey, WriteBusinessArg
from ledgergraph.schema.journal import JournalInput, JournalLineInput

FIELD = "input.lines"
MIN_LINES = 2


def _cents(value: Decimal, field: str) -> None:
    if value < 0:
        raise BadUserInput(f"{field} must not be negative.", field=field)
    if value != value.quantize(Decimal("0.01")):
        raise BadUserInput(f"{field} has more than two decimal places.", field=field)


def validate(data: JournalInput) -> None:
    if not data.reference.strip():
        raise BadUserInput("input.reference must not be empty.", field="input.reference")
    if len(data.lines) < MIN_LINES:
        raise BadUserInput(f"{FIELD} needs at least two lines (a debit and a credit).", field=FIELD)
    for i, line in enumerate(data.lines):
        where = f"{FIELD}[{i}]"
        _cents(line.debit, f"{where}.debit")
        _cents(line.credit, f"{where}.credit")
        if (line.debit > 0) == (line.credit > 0):
            raise BadUserInput(
                f"{where}: give either a debit or a credit (the other zero).",
                field=f"{where}.debit",
            )
        if (line.ledger_account_id is None) == (line.account_role is None):
            raise BadUserInput(
                f"{where}: give ledgerAccountId or accountRole (one of them).",
                field=f"{where}.ledgerAccountId",
            )
    debits = sum((line.debit for line in data.lines), Decimal(0))
    credits = sum((line.credit for line in data.lines), Decimal(0))
    if debits != credits:
        raise BadUserInput(
            f"{FIELD} does not balance: debits total {debits}, credits {credits}; they must "
            "be equal.",
            field=FIELD,
        )


async def _ledger_account(
    context: Context, business_id: str, line: JournalLineInput, where: str
) -> model.LedgerAccount:
    accounts = await lookups.ledger_accounts(context, business_id)
    if line.ledger_account_id is not None:
        field = f"{where}.ledgerAccountId"
        wanted = lookups.sage_id(
            line.ledger_account_id, expect="LedgerAccount", business_id=business_id, field=field
        )
        found = next((a for a in accounts if a.remote_id == wanted), None)
        if found is None:
            raise BadUserInput(f"{field}: no such ledger account in this business.", field=field)
        return found
    field = f"{where}.accountRole"
    role = line.account_role
    if role is None:
        raise BadUserInput(f"{where}: give ledgerAccountId or accountRole.", field=field)
    mapper = await context.loaders.reads.mapper(business_id)
    chosen = mapper.ledger_account_for(
        role, accounts, rates=await lookups.tax_rates(context, business_id)
    )
    if chosen is None:
        raise BadUserInput(
            f"{field}: this business has no {role.value} account; pass ledgerAccountId.",
            field=field,
        )
    return chosen


async def journal_body(context: Context, business_id: str, data: JournalInput) -> dict[str, Any]:
    lines = []
    for i, line in enumerate(data.lines):
        account = await _ledger_account(context, business_id, line, f"{FIELD}[{i}]")
        body: dict[str, Any] = {
            "ledger_account_id": account.remote_id,
            "debit": str(line.debit),
            "credit": str(line.credit),
        }
        if line.details is not None:
            body["details"] = line.details
        lines.append(body)
    body = {"date": data.date.isoformat(), "reference": data.reference, "journal_lines": lines}
    if data.description is not None:
        body["description"] = data.description
    return body


async def create_journal(
    info: Info,
    input: JournalInput,
    idempotency_key: IdempotencyKey = None,
    business: WriteBusinessArg = None,
) -> Any:
    return await create_from_input(
        info.context,
        "createJournal",
        kinds.JOURNAL,
        input,
        key_argument=idempotency_key,
        business=business,
        validate=validate,
        body=journal_body,
    )
