"""Sage's static reference lists (currencies, countries, enumerations) from the JSON here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

_HERE = Path(__file__).parent


def _load(name: str) -> Any:
    return json.loads((_HERE / name).read_text(encoding="utf-8"))


@dataclass(frozen=True, slots=True)
class Item:
    """One entry of a reference list: Sage's id and how it is displayed."""

    id: str
    displayed_as: str


@dataclass(frozen=True, slots=True)
class AccountType:
    id: str
    displayed_as: str
    group_id: str
    group_displayed_as: str
    visible_in: frozenset[str]


@cache
def currencies() -> dict[str, Item]:
    """ISO code → item displayed as Sage does ("Pound Sterling (GBP)")."""
    rows = _load("currencies.json")["currencies"]
    return {code: Item(code, f"{name} ({code})") for code, name in rows}


@cache
def countries() -> dict[str, Item]:
    """ISO alpha-2 → item displayed as in Sage's /countries ("United Kingdom (GB)")."""
    rows = _load("countries.json")["countries"]
    return {code: Item(code, f"{name} ({code})") for code, name in rows}


@cache
def country_names() -> dict[str, str]:
    return dict(_load("countries.json")["countries"])


_COUNTRY_GROUPS = {
    "GBIE": "UK & Ireland",
    "EU": "EU",
    "CA": "Canada",
    "US": "United States",
    "ALL": "Other",
}


@cache
def _eu_members() -> frozenset[str]:
    return frozenset(_load("countries.json")["eu"])


def country_group(country_id: str) -> Item:
    """Sage's country group of a country (GBIE, EU, CA, US, or ALL for the rest)."""
    if country_id in ("GB", "IE"):
        group = "GBIE"
    elif country_id in ("CA", "US"):
        group = country_id
    else:
        group = "EU" if country_id in _eu_members() else "ALL"
    return Item(group, _COUNTRY_GROUPS[group])


@cache
def enumerations() -> dict[str, dict[str, Item]]:
    """Every static list by its collection name (``contact_types``, ``artefact_statuses`` …)."""
    data = _load("enumerations.json")
    return {
        name: {item_id: Item(item_id, shown) for item_id, shown in rows}
        for name, rows in data.items()
        if not name.startswith("_")
    }


def enumeration(name: str) -> dict[str, Item]:
    return enumerations()[name]


@cache
def account_types() -> dict[str, AccountType]:
    data = json.loads((_HERE.parent / "countries" / "account_types.json").read_text("utf-8"))
    shown = enumeration("ledger_account_types")
    return {
        type_id: AccountType(
            id=type_id,
            displayed_as=shown[type_id].displayed_as,
            group_id=spec["group"][0],
            group_displayed_as=spec["group"][1],
            visible_in=frozenset(spec["visible_in"]),
        )
        for type_id, spec in data.items()
        if not type_id.startswith("_")
    }
