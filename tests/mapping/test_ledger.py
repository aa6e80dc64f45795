"""Ledger entries map from the JSON the sandbox serves (``mapping.ledger_entries``), and the
trial balance and profit and loss add up from ledger account balances
(``mapping.ledger_reports``), whatever the country's chart."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from multidict import MultiDict

from ledgergraph.connectors.sage.mapping import CountryMapper, ledger_entries, ledger_reports
from ledgergraph.model import Money
from ledgergraph.sandbox.api.resources import ledger_accounts as sandbox_accounts
from ledgergraph.sandbox.api.resources import ledger_entries as sandbox_entries
from ledgergraph.sandbox.books import World
from ledgergraph.sandbox.books.ledger import ledger_entries as entries_of
from tests.mapping.conftest import COUNTRIES
from tests.mapping.sandbox_json import businesses_in, scope_for

PERIOD = (dt.date(2000, 1, 1), dt.date(2099, 12, 31))


@pytest.mark.parametrize("country", COUNTRIES)
def test_every_ledger_entry_maps_with_its_account_transaction_and_amounts(
    world: World, country: str
) -> None:
    business = businesses_in(world, country)[0]
    books = business.books
    scope = scope_for(world, business)
    currency = books.base_currency_id()
    records = list(entries_of(books).values())
    assert records
    for record in records:
        payload = sandbox_entries.serialise(scope, record)
        mapped = ledger_entries.ledger_entry(payload, business.id, currency=currency)
        assert mapped.remote_id == record.id
        assert mapped.ledger_account is not None
        assert mapped.ledger_account.id == record.ledger_account_id
        assert (mapped.debit, mapped.credit) == (
            Money(record.debit, currency),
            Money(record.credit, currency),
        )
        assert mapped.transaction_id == record.transaction_id
        assert mapped.transaction_type == record.transaction_type_id
        assert mapped.date == record.date


@pytest.mark.parametrize("country", COUNTRIES)
def test_the_reports_of_every_chart_balance_and_add_up(world: World, country: str) -> None:
    business = businesses_in(world, country)[0]
    books = business.books
    currency = books.base_currency_id()
    scope = dataclasses.replace(
        scope_for(world, business),
        query=MultiDict(ledger_reports.balance_filters(PERIOD[0], PERIOD[1])),
    )
    mapper = CountryMapper.for_business(country, business_id=business.id)
    accounts = [
        mapper.ledger_account(sandbox_accounts.serialise(scope, account))
        for account in books.ledger_accounts.values()
    ]
    trial = ledger_reports.trial_balance(
        accounts, business_id=business.id, from_date=PERIOD[0], to_date=PERIOD[1], currency=currency
    )
    assert trial.balanced
    assert trial.total_debits.amount > 0
    pnl = ledger_reports.profit_and_loss(
        accounts, business_id=business.id, from_date=PERIOD[0], to_date=PERIOD[1], currency=currency
    )
    sections = (pnl.income, pnl.direct_expenses, pnl.overheads)
    assert pnl.income.total.amount > 0
    for section in sections:
        assert section.total.amount == sum((ln.amount.amount for ln in section.lines), Decimal(0))
    # Every profit-and-loss account of the trial balance is in exactly one section.
    in_sections = [ln.ledger_account.remote_id for s in sections for ln in s.lines]
    types = (
        *ledger_reports.INCOME_TYPES,
        *ledger_reports.DIRECT_EXPENSE_TYPES,
        *ledger_reports.OVERHEAD_TYPES,
    )
    assert sorted(in_sections) == sorted(
        m.ledger_account.remote_id for m in trial.lines if m.ledger_account.account_type in types
    )
    # Net profit is what the profit-and-loss accounts' credits exceed their debits by.
    net = sum(
        (-m.net_debit for m in trial.lines if m.ledger_account.account_type in types), Decimal(0)
    )
    assert pnl.net_profit == Money(net, currency)
