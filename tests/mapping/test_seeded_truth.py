"""Every tax rate and ledger account the sandbox seeds, in every country, maps to its truth.

The books are serialised by the sandbox API's own serialisers (the JSON a client is served),
run through the country mapper, and compared with the seeded ``truth`` blocks (read in
model.py's names, see ``truth.py``).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from ledgergraph.connectors.sage.mapping import (
    CountryMapper,
    classify_ledger_account,
    classify_tax_rate,
)
from ledgergraph.model import TaxRate, TaxSystem
from ledgergraph.sandbox import books as books_package
from ledgergraph.sandbox.api.resources import ledger_accounts, tax_rates
from ledgergraph.sandbox.books import World
from ledgergraph.sandbox.books.records import TaxRate as SeededTaxRate
from tests.mapping import truth
from tests.mapping.conftest import COUNTRIES
from tests.mapping.sandbox_json import businesses_in, scope_for


def truth_of(record: SeededTaxRate) -> TaxSystem | None:
    assert record.truth is not None, f"{record.id} has no truth block"
    return truth.tax_system(record.truth.tax_system)


@pytest.mark.parametrize("country", COUNTRIES)
def test_every_seeded_tax_rate_has_its_true_kind_system_rate_and_components(
    world: World, country: str, today: date
) -> None:
    problems: list[str] = []
    checked = 0
    for business in businesses_in(world, country):
        books = business.books
        scope = scope_for(world, business)
        mapper = CountryMapper.for_business(country, business_id=business.id)
        for record in books.tax_rates.values():
            assert record.truth is not None, f"{record.id} has no truth block"
            mapped = mapper.tax_rate(tax_rates.serialise(scope, record))
            checked += 1
            want_kind = truth.tax_kind(record.truth.kind)
            want_system = truth.tax_system(record.truth.tax_system)
            want_rate = books.tax_percentage(record.id, today)
            want_parts = [
                (truth_of(books.tax_rates[cid]), books.tax_rates[cid].own_percentage_on(today))
                for cid in record.component_ids
            ]
            got_parts = [(c.tax_system, c.rate) for c in mapped.components]
            label = f"{country} {record.name} ({record.id})"
            if mapped.kind != want_kind:
                problems.append(f"{label}: kind {mapped.kind} != {want_kind}")
            if mapped.tax_system != want_system:
                problems.append(f"{label}: tax_system {mapped.tax_system} != {want_system}")
            if mapped.rate != want_rate:
                problems.append(f"{label}: rate {mapped.rate} != {want_rate}")
            if got_parts != want_parts:
                problems.append(f"{label}: components {got_parts} != {want_parts}")
            if mapped.is_combined != bool(record.component_ids):
                problems.append(f"{label}: is_combined {mapped.is_combined}")
            combined = truth.COMBINED_TAX_SYSTEMS.get(record.truth.tax_system)
            if combined is not None and tuple(s for s, _ in got_parts) != combined:
                problems.append(f"{label}: combined parts {got_parts} != {combined}")
    assert checked, f"no {country} tax rates were seeded"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("country", COUNTRIES)
def test_every_seeded_ledger_account_has_its_true_classification_roles_and_supply(
    world: World, country: str
) -> None:
    problems: list[str] = []
    checked = 0
    for business in businesses_in(world, country):
        books = business.books
        scope = scope_for(world, business)
        mapper = CountryMapper.for_business(country, business_id=business.id)
        for record in books.ledger_accounts.values():
            assert record.truth is not None, f"{record.nominal_code} has no truth block"
            mapped = mapper.ledger_account(ledger_accounts.serialise(scope, record))
            checked += 1
            label = f"{country} {record.nominal_code} {record.name}"
            want_class = truth.classification(record.truth.classification)
            want_roles = truth.roles(record.truth.roles)
            if mapped.classification != want_class:
                problems.append(f"{label}: classification {mapped.classification} != {want_class}")
            if set(mapped.roles) != want_roles:
                problems.append(f"{label}: roles {sorted(mapped.roles)} != {sorted(want_roles)}")
            supplies = classify_ledger_account(mapped.remote_data, mapper.rules).supplies
            want_supplies = truth.supplies(record.truth.supplies)
            if supplies != want_supplies:
                problems.append(f"{label}: supplies {supplies} != {want_supplies}")
            if mapped.code != f"{record.nominal_code:04d}":
                problems.append(f"{label}: code {mapped.code!r}")
    assert checked, f"no {country} ledger accounts were seeded"
    assert not problems, "\n".join(problems)


def placed_in(mapper: CountryMapper, rate: TaxRate) -> tuple[str, ...]:
    return classify_tax_rate(rate.remote_data, mapper.rules).regions


@pytest.mark.parametrize("country", COUNTRIES)
def test_every_kind_a_country_seeds_has_a_deterministic_reverse_lookup(
    world: World, country: str
) -> None:
    business = businesses_in(world, country)[0]
    books = business.books
    scope = scope_for(world, business)
    mapper = CountryMapper.for_business(country, business_id=business.id)
    rates = [mapper.tax_rate(tax_rates.serialise(scope, r)) for r in books.tax_rates.values()]
    accounts = [
        mapper.ledger_account(ledger_accounts.serialise(scope, a))
        for a in books.ledger_accounts.values()
    ]
    # Where rates are a province's or state's (US), a kind is looked up in a region.
    regions = [None, *sorted({r for rate in rates for r in placed_in(mapper, rate)} - {"*"})]
    for kind in {r.kind for r in rates if r.kind is not None}:
        found = 0
        for region in regions:
            chosen = mapper.tax_rate_for(kind, rates, region=region)
            if chosen is None:
                continue
            found += 1
            assert chosen.kind == kind
            assert mapper.tax_rate_for(kind, list(reversed(rates)), region=region) == chosen
        assert found, f"{country}: no region has a {kind} rate"
        if mapper.rules.tax_country_wide:
            assert mapper.tax_rate_for(kind, rates) is not None
    for role in {role for a in accounts for role in a.roles}:
        picked = mapper.ledger_account_for(role, accounts)
        assert picked is not None
        assert role in picked.roles
        assert mapper.ledger_account_for(role, list(reversed(accounts))) == picked


def test_every_name_in_the_books_vocabulary_is_models_or_a_listed_mismatch() -> None:
    path = Path(books_package.__file__).parent / "countries" / "vocabulary.json"
    vocabulary = json.loads(path.read_text("utf-8"))
    for kind in vocabulary["tax_kinds"]:
        truth.tax_kind(kind)
    for system in vocabulary["tax_systems"]:
        truth.tax_system(system)
    for name in vocabulary["classifications"]:
        truth.classification(name)
    for role in vocabulary["roles"]:
        truth.roles((role,))
    for supply in vocabulary["supplies"]:
        truth.supplies(supply)
