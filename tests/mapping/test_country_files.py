"""The country files ship for all seven countries, load once, and fail loudly when malformed."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from ledgergraph.connectors.sage import mapping
from ledgergraph.connectors.sage.mapping import (
    CountryFileError,
    CountryMapper,
    bundled_countries,
    country_rules,
    load_countries,
)
from ledgergraph.model import AccountClassification, TaxKind, TaxSystem
from tests.mapping.conftest import COUNTRIES

Json = dict[str, Any]

CURRENCIES = {
    "GB": "GBP",
    "IE": "EUR",
    "CA": "CAD",
    "US": "USD",
    "FR": "EUR",
    "ES": "EUR",
    "DE": "EUR",
}
SYSTEMS = {
    "GB": TaxSystem.VAT,
    "IE": TaxSystem.VAT,
    "CA": TaxSystem.GST,
    "US": TaxSystem.SALES_TAX,
    "FR": TaxSystem.VAT,
    "ES": TaxSystem.VAT,
    "DE": TaxSystem.VAT,
}


def test_bundled_files_cover_exactly_the_seven_countries() -> None:
    assert set(bundled_countries().countries) == set(COUNTRIES)


def test_bundled_files_are_read_once_per_process() -> None:
    assert bundled_countries() is bundled_countries()
    assert country_rules("GB") is country_rules("gb")


@pytest.mark.parametrize("country", COUNTRIES)
def test_each_country_file_names_its_currency_and_tax_system(country: str) -> None:
    rules = country_rules(country)
    assert rules.country == country
    assert rules.currency == CURRENCIES[country]
    assert rules.tax_system == SYSTEMS[country]
    assert rules.classification_by_type["SALES"] == AccountClassification.REVENUE


@pytest.mark.parametrize("country", ["AU", "", None, "xx"])
def test_an_unknown_or_missing_country_maps_with_the_shared_defaults(country: str | None) -> None:
    mapper = CountryMapper.for_business(country, business_id="b1")
    assert mapper.country_code is None
    rate = mapper.tax_rate(
        {"id": "AU_GST", "displayed_as": "Zero Rated 0.00%", "percentage": "0.0"}
    )
    assert rate.kind == TaxKind.ZERO
    assert rate.tax_system is None
    account = mapper.ledger_account(
        {"id": "a1", "name": "Sales", "nominal_code": 200, "ledger_account_type": {"id": "SALES"}}
    )
    assert account.classification == AccountClassification.REVENUE


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A writable copy of the shipped defaults and GB file."""
    shipped = resources.files(mapping) / "countries"
    for name in ("defaults.json", "gb.json"):
        (tmp_path / name).write_text((shipped / name).read_text("utf-8"), "utf-8")
    return tmp_path


def _edit(path: Path, change: Callable[[Json], None]) -> None:
    data = json.loads(path.read_text("utf-8"))
    change(data)
    path.write_text(json.dumps(data), "utf-8")


def test_a_copy_of_the_shipped_files_loads(folder: Path) -> None:
    assert set(load_countries(folder).countries) == {"GB"}


def _tax_rule(rule: Json) -> Callable[[Json], None]:
    return lambda d: d["tax_rates"]["rules"].insert(0, rule)


def _account_rule(rule: Json) -> Callable[[Json], None]:
    return lambda d: d["ledger_accounts"]["rules"].insert(0, rule)


