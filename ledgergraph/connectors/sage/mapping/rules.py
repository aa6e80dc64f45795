"""The country mapping files: their schema, loading and merging with the shared defaults.

``countries/defaults.json`` holds what every country shares (account classification by Sage's
``ledger_account_type``, fallback keyword rules); ``countries/<cc>.json`` holds one country's tax
rate ids and chart conventions. Files are read once through ``importlib.resources`` and
validated with pydantic: a file that breaks the schema raises ``CountryFileError`` at load, so a
typo can never silently relabel a tenant's books.

Rule semantics (the same for tax rates and ledger accounts): country rules are tried before
the defaults' rules, in file order, and the **first** rule that matches decides. A rule's
conditions are AND-ed; the alternatives listed inside one condition are OR-ed.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Annotated, Any, Self, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from ledgergraph.connectors.sage.mapping.errors import CountryFileError
from ledgergraph.model import AccountClassification, AccountRole, ItemKind, TaxKind, TaxSystem

DEFAULTS_FILE = "defaults.json"

_M = TypeVar("_M", bound=BaseModel)

# Rates of these kinds are all 0 % yet differ on the tax return (zero-rated and exempt supplies
# go in different boxes, out-of-scope ones not at all), so only an id or a name may say which.
NIL_KINDS = frozenset({TaxKind.ZERO, TaxKind.EXEMPT, TaxKind.OUTSIDE_SCOPE})


def _exact_decimal(value: object) -> object:
    # JSON numbers would reach us as floats; percentages are written as strings to stay exact.
    if isinstance(value, float):
        raise ValueError('write percentages as strings (e.g. "20.0"), not JSON numbers')
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a decimal") from None
    return value


ExactDecimal = Annotated[Decimal, BeforeValidator(_exact_decimal)]
Keyword = Annotated[str, Field(min_length=1)]
# ``CA-BC``, ``US-CA`` (Sage's address_region ids), or ``*`` for every region.
Region = Annotated[str, Field(pattern=r"^([A-Z]{2}-[A-Z0-9]{1,3}|\*)$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TaxRateEntry(_Strict):
    """What one exact Sage tax rate id means."""

    kind: TaxKind
    tax_system: TaxSystem | None = None
    regions: tuple[Region, ...] = ()


class TaxRateRule(_Strict):
    """A tax rate classified by the shape of its id, its name and its percentage."""

    id_pattern: re.Pattern[str] | None = None
    keywords: tuple[Keyword, ...] = ()
    percentage: ExactDecimal | None = None
    percentage_range: tuple[ExactDecimal, ExactDecimal] | None = None
    combined: bool | None = None
    retailer: bool | None = None
    kind: TaxKind
    tax_system: TaxSystem | None = None
    regions: tuple[Region, ...] = ()

    @model_validator(mode="after")
    def _sound(self) -> Self:
        named = self.id_pattern is not None or bool(self.keywords)
        unconditional = self.percentage is None and self.percentage_range is None
        if not named and unconditional and self.retailer is None:
            raise ValueError("a tax rate rule needs id_pattern, keywords or a percentage")
        if self.kind in NIL_KINDS and not named:
            raise ValueError(
                f"{self.kind} may only be inferred from an id or a name, not a percentage"
            )
        if not named and (self.percentage is not None or self.percentage_range is not None):
            bounds = (self.percentage, *(self.percentage_range or ()))
            if min(b for b in bounds if b is not None) <= 0:
                raise ValueError("a percentage-only rule must not match 0 %")
        if (
            self.percentage_range is not None
            and self.percentage_range[0] > self.percentage_range[1]
        ):
            raise ValueError("percentage_range must be [low, high]")
        return self


class TaxRatesSection(_Strict):
    tax_system: TaxSystem | None = None
    # Whether a rate placed in no region applies in every region (CA: yes; US: no, sales tax
    # is always a state's). A rule or entry may list region "*" for "every region".
    country_wide_rates: bool = True
    by_id: dict[str, TaxRateEntry] = {}
    rules: tuple[TaxRateRule, ...] = ()
    # Tie-breaks for reverse lookups: kind → Sage ids in order of preference.
    preferred: dict[TaxKind, tuple[str, ...]] = {}
    # What a sale into a province/state charges: region → kind → Sage ids in preference order.
    regions: dict[Region, dict[TaxKind, tuple[str, ...]]] = {}
    # Name keywords placing a user-named rate in a region (US rates carry no region code).
    region_keywords: dict[Region, tuple[Keyword, ...]] = {}


class Supply(StrEnum):
    """What a revenue (or cost) account is for: goods or services. Charts keep them apart
    (GB 4000 Sales - Products / 4010 Sales - Services, FR 707 / 706, ES 700 / 705)."""

    GOODS = "GOODS"
    SERVICES = "SERVICES"


def supply_of(kind: ItemKind | None) -> Supply | None:
    """What a line of an item of ``kind`` supplies (None when the line says nothing)."""
    if kind is None:
        return None
    return Supply.SERVICES if kind is ItemKind.SERVICE else Supply.GOODS


class AccountRule(_Strict):
    """Roles (and optionally a classification and a supply) for ledger accounts matching every
    condition."""

    codes: tuple[int, ...] = ()
    code_ranges: tuple[tuple[int, int], ...] = ()
    code_prefixes: tuple[Annotated[str, Field(pattern=r"^\d+$")], ...] = ()
    types: tuple[str, ...] = ()
    control_names: tuple[Keyword, ...] = ()
    name_keywords: tuple[Keyword, ...] = ()
    roles: tuple[AccountRole, ...]
    classification: AccountClassification | None = None
    # Goods or services: a line of that supply prefers the account when choosing by role.
    supplies: Supply | None = None

    @model_validator(mode="after")
    def _sound(self) -> Self:
        if not (
            self.codes
            or self.code_ranges
            or self.code_prefixes
            or self.types
            or self.control_names
            or self.name_keywords
        ):
            raise ValueError("a ledger account rule needs at least one condition")
        for low, high in self.code_ranges:
            if low > high:
                raise ValueError(f"code range [{low}, {high}] is reversed")
        if len(set(self.roles)) != len(self.roles):
            raise ValueError("roles are listed twice")
        return self

    @property
    def has_code_condition(self) -> bool:
        return bool(self.codes or self.code_ranges or self.code_prefixes)


class LedgerAccountsSection(_Strict):
    classification_by_type: dict[str, AccountClassification] = {}
    rules: tuple[AccountRule, ...] = ()


class DefaultsFile(_Strict):
    about: str = Field("", alias="_about")
    nominal_code_width: int = Field(4, ge=1, le=12)
    tax_rates: TaxRatesSection = TaxRatesSection()
    ledger_accounts: LedgerAccountsSection
    # Which visibility flag a reverse lookup for a role prefers ("sales" or "purchases").
    role_areas: dict[AccountRole, str] = {}

    @model_validator(mode="after")
    def _sound(self) -> Self:
        if not self.ledger_accounts.classification_by_type:
            raise ValueError("ledger_accounts.classification_by_type is required in the defaults")
        bad = {area for area in self.role_areas.values() if area not in ("sales", "purchases")}
        if bad:
            raise ValueError(f"role_areas must be 'sales' or 'purchases', not {sorted(bad)}")
        known = set(self.ledger_accounts.classification_by_type)
        for index, rule in enumerate(self.ledger_accounts.rules):
            if set(rule.types) - known:
                raise ValueError(f"ledger account rule {index} names an unknown type {rule.types}")
        return self


class CountryFile(_Strict):
    about: str = Field("", alias="_about")
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    tax_rates: TaxRatesSection
    ledger_accounts: LedgerAccountsSection


@dataclass(frozen=True, slots=True)
class CountryRules:
    """One country's mapping merged with the shared defaults; immutable once loaded."""

    country: str | None
    currency: str | None
    tax_system: TaxSystem | None
    tax_by_id: Mapping[str, TaxRateEntry]
    tax_rules: tuple[TaxRateRule, ...]
    tax_preferred: Mapping[TaxKind, tuple[str, ...]]
    tax_regions: Mapping[str, Mapping[TaxKind, tuple[str, ...]]]
    tax_region_keywords: Mapping[str, tuple[str, ...]]
    tax_country_wide: bool
    classification_by_type: Mapping[str, AccountClassification]
    account_rules: tuple[AccountRule, ...]
    role_areas: Mapping[AccountRole, str]
    nominal_code_width: int

    @property
    def taxes_by_region(self) -> bool:
        """Whether what a sale charges depends on the customer's province or state (CA, US)."""
        return bool(self.tax_regions or self.tax_region_keywords) or not self.tax_country_wide


