"""Looking up what a mutation's input names: global IDs become Sage ids, tax kinds and account
roles become the business's own tax rates and ledger accounts (per its country mapping)."""

from __future__ import annotations

from dataclasses import dataclass

from ledgergraph import kinds, model
from ledgergraph.errors import BadUserInput
from ledgergraph.ids import GlobalId
from ledgergraph.resolvers.context import Context


def sage_id(value: str, *, expect: str | tuple[str, ...], business_id: str, field: str) -> str:
    """The Sage id inside a global ID, which must belong to ``business_id``."""
    try:
        gid = GlobalId.decode(value, expect=expect)
    except BadUserInput as exc:
        raise BadUserInput(f"{field}: {exc.message}", field=field) from exc
    if gid.business_id != business_id:
        raise BadUserInput(
            f"{field} belongs to another business than the one this write goes to.", field=field
        )
    return gid.remote_id


@dataclass(frozen=True, slots=True)
class TaxPlace:
    """Where a sale is taxed, for countries whose tax depends on it (CA provinces, US states):
    the region (``CA-SK``), the customer's town, and the customer's own default rate."""

    region: str | None = None
    locality: str | None = None
    customer_rate: str | None = None
    # What the region came from, for error messages ("input.taxRegion", "the customer's ...").
    source: str = "input.taxRegion"


def _address_region(address: model.Address | None, country: str) -> str | None:
    if address is None or not address.region:
        return None
    if address.country_code and address.country_code.upper() != country:
        return None
    code = address.region.strip().upper()
    return code if code.startswith(f"{country}-") else f"{country}-{code}"


async def tax_place(
    context: Context, business_id: str, contact_id: str, *, explicit: str | None, sales: bool
) -> TaxPlace:
    """The place a document to ``contact_id`` is taxed: ``explicit`` (input.taxRegion) when
    given; for a sale, the customer's delivery address, else main address, else nowhere."""
    mapper = await context.loaders.reads.mapper(business_id)
    country = mapper.country_code
    if explicit is not None or not sales or not mapper.taxes_by_region or country is None:
        return TaxPlace(region=explicit)
    contact = await context.loaders.load(kinds.CONTACT, (business_id, contact_id))
    if not isinstance(contact, model.Contact):
        raise BadUserInput(
            "input.contactId: no such contact in this business.", field="input.contactId"
        )
    default = contact.remote_data.get("default_sales_tax_rate")
    customer_rate = default.get("id") if isinstance(default, dict) else None
    for address, where in (
        (contact.delivery_address, "delivery address"),
        (contact.main_address, "main address"),
    ):
        region = _address_region(address, country)
        if region is not None and address is not None:
            return TaxPlace(
                region=region,
                locality=address.city,
                customer_rate=customer_rate if isinstance(customer_rate, str) else None,
                source=f"the customer's {where}",
            )
    return TaxPlace(source="the customer's address, which names no province or state")


async def tax_rate(
    context: Context,
    business_id: str,
    *,
    kind: model.TaxKind | None,
    explicit: str | None,
    place: TaxPlace,
    field: str,
) -> model.TaxRate:
    rates = await tax_rates(context, business_id)
    if explicit is not None:
        wanted = sage_id(explicit, expect="TaxRate", business_id=business_id, field=field)
        found = next((r for r in rates if r.remote_id == wanted), None)
        if found is None:
            raise BadUserInput(f"{field}: no such tax rate in this business.", field=field)
        return found
    mapper = await context.loaders.reads.mapper(business_id)
    wanted_kind = kind or model.TaxKind.STANDARD
    chosen = mapper.tax_rate_for(
        wanted_kind,
        rates,
        region=place.region,
        locality=place.locality,
        preferred_ids=(place.customer_rate,) if place.customer_rate else (),
    )
    if chosen is None:
        raise BadUserInput(
            _no_rate(field, wanted_kind, place, by_region=mapper.taxes_by_region), field=field
        )
    return chosen


def _no_rate(field: str, kind: model.TaxKind, place: TaxPlace, *, by_region: bool) -> str:
    if place.region is not None:
        return (
            f"{field}: this business has no {kind.value} tax rate for {place.region} "
            f"(from {place.source}); pass taxRateId (a TaxRate.id of this business), another "
            "taxKind (e.g. EXEMPT), or input.taxRegion."
        )
    if by_region:
        return (
            f"{field}: a {kind.value} rate here depends on the province or state taxed, and "
            f"none is known ({place.source}); pass input.taxRegion (e.g. US-CA or CA-ON) or "
            "taxRateId (a TaxRate.id of this business)."
        )
    return f"{field}: this business has no {kind.value} tax rate; pass taxRateId instead."


async def tax_rates(context: Context, business_id: str) -> list[model.TaxRate]:
    rates: list[model.TaxRate] = await context.loaders.whole_list(kinds.TAX_RATES).all(business_id)
    return rates


async def ledger_accounts(context: Context, business_id: str) -> list[model.LedgerAccount]:
    accounts: list[model.LedgerAccount] = await context.loaders.whole_list(
        kinds.LEDGER_ACCOUNTS
    ).all(business_id)
    return accounts


async def ledger_account(
    context: Context,
    business_id: str,
    *,
    role: model.AccountRole | None,
    default_role: model.AccountRole,
    explicit: str | None,
    tax_rate: model.TaxRate,
    item_kind: model.ItemKind | None,
    field: str,
) -> model.LedgerAccount:
    accounts = await ledger_accounts(context, business_id)
    if explicit is not None:
        wanted = sage_id(explicit, expect="LedgerAccount", business_id=business_id, field=field)
        found = next((a for a in accounts if a.remote_id == wanted), None)
        if found is None:
            raise BadUserInput(f"{field}: no such ledger account in this business.", field=field)
        return found
    mapper = await context.loaders.reads.mapper(business_id)
    wanted_role = role or default_role
    chosen = mapper.ledger_account_for(
        wanted_role,
        accounts,
        tax_rate=tax_rate,
        rates=await tax_rates(context, business_id),
        item_kind=item_kind,
    )
    if chosen is None:
        raise BadUserInput(
            f"{field}: this business has no {wanted_role.value} account; pass ledgerAccountId.",
            field=field,
        )
    return chosen
