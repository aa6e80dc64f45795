"""Sage tax rates → ``TaxRate`` (kind, tax system, components), and the reverse lookup.

Classification order: the tenant's override, then the country file's exact ids, then its
rules (id pattern, name keywords, percentage), then the shared defaults' rules. A rate nothing
matches keeps ``kind=None``: an unknown id never raises and is never guessed from 0 % alone.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ledgergraph.connectors.sage.mapping.overrides import NO_OVERRIDES, Overrides
from ledgergraph.connectors.sage.mapping.rules import CountryRules, TaxRateRule
from ledgergraph.connectors.sage.mapping.values import (
    Payload,
    decimal,
    flag,
    objects,
    required_id,
    text,
)
from ledgergraph.model import TaxKind, TaxRate, TaxRateComponent, TaxSystem

# A country file may place a rate in this pseudo-region: it applies in every region.
EVERY_REGION = "*"


@dataclass(frozen=True, slots=True)
class TaxClassification:
    kind: TaxKind | None
    tax_system: TaxSystem | None
    # Provinces/states (``CA-BC``, ``US-CA``) the rate belongs to; empty means country-wide.
    regions: tuple[str, ...] = ()


def _label_text(data: Payload) -> str:
    # Sage names system rates with codes (``NO_TAX``); underscores read as spaces for keywords.
    parts = (text(data, "name"), text(data, "displayed_as"))
    return " ".join(part for part in parts if part).replace("_", " ").casefold()


def _percentage(data: Payload) -> Decimal | None:
    value = decimal(data, "percentage")
    if value is None:
        parts = [decimal(c, "percentage") for c in objects(data, "component_tax_rates")]
        known = [p for p in parts if p is not None]
        return sum(known, Decimal(0)) if known else None
    return value


def _rule_matches(
    rule: TaxRateRule, data: Payload, ident: str, label: str, pct: Decimal | None, combined: bool
) -> re.Match[str] | bool:
    match: re.Match[str] | bool = True
    if rule.id_pattern is not None:
        found = rule.id_pattern.fullmatch(ident)
        if found is None:
            return False
        match = found
    if rule.keywords and not any(keyword.casefold() in label for keyword in rule.keywords):
        return False
    if rule.combined is not None and rule.combined != combined:
        return False
    if rule.retailer is not None and rule.retailer != flag(data, "retailer"):
        return False
    if rule.percentage is not None and pct != rule.percentage:
        return False
    if rule.percentage_range is not None:
        low, high = rule.percentage_range
        if pct is None or not low <= pct <= high:
            return False
    return match


def _keyword_regions(data: Payload, rules: CountryRules) -> tuple[str, ...]:
    labels = " ".join(part for part in (text(data, "name"), text(data, "displayed_as")) if part)
    found: list[str] = []
    for region, keywords in rules.tax_region_keywords.items():
        if any(_whole_word(keyword).search(labels) for keyword in keywords):
            found.append(region)
    return tuple(found)


@functools.cache
def _whole_word(keyword: str) -> re.Pattern[str]:
    # Case-sensitive and bounded wherever the keyword has a letter at its edge, so ", CA" or
    # "Kansas" never match inside ordinary words ("CAFE", "Arkansas").
    head = r"(?<!\w)" if keyword[:1].isalnum() else ""
    tail = r"(?!\w)" if keyword[-1:].isalnum() else ""
    return re.compile(f"{head}{re.escape(keyword)}{tail}")


def _combined_system(components: Iterable[TaxRateComponent]) -> TaxSystem | None:
    systems = {component.tax_system for component in components}
    return systems.pop() if len(systems) == 1 else None


def classify_tax_rate(
    data: Payload, rules: CountryRules, overrides: Overrides = NO_OVERRIDES
) -> TaxClassification:
    """Kind, tax system and regions of one Sage tax rate (or component) payload."""
    ident = required_id(data, "tax rate")
    combined = flag(data, "is_combined_rate") or bool(objects(data, "component_tax_rates"))
    kind: TaxKind | None = None
    system: TaxSystem | None = None
    regions: tuple[str, ...] = ()
    entry = rules.tax_by_id.get(ident)
    if entry is not None:
        kind, system, regions = entry.kind, entry.tax_system, entry.regions
    else:
        label, pct = _label_text(data), _percentage(data)
        for rule in rules.tax_rules:
            matched = _rule_matches(rule, data, ident, label, pct, combined)
            if matched is False:
                continue
            kind, system, regions = rule.kind, rule.tax_system, rule.regions
            if (
                isinstance(matched, re.Match)
                and matched.groupdict().get("region")
                and rules.country
            ):
                regions = (*regions, f"{rules.country}-{matched.group('region')}")
            break
    if system is None and not combined and kind is not None:
        system = rules.tax_system
    regions = tuple(dict.fromkeys((*regions, *_keyword_regions(data, rules))))
    override = overrides.for_tax_rate(ident)
    if override is not None:
        if "kind" in override.model_fields_set:
            kind = override.kind
        if "tax_system" in override.model_fields_set:
            system = override.tax_system
    return TaxClassification(kind, system, regions)


def _component(data: Payload, rules: CountryRules, overrides: Overrides) -> TaxRateComponent:
    return TaxRateComponent(
        name=text(data, "displayed_as") or text(data, "name") or required_id(data, "tax rate"),
        rate=decimal(data, "percentage") or Decimal(0),
        tax_system=classify_tax_rate(data, rules, overrides).tax_system,
    )


def _overridden(overrides: Overrides, ident: str) -> frozenset[str]:
    override = overrides.for_tax_rate(ident)
    return frozenset(override.model_fields_set) if override is not None else frozenset()


def tax_rate(
    data: Payload, business_id: str, rules: CountryRules, overrides: Overrides = NO_OVERRIDES
) -> TaxRate:
    """A ``TaxRate`` from a ``/tax_rates`` item (full detail or ``attributes=all``)."""
    ident = required_id(data, "tax rate")
    components = tuple(
        _component(c, rules, overrides) for c in objects(data, "component_tax_rates")
    )
    combined = flag(data, "is_combined_rate") or bool(components)
    classified = classify_tax_rate(data, rules, overrides)
    system = classified.tax_system
    if system is None and combined and "tax_system" not in _overridden(overrides, ident):
        system = _combined_system(components)
    rate = _percentage(data)
    return TaxRate(
        business_id=business_id,
        remote_id=ident,
        remote_data=dict(data),
        name=text(data, "displayed_as") or text(data, "name") or ident,
        rate=Decimal(0) if rate is None else rate,
        kind=classified.kind,
        tax_system=system,
        components=components,
        is_combined=combined,
        is_visible=flag(data, "is_visible", default=True),
    )


def _region_code(region: str, rules: CountryRules) -> str:
    code = region.strip().upper()
    if "-" not in code and rules.country:
        code = f"{rules.country}-{code}"
    return code


def tax_rate_for(
    kind: TaxKind,
    rates: Iterable[TaxRate],
    rules: CountryRules,
    *,
    region: str | None = None,
    name: str | None = None,
    locality: str | None = None,
    preferred_ids: Sequence[str] = (),
) -> TaxRate | None:
    """The tenant's rate for ``taxKind: <kind>``, or None when the tenant has none.

    ``region`` (``CA-BC`` or ``BC``, ``US-CA``) keeps the rates charged there: those placed
    in it, those placed in every region (``"*"``), and, where the country file says rates
    without a region are country-wide (CA, not US), those. Where rates are not country-wide,
    no region keeps only the rates of every region: a US sales tax is always some state's, and
    guessing one would charge a customer another state's tax. ``name`` keeps rates whose name
    contains it (US rates are user-named), in any region unless one is given.

    Deterministic tie-breaks, in order: ``preferred_ids`` (the customer's own default rate);
    rates named for ``locality`` (the customer's city: US rates are named for one); the country
    file's preference list (its per-region list when a region is given); rates placed in the
    region before the rest; visible before hidden; combined before simple (a combined rate is
    the whole charge, its components are parts of it); name; Sage id.
    """
    candidates = [rate for rate in rates if rate.kind == kind]
    if name:
        wanted = name.casefold()
        candidates = [rate for rate in candidates if wanted in rate.name.casefold()]
    placed = {
        rate.remote_id: classify_tax_rate(rate.remote_data, rules).regions for rate in candidates
    }
    preferred: tuple[str, ...] = rules.tax_preferred.get(kind, ())
    wanted_region: str | None = None
    if region:
        wanted_region = _region_code(region, rules)

        def applies(rate: TaxRate) -> bool:
            regions = placed[rate.remote_id]
            if not regions:
                return rules.tax_country_wide
            return wanted_region in regions or EVERY_REGION in regions

        candidates = [rate for rate in candidates if applies(rate)]
        preferred = rules.tax_regions.get(wanted_region, {}).get(kind, preferred)
    elif not rules.tax_country_wide and not name:
        candidates = [rate for rate in candidates if EVERY_REGION in placed[rate.remote_id]]
    town = locality.strip().casefold() if locality and locality.strip() else None

    def rank(rate: TaxRate) -> tuple[int, int, int, int, int, int, str, str]:
        own = (
            preferred_ids.index(rate.remote_id)
            if rate.remote_id in preferred_ids
            else len(preferred_ids)
        )
        named = 0 if town is None or town in rate.name.casefold() else 1
        position = (
            preferred.index(rate.remote_id) if rate.remote_id in preferred else len(preferred)
        )
        elsewhere = 0 if wanted_region is None or wanted_region in placed[rate.remote_id] else 1
        return (
            own,
            named,
            position,
            elsewhere,
            0 if rate.is_visible else 1,
            0 if rate.is_combined else 1,
            rate.name.casefold(),
            rate.remote_id,
        )

    return min(candidates, key=rank, default=None)
