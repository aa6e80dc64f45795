"""The reverse lookups a write makes, on the seeded books: an account fits the line's tax
(its default rate) and supply (goods or services); a rate fits the customer's region, town and
own default. Pure: the books are serialised by the sandbox and mapped, no server."""

from __future__ import annotations

import pytest

from ledgergraph.connectors.sage.mapping import CountryMapper
from ledgergraph.model import AccountRole, ItemKind, LedgerAccount, TaxKind, TaxRate
from ledgergraph.sandbox.api.resources import ledger_accounts, tax_rates
from ledgergraph.sandbox.books import World
from tests.mapping.sandbox_json import businesses_in, scope_for


def books_of(
    world: World, country: str
) -> tuple[CountryMapper, list[TaxRate], list[LedgerAccount]]:
    business = businesses_in(world, country)[0]
    scope = scope_for(world, business)
    mapper = CountryMapper.for_business(country, business_id=business.id)
    books = business.books
    rates = [mapper.tax_rate(tax_rates.serialise(scope, r)) for r in books.tax_rates.values()]
    accounts = [
        mapper.ledger_account(ledger_accounts.serialise(scope, a))
        for a in books.ledger_accounts.values()
    ]
    return mapper, rates, accounts


@pytest.mark.parametrize(
    ("kind", "code"),
    [(TaxKind.STANDARD, "8400"), (TaxKind.REDUCED, "8300"), (TaxKind.ZERO, "8120")],
)
def test_a_german_sale_books_to_the_revenue_account_whose_default_rate_is_the_lines(
    world: World, kind: TaxKind, code: str
) -> None:
    mapper, rates, accounts = books_of(world, "DE")
    rate = mapper.tax_rate_for(kind, rates)
    for order in (accounts, list(reversed(accounts))):
        chosen = mapper.ledger_account_for(AccountRole.SALES, order, tax_rate=rate, rates=rates)
        assert chosen is not None
        assert chosen.code == code


@pytest.mark.parametrize(
    ("item_kind", "code"),
    [
        (None, "4000"),
        (ItemKind.PRODUCT, "4000"),
        (ItemKind.STOCK_ITEM, "4000"),
        (ItemKind.SERVICE, "4010"),
    ],
)
def test_a_british_line_books_to_the_account_kept_for_what_it_sells(
    world: World, item_kind: ItemKind | None, code: str
) -> None:
    mapper, rates, accounts = books_of(world, "GB")
    rate = mapper.tax_rate_for(TaxKind.STANDARD, rates)
    chosen = mapper.ledger_account_for(
        AccountRole.SALES, accounts, tax_rate=rate, rates=rates, item_kind=item_kind
    )
    assert chosen is not None
    assert chosen.code == code


def test_us_sales_tax_needs_a_state_and_follows_the_customers_town_and_default(
    world: World,
) -> None:
    mapper, rates, _ = books_of(world, "US")
    assert mapper.tax_rate_for(TaxKind.STANDARD, rates) is None
    assert mapper.tax_rate_for(TaxKind.STANDARD, rates, region="US-TX") is None
    assert mapper.tax_rate_for(TaxKind.EXEMPT, rates, region="US-TX") is not None
    oakland = mapper.tax_rate_for(TaxKind.STANDARD, rates, region="US-CA", locality="Oakland")
    assert oakland is not None
    assert oakland.name.startswith("Oakland, CA")
    state = next(r for r in rates if r.name.startswith("California State"))
    chosen = mapper.tax_rate_for(
        TaxKind.STANDARD,
        rates,
        region="US-CA",
        locality="Sacramento",
        preferred_ids=(state.remote_id,),
    )
    assert chosen == state


def test_a_customers_default_rate_for_another_province_is_not_charged(world: World) -> None:
    mapper, rates, _ = books_of(world, "CA")
    chosen = mapper.tax_rate_for(
        TaxKind.STANDARD, rates, region="CA-SK", preferred_ids=("CA_HST_ON",)
    )
    assert chosen is not None
    assert chosen.remote_id == "CA_GST_PST_SK"