def _merge(defaults: DefaultsFile, country: CountryFile | None) -> CountryRules:
    classification = dict(defaults.ledger_accounts.classification_by_type)
    if country is None:
        return CountryRules(
            country=None,
            currency=None,
            tax_system=defaults.tax_rates.tax_system,
            tax_by_id=dict(defaults.tax_rates.by_id),
            tax_rules=defaults.tax_rates.rules,
            tax_preferred=dict(defaults.tax_rates.preferred),
            tax_regions={},
            tax_region_keywords={},
            tax_country_wide=True,
            classification_by_type=classification,
            account_rules=defaults.ledger_accounts.rules,
            role_areas=dict(defaults.role_areas),
            nominal_code_width=defaults.nominal_code_width,
        )
    classification.update(country.ledger_accounts.classification_by_type)
    known_types = set(classification)
    for index, rule in enumerate(country.ledger_accounts.rules + defaults.ledger_accounts.rules):
        unknown = set(rule.types) - known_types
        if unknown:
            raise CountryFileError(
                f"{country.country}: ledger account rule {index} names unknown "
                f"ledger_account_type {sorted(unknown)}"
            )
    return CountryRules(
        country=country.country,
        currency=country.currency,
        tax_system=country.tax_rates.tax_system or defaults.tax_rates.tax_system,
        tax_by_id={**defaults.tax_rates.by_id, **country.tax_rates.by_id},
        tax_rules=country.tax_rates.rules + defaults.tax_rates.rules,
        tax_preferred={**defaults.tax_rates.preferred, **country.tax_rates.preferred},
        tax_regions=dict(country.tax_rates.regions),
        tax_region_keywords=dict(country.tax_rates.region_keywords),
        tax_country_wide=country.tax_rates.country_wide_rates,
        classification_by_type=classification,
        account_rules=country.ledger_accounts.rules + defaults.ledger_accounts.rules,
        role_areas=dict(defaults.role_areas),
        nominal_code_width=defaults.nominal_code_width,
    )


