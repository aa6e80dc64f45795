"""The ledger's root fields: ledger entries, the trial balance, the profit and loss and the
balance sheet.

Ledger entries are a Sage list filtered by Sage (dates, ledger account, transaction), paged
like any other. The trial balance, the profit and loss and the balance sheet are all built
from one read of the ledger accounts with their balances for the period
(``mapping.ledger_reports``, ``mapping.balance_sheet``; a balance sheet's period runs from the
start of the books to its date): asked for together, with the same period, they share it, and
the reads of different periods go out together.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

import strawberry
from strawberry.dataloader import DataLoader

from ledgergraph import kinds, model
from ledgergraph.connectors.sage.mapping import balance_sheet, ledger_reports
from ledgergraph.errors import BadUserInput
from ledgergraph.ids import GlobalId
from ledgergraph.resolvers.arguments import document_filters
from ledgergraph.resolvers.context import Context, Info
from ledgergraph.resolvers.lists import business_of, sage_window
from ledgergraph.resolvers.ordering import Order
from ledgergraph.schema.arguments import After, BusinessArg, First, ModifiedSince


def _read(name: str) -> Any:
    def read(payload: Mapping[str, Any]) -> str:
        value = payload.get(name)
        return "" if value is None else str(value)

    return read


# Sage lists ledger entries by date, then in the order they were posted.
LEDGER_ORDER = Order("LEDGER", fields=(_read("date"), _read("created_at")))

FromDate = Annotated[dt.date | None, strawberry.argument(description="Only from this date on.")]
ToDate = Annotated[dt.date | None, strawberry.argument(description="Only up to this date.")]
PeriodFrom = Annotated[
    dt.date, strawberry.argument(description="The first day of the period (inclusive).")
]
PeriodTo = Annotated[
    dt.date, strawberry.argument(description="The last day of the period (inclusive).")
]
BalanceSheetDate = Annotated[
    dt.date, strawberry.argument(description="The day the balances are at (inclusive).")
]
LedgerAccountArg = Annotated[
    strawberry.ID | None,
    strawberry.argument(description="Only entries posted to this ledger account (global ID)."),
]
TransactionArg = Annotated[
    str | None,
    strawberry.argument(
        description="Only the entries of this Sage transaction (a LedgerEntry's transactionId)."
    ),
]
TransactionTypeArg = Annotated[
    str | None,
    strawberry.argument(description="Only entries of this Sage transaction type id."),
]


async def resolve_ledger_entries(
    info: Info,
    business: BusinessArg = None,
    first: First = None,
    after: After = None,
    from_date: FromDate = None,
    to_date: ToDate = None,
    ledger_account: LedgerAccountArg = None,
    transaction_id: TransactionArg = None,
    transaction_type: TransactionTypeArg = None,
    modified_since: ModifiedSince = None,
) -> Any:
    filters = document_filters(modified_since=modified_since, from_date=from_date, to_date=to_date)
    if ledger_account is not None:
        filters["ledger_account_id"] = GlobalId.decode(
            ledger_account, expect=kinds.LEDGER_ACCOUNT.type_name
        ).remote_id
    if transaction_id:
        filters["transaction_id"] = transaction_id
    if transaction_type:
        filters["transaction_type_id"] = transaction_type
    return await sage_window(
        info.context,
        kinds.LEDGER_ENTRY.resource,
        business=business,
        first=first,
        after=after,
        filters=filters,
        order=LEDGER_ORDER,
    )


Period = tuple[str, dt.date, dt.date]
Balances = tuple[str, list[model.LedgerAccount]]


class BalancesLoader(DataLoader[Period, Balances]):
    """The request's reads of ledger account balances (with the base currency), one per
    (business, period)."""

    def __init__(self, context: Context) -> None:
        super().__init__(load_fn=self._load)
        self._context = context

    async def _load(self, keys: Sequence[Period]) -> list[Balances]:
        return list(await asyncio.gather(*(self._read(*key) for key in keys)))

    async def _read(self, business_id: str, from_date: dt.date, to_date: dt.date) -> Balances:
        reads = self._context.loaders.reads
        accounts = await reads.everything(
            kinds.LEDGER_ACCOUNT.resource,
            business_id,
            filters=ledger_reports.balance_filters(from_date, to_date),
        )
        # The base currency the connection's business list already gave (no Sage call).
        return (await reads.mapper(business_id)).currency or "", accounts


async def _period(
    info: Info, business: str | None, from_date: dt.date, to_date: dt.date
) -> tuple[str, str, list[model.LedgerAccount]]:
    if from_date > to_date:
        raise BadUserInput("fromDate is after toDate", field="toDate")
    context = info.context
    business_id = await business_of(context, business)
    balances = context.loaders.keyed("ledger_balances", lambda: BalancesLoader(context))
    currency, accounts = await balances.load((business_id, from_date, to_date))
    return business_id, currency, accounts


async def resolve_trial_balance(
    info: Info, from_date: PeriodFrom, to_date: PeriodTo, business: BusinessArg = None
) -> Any:
    business_id, currency, accounts = await _period(info, business, from_date, to_date)
    return ledger_reports.trial_balance(
        accounts, business_id=business_id, from_date=from_date, to_date=to_date, currency=currency
    )


async def resolve_profit_and_loss(
    info: Info, from_date: PeriodFrom, to_date: PeriodTo, business: BusinessArg = None
) -> Any:
    business_id, currency, accounts = await _period(info, business, from_date, to_date)
    return ledger_reports.profit_and_loss(
        accounts, business_id=business_id, from_date=from_date, to_date=to_date, currency=currency
    )


async def resolve_balance_sheet(
    info: Info, date: BalanceSheetDate, business: BusinessArg = None
) -> Any:
    if date < balance_sheet.BOOKS_START:
        raise BadUserInput(f"date is before {balance_sheet.BOOKS_START}", field="date")
    # The same loader as the trial balance and the profit and loss: a trial balance asked from
    # BOOKS_START to the same date shares the read, any other period is read in the same batch.
    business_id, currency, accounts = await _period(info, business, balance_sheet.BOOKS_START, date)
    return balance_sheet.balance_sheet(
        accounts, business_id=business_id, date=date, currency=currency
    )