BROKEN_COUNTRY_FILES: dict[str, Callable[[Json], None]] = {
    "unknown top-level key": lambda d: d.update(tax_rate={}),
    "lower-case country code": lambda d: d.update(country="gb"),
    "missing currency": lambda d: d.pop("currency"),
    "unknown tax kind": lambda d: d["tax_rates"]["by_id"].update(GB_X={"kind": "NORMAL"}),
    "unknown tax system": lambda d: d["tax_rates"].update(tax_system="MWST"),
    "zero inferred from a percentage": _tax_rule({"percentage": "0", "kind": "ZERO"}),
    "exempt inferred from a range": _tax_rule({"percentage_range": ["0", "1"], "kind": "EXEMPT"}),
    "percentage-only rule matching 0 %": _tax_rule(
        {"percentage_range": ["0", "5"], "kind": "REDUCED"}
    ),
    "percentage as a JSON float": _tax_rule({"percentage": 20.0, "kind": "STANDARD"}),
    "percentage that is no number": _tax_rule({"percentage": "twenty", "kind": "STANDARD"}),
    "reversed percentage range": _tax_rule(
        {"keywords": ["x"], "percentage_range": ["9", "5"], "kind": "REDUCED"}
    ),
    "rule with no condition": _tax_rule({"kind": "STANDARD"}),
    "id pattern that is no regex": _tax_rule({"id_pattern": "GB_(", "kind": "STANDARD"}),
    "empty keyword": _tax_rule({"keywords": [""], "kind": "STANDARD"}),
    "unknown role": _account_rule({"codes": [1], "roles": ["DEBTORS"]}),
    "unknown ledger account type": _account_rule({"types": ["INCOME"], "roles": ["SALES"]}),
    "account rule with no condition": _account_rule({"roles": ["SALES"]}),
    "account rule without roles": _account_rule({"codes": [4000]}),
    "role listed twice": _account_rule({"codes": [4000], "roles": ["SALES", "SALES"]}),
    "reversed code range": _account_rule({"code_ranges": [[4099, 4000]], "roles": ["SALES"]}),
    "non-numeric code prefix": _account_rule({"code_prefixes": ["4x"], "roles": ["SALES"]}),
    "malformed region": _tax_rule({"keywords": ["x"], "kind": "STANDARD", "regions": ["BC"]}),
    "malformed region key": lambda d: d["tax_rates"].update(regions={"ontario": {}}),
}


@pytest.mark.parametrize("change", BROKEN_COUNTRY_FILES.values(), ids=BROKEN_COUNTRY_FILES.keys())
def test_a_malformed_country_file_fails_loudly_at_load(
    folder: Path, change: Callable[[Json], None]
) -> None:
    _edit(folder / "gb.json", change)
    with pytest.raises(CountryFileError, match=r"gb\.json|GB"):
        load_countries(folder)


BROKEN_DEFAULTS: dict[str, Callable[[Json], None]] = {
    "no classification table": lambda d: d["ledger_accounts"].update(classification_by_type={}),
    "unknown classification": lambda d: d["ledger_accounts"]["classification_by_type"].update(
        SALES="INCOME"
    ),
    "unknown role area": lambda d: d["role_areas"].update(SALES="banking"),
    "code width out of range": lambda d: d.update(nominal_code_width=0),
    "rule naming an unknown type": lambda d: d["ledger_accounts"]["rules"].insert(
        0, {"types": ["INCOME"], "roles": ["SALES"]}
    ),
}


@pytest.mark.parametrize("change", BROKEN_DEFAULTS.values(), ids=BROKEN_DEFAULTS.keys())
def test_malformed_defaults_fail_loudly_at_load(
    folder: Path, change: Callable[[Json], None]
) -> None:
    _edit(folder / "defaults.json", change)
    with pytest.raises(CountryFileError, match=r"defaults\.json"):
        load_countries(folder)


def test_a_file_that_is_not_json_fails_loudly(folder: Path) -> None:
    (folder / "gb.json").write_text('{"country": "GB",', "utf-8")
    with pytest.raises(CountryFileError, match=r"gb\.json"):
        load_countries(folder)


def test_a_file_named_for_another_country_fails_loudly(folder: Path) -> None:
    shutil.copy(folder / "gb.json", folder / "ie.json")
    with pytest.raises(CountryFileError, match=r"ie\.json: declares country 'GB'"):
        load_countries(folder)


def test_missing_defaults_fail_loudly(folder: Path) -> None:
    (folder / "defaults.json").unlink()
    with pytest.raises(CountryFileError, match=r"defaults\.json is missing"):
        load_countries(folder)


def test_a_missing_folder_fails_loudly(tmp_path: Path) -> None:
    with pytest.raises(CountryFileError, match="no such mapping folder"):
        load_countries(tmp_path / "nowhere")
