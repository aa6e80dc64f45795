"""Looking up what a mutation's input names: global IDs become Sage ids, tax kinds and account
roles become the business's own tax rates and ledger accounts (per its country mapping)."""

from __future__ import annotations

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


async def tax_rate(
    context: Context,
    business_id: str,
    *,
    kind: model.TaxKind | None,
    explicit: str | None,
    region: str | None,
    field: str,
) -> model.TaxRate:
    rates: list[model.TaxRate] = await context.loaders.whole_list(kinds.TAX_RATES).all(business_id)
    if explicit is not None:
        wanted = sage_id(explicit, expect="TaxRate", business_id=business_id, field=field)
        found = next((r for r in rates if r.remote_id == wanted), None)
        if found is None:
            raise BadUserInput(f"{field}: no such tax rate in this business.", field=field)
        return found
    mapper = await context.loaders.reads.mapper(business_id)
    wanted_kind = kind or model.TaxKind.STANDARD
    chosen = mapper.tax_rate_for(wanted_kind, rates, region=region)
    if chosen is None:
        raise BadUserInput(
            f"{field}: this business has no {wanted_kind.value} tax rate"
            + (f" for region {region}" if region else "")
            + "; pass taxRateId instead.",
            field=field,
        )
    return chosen


async def ledger_account(
    context: Context,
    business_id: str,
    *,
    role: model.AccountRole | None,
    default_role: model.AccountRole,
    explicit: str | None,
    field: str,
) -> model.LedgerAccount:
    accounts: list[model.LedgerAccount] = await context.loaders.whole_list(
        kinds.LEDGER_ACCOUNTS
    ).all(business_id)
    if explicit is not None:
        wanted = sage_id(explicit, expect="LedgerAccount", business_id=business_id, field=field)
        found = next((a for a in accounts if a.remote_id == wanted), None)
        if found is None:
            raise BadUserInput(f"{field}: no such ledger account in this business.", field=field)
        return found
    mapper = await context.loaders.reads.mapper(business_id)
    wanted_role = role or default_role
    chosen = mapper.ledger_account_for(wanted_role, accounts)
    if chosen is None:
        raise BadUserInput(
            f"{field}: this business has no {wanted_role.value} account; pass ledgerAccountId.",
            field=field,
        )
    return chosen