def _read(entry: Traversable) -> Any:
    try:
        return json.loads(entry.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CountryFileError(f"{entry.name}: cannot read mapping file: {exc}") from exc


def _validate(model: type[_M], data: Any, name: str) -> _M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise CountryFileError(f"{name}: invalid mapping file:\n{exc}") from exc


@dataclass(frozen=True, slots=True)
class CountryCatalogue:
    """Every country's rules, plus the defaults-only rules used for an unknown country."""

    countries: Mapping[str, CountryRules]
    fallback: CountryRules

    def rules_for(self, country_code: str | None) -> CountryRules:
        if not country_code:
            return self.fallback
        return self.countries.get(country_code.upper(), self.fallback)


def load_countries(root: Traversable | Path | None = None) -> CountryCatalogue:
    """Read and validate ``defaults.json`` and every ``<cc>.json`` under ``root``.

    ``root`` defaults to the files shipped in this package. Raises ``CountryFileError``.
    """
    folder: Traversable = root if root is not None else _bundled_root()
    if isinstance(folder, Path) and not folder.is_dir():
        raise CountryFileError(f"{folder}: no such mapping folder")
    entries = {entry.name: entry for entry in folder.iterdir() if entry.name.endswith(".json")}
    if DEFAULTS_FILE not in entries:
        raise CountryFileError(f"{DEFAULTS_FILE} is missing from the mapping folder")
    defaults = _validate(DefaultsFile, _read(entries.pop(DEFAULTS_FILE)), DEFAULTS_FILE)
    countries: dict[str, CountryRules] = {}
    for name in sorted(entries):
        parsed = _validate(CountryFile, _read(entries[name]), name)
        if name != f"{parsed.country.lower()}.json":
            raise CountryFileError(f"{name}: declares country {parsed.country!r}")
        countries[parsed.country] = _merge(defaults, parsed)
    return CountryCatalogue(countries=countries, fallback=_merge(defaults, None))


def _bundled_root() -> Traversable:
    return resources.files(__package__ or "ledgergraph.connectors.sage.mapping") / "countries"


@functools.cache
def bundled_countries() -> CountryCatalogue:
    """The shipped country files, loaded and validated once per process."""
    return load_countries()


def country_rules(country_code: str | None) -> CountryRules:
    """The merged rules for a Sage business's country (defaults only when unknown or None)."""
    return bundled_countries().rules_for(country_code)
