"""Per-country seed data: tax rates, chart of accounts, banks, names and places.

Each country is a JSON file beside this module (``gb.json`` …). The ``truth`` blocks in
them are the unified meaning of each tax rate and ledger account (see ``vocabulary.json``);
the mapping layer's tests compare against them, the API never sends them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from ledgergraph.sandbox.books.records import AccountTruth, TaxPeriod, TaxTruth

COUNTRY_CODES: tuple[str, ...] = ("GB", "IE", "CA", "US", "FR", "ES", "DE")
LIVE_COUNTRY_CODES: tuple[str, ...] = ("GB", "IE", "CA")

_HERE = Path(__file__).parent


def parse_instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True, slots=True)
class TaxRateSpec:
    # The key seed data uses to refer to the rate; equal to ``id`` for Sage's fixed-id rates.
    key: str
    id: str | None
    name: str
    label: str
    agency: str | None
    periods: tuple[TaxPeriod, ...]
    components: tuple[str, ...]
    regions: frozenset[str]
    retailer: bool
    editable: bool
    deletable: bool
    truth: TaxTruth


@dataclass(frozen=True, slots=True)
class LedgerAccountSpec:
    code: int
    name: str
    type_id: str
    control_name: str | None
    visible_in: frozenset[str] | None
    # The tax key when the file names one for this account; ``has_tax`` tells "null" from "absent".
    tax: str | None
    has_tax: bool
    gifi_code: int | None
    tax_recoverable: bool | None
    recoverable_percentage: Decimal | None
    non_recoverable_code: int | None
    truth: AccountTruth


@dataclass(frozen=True, slots=True)
class BankAccountSpec:
    name: str
    type_id: str
    ledger_code: int
    account_number: str | None
    sort_code: str | None
    iban: str | None
    bic: str | None
    opening_balance: Decimal
    payment_method_id: str


@dataclass(frozen=True, slots=True)
class SystemContactSpec:
    name: str
    reference: str
    contact_type_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SupplierSpec:
    trade: str
    ledger_code: int
    tax: str | None
    items: tuple[str, ...]
    price_range: tuple[int, int]


@dataclass(frozen=True, slots=True)
class PlaceSpec:
    city: str
    region: str
    postal_code: str
    country_id: str | None
    tax: str | None
    treatment: str
    ni_based: bool


@dataclass(frozen=True, slots=True)
class CountryProfile:
    code: str
    name: str
    currency_id: str
    locale: str
    contact_locale: str
    decimal_comma: bool
    template: str | None
    tax_rates: tuple[TaxRateSpec, ...]
    tax_rates_created_at: datetime
    tax_rates_updated_at: datetime
    default_tax_rates: dict[str, str]
    regional_tax_rates: dict[str, dict[str, str]]
    account_tax_rates: dict[str, str | None]
    line_tax_amount_forbidden: bool
    ledger_accounts: tuple[LedgerAccountSpec, ...]
    ledgers: dict[str, int]
    bank_range: tuple[int, int]
    bank_accounts: tuple[BankAccountSpec, ...]
    system_contacts: tuple[SystemContactSpec, ...]
    financial_settings: dict[str, Any]
    business_settings: dict[str, Any]
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    company_patterns: tuple[str, ...]
    company_adjectives: tuple[str, ...]
    customer_trades: tuple[str, ...]
    person_share: float
    suppliers: tuple[SupplierSpec, ...]
    address_line_1: tuple[str, ...]
    address_line_2: tuple[str, ...]
    places: tuple[PlaceSpec, ...]
    abroad: tuple[PlaceSpec, ...]
    phone: str
    contact_tax_number: str
    contact_aux_reference: dict[str, int]

    def tax_rate_spec(self, key: str) -> TaxRateSpec:
        for spec in self.tax_rates:
            if spec.key == key:
                return spec
        raise KeyError(key)


def _periods(rows: list[list[str | None]]) -> tuple[TaxPeriod, ...]:
    return tuple(
        TaxPeriod(
            percentage=Decimal(str(pct)),
            from_date=date.fromisoformat(str(start)),
            to_date=date.fromisoformat(end) if end else None,
        )
        for pct, start, end in rows
    )


def _tax_rate(raw: dict[str, Any]) -> TaxRateSpec:
    fixed_id = raw.get("id")
    return TaxRateSpec(
        key=str(raw.get("key") or fixed_id),
        id=fixed_id,
        name=raw["name"],
        label=raw["displayed_as"],
        agency=raw.get("agency"),
        periods=_periods(raw.get("percentages", [])),
        components=tuple(raw.get("components", ())),
        regions=frozenset(raw.get("regions", ())),
        retailer=bool(raw.get("retailer", False)),
        # Fixed system rates cannot be edited; user-defined (US) rates can unless the file says not.
        editable=bool(raw.get("editable", fixed_id is None)),
        deletable=bool(raw.get("deletable", fixed_id is None)),
        truth=TaxTruth(kind=raw["truth"]["kind"], tax_system=raw["truth"]["tax_system"]),
    )


def _ledger_account(raw: dict[str, Any]) -> LedgerAccountSpec:
    visible = raw.get("visible_in")
    recoverable = raw.get("recoverable_percentage")
    return LedgerAccountSpec(
        code=int(raw["code"]),
        name=raw["name"],
        type_id=raw["type"],
        control_name=raw.get("control"),
        visible_in=frozenset(visible) if visible is not None else None,
        tax=raw.get("tax"),
        has_tax="tax" in raw,
        gifi_code=raw.get("gifi"),
        tax_recoverable=raw.get("recoverable"),
        recoverable_percentage=Decimal(recoverable) if recoverable else None,
        non_recoverable_code=raw.get("non_recoverable"),
        truth=AccountTruth(
            classification=raw["truth"]["classification"],
            roles=tuple(raw["truth"]["roles"]),
            supplies=raw["truth"].get("supplies"),
        ),
    )


def _place(raw: dict[str, Any], *, abroad: bool) -> PlaceSpec:
    return PlaceSpec(
        city=raw["city"],
        region=raw["region"],
        postal_code=raw["postal_code"],
        country_id=raw.get("country"),
        tax=raw.get("tax_rate"),
        treatment=raw.get("treatment", "rest_of_world_tax" if abroad else "home_tax"),
        ni_based=bool(raw.get("ni_based", False)),
    )


@cache
def load_country(code: str) -> CountryProfile:
    raw: dict[str, Any] = json.loads((_HERE / f"{code.lower()}.json").read_text("utf-8"))
    ledgers = dict(raw["ledgers"])
    bank_range = ledgers.pop("bank_range")
    return CountryProfile(
        code=raw["code"],
        name=raw["name"],
        currency_id=raw["currency"],
        locale=raw["locale"],
        contact_locale=raw["contact_locale"],
        decimal_comma=bool(raw.get("decimal_comma", False)),
        template=raw.get("template"),
        tax_rates=tuple(_tax_rate(r) for r in raw["tax_rates"]),
        tax_rates_created_at=parse_instant(raw["tax_rates_created_at"]),
        tax_rates_updated_at=parse_instant(raw["tax_rates_updated_at"]),
        default_tax_rates=dict(raw["default_tax_rates"]),
        regional_tax_rates={k: dict(v) for k, v in raw.get("regional_tax_rates", {}).items()},
        account_tax_rates=dict(raw["account_tax_rates"]),
        line_tax_amount_forbidden=bool(raw.get("line_tax_amount_forbidden", False)),
        ledger_accounts=tuple(_ledger_account(a) for a in raw["ledger_accounts"]),
        ledgers={k: int(v) for k, v in ledgers.items()},
        bank_range=(int(bank_range[0]), int(bank_range[1])),
        bank_accounts=tuple(
            BankAccountSpec(
                name=b["name"],
                type_id=b["type"],
                ledger_code=int(b["ledger"]),
                account_number=b.get("account_number"),
                sort_code=b.get("sort_code"),
                iban=b.get("iban"),
                bic=b.get("bic"),
                opening_balance=Decimal(b["opening_balance"]),
                payment_method_id=b["payment_method"],
            )
            for b in raw["bank_accounts"]
        ),
        system_contacts=tuple(
            SystemContactSpec(c["name"], c["reference"], tuple(c["types"]))
            for c in raw["system_contacts"]
        ),
        financial_settings=dict(raw["financial_settings"]),
        business_settings=dict(raw["business_settings"]),
        first_names=tuple(raw["people"]["first"]),
        last_names=tuple(raw["people"]["last"]),
        company_patterns=tuple(raw["companies"]["patterns"]),
        company_adjectives=tuple(raw["companies"]["adjectives"]),
        customer_trades=tuple(raw["companies"]["customer_trades"]),
        person_share=float(raw["companies"]["suffix_person_share"]),
        suppliers=tuple(
            SupplierSpec(
                trade=s["trade"],
                ledger_code=int(s["ledger"]),
                tax=s.get("tax"),
                items=tuple(s["items"]),
                price_range=(int(s["price"][0]), int(s["price"][1])),
            )
            for s in raw["suppliers"]
        ),
        address_line_1=tuple(raw["addresses"]["line_1"]),
        address_line_2=tuple(raw["addresses"]["line_2"]),
        places=tuple(_place(p, abroad=False) for p in raw["addresses"]["places"]),
        abroad=tuple(_place(p, abroad=True) for p in raw["addresses"].get("abroad", [])),
        phone=raw["phone"],
        contact_tax_number=raw["contact_tax_number"],
        contact_aux_reference={k: int(v) for k, v in raw.get("contact_aux_reference", {}).items()},
    )


@cache
def vocabulary() -> dict[str, Any]:
    """The unified terms the ``truth`` blocks use: tax kinds and systems, classifications, roles."""
    data: dict[str, Any] = json.loads((_HERE / "vocabulary.json").read_text("utf-8"))
    return data
