"""The tenant's mapping overrides: read, set and removed one at a time (GraphQL) or replaced
whole (the admin API), always checked against the business's real tax rates and accounts.

They are kept with the tenant's connection record; every request builds its mappers from that
record, so a change applies from the next read on (this request's are dropped at once).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Annotated, Any

import strawberry

from ledgergraph import kinds, model
from ledgergraph.connectors.sage.connections import Connection, Connections
from ledgergraph.connectors.sage.mapping import (
    LedgerAccountOverride,
    Overrides,
    OverridesError,
    TaxRateOverride,
)
from ledgergraph.errors import BadUserInput
from ledgergraph.resolvers.context import Info
from ledgergraph.resolvers.lists import business_of
from ledgergraph.resolvers.loaders import Loaders
from ledgergraph.schema.arguments import WriteBusinessArg
from ledgergraph.schema.mapping import MappingOverride, MappingOverrideKind
from ledgergraph.types import TenantId


def describe(overrides: Overrides) -> list[MappingOverride]:
    """Every override, tax rates first, each group in key order."""
    found = [
        MappingOverride(
            kind=MappingOverrideKind.TAX_RATE,
            remote_id=key,
            tax_kind=override.kind,
            tax_system=override.tax_system,
        )
        for key, override in sorted(overrides.tax_rates.items())
    ]
    found += [
        MappingOverride(
            kind=MappingOverrideKind.LEDGER_ACCOUNT,
            remote_id=key,
            roles=list(override.roles) if override.roles is not None else None,
            classification=override.classification,
        )
        for key, override in sorted(overrides.ledger_accounts.items())
    ]
    return found


def stored(connection: Connection | None) -> Overrides:
    try:
        return Overrides.parse(connection.overrides if connection is not None else None)
    except OverridesError:
        # A record written by hand that no longer parses is replaced by the next change.
        return Overrides()


async def check_ids(
    loaders: Loaders, business_id: str, overrides: Overrides, *, field: str = ""
) -> None:
    """Refuse an override of a tax rate or account the business does not have."""
    if overrides.tax_rates:
        rates: list[model.TaxRate] = await loaders.whole_list(kinds.TAX_RATES).all(business_id)
        known = {rate.remote_id for rate in rates}
        for key in overrides.tax_rates:
            if key not in known:
                where = field or f"tax_rates.{key}"
                raise BadUserInput(
                    f"{where}: this business has no tax rate {key!r}; use a TaxRate.remoteId "
                    "from the taxRates query.",
                    field=where,
                )
    if overrides.ledger_accounts:
        accounts: list[model.LedgerAccount] = await loaders.whole_list(kinds.LEDGER_ACCOUNTS).all(
            business_id
        )
        ids = {account.remote_id for account in accounts}
        codes = {int(a.code) for a in accounts if a.code.isdigit()}
        for key in overrides.ledger_accounts:
            by_code = key.strip().isdigit() and int(key) in codes
            if key not in ids and not by_code:
                where = field or f"ledger_accounts.{key}"
                raise BadUserInput(
                    f"{where}: this business has no ledger account {key!r}; use a "
                    "LedgerAccount.remoteId from the ledgerAccounts query, or its nominal code.",
                    field=where,
                )


async def store(connections: Connections, tenant: TenantId, overrides: Overrides) -> Overrides:
    """Keep ``overrides`` as the tenant's, whole."""
    updated = await connections.update(
        tenant, lambda current: replace(current, overrides=overrides.to_json())
    )
    return stored(updated)


async def resolve_mapping_overrides(info: Info) -> list[MappingOverride]:
    context = info.context
    return describe(stored(await context.runtime.connections.get(context.tenant)))


Override = TaxRateOverride | LedgerAccountOverride


def _change(
    kind: MappingOverrideKind, remote_id: str, override: Override | None
) -> Callable[[Connection], Connection]:
    def change(current: Connection) -> Connection:
        data = stored(current).to_json()
        group = "tax_rates" if kind is MappingOverrideKind.TAX_RATE else "ledger_accounts"
        entries = dict(data.get(group, {}))
        if override is None:
            entries.pop(remote_id, None)
        else:
            entries[remote_id] = override.model_dump(mode="json", exclude_unset=True)
        data[group] = entries
        return replace(current, overrides=Overrides.parse(data).to_json())

    return change


async def _apply(
    info: Info, kind: MappingOverrideKind, remote_id: str, override: Override | None
) -> list[MappingOverride]:
    context = info.context
    updated = await context.runtime.connections.update(
        context.tenant, _change(kind, remote_id, override)
    )
    # This request's mappers were built from the old overrides.
    context.forget()
    return describe(stored(updated))


RemoteId = Annotated[
    str,
    strawberry.argument(
        description="TaxRate.remoteId or LedgerAccount.remoteId (or the account's nominal code)."
    ),
]


async def resolve_set_mapping_override(
    info: Info,
    kind: MappingOverrideKind,
    remote_id: RemoteId,
    tax_kind: Annotated[
        model.TaxKind | None,
        strawberry.argument(description="TAX_RATE: the kind the rate is to be taken as."),
    ] = None,
    roles: Annotated[
        list[model.AccountRole] | None,
        strawberry.argument(description="LEDGER_ACCOUNT: the account's roles ([] for none)."),
    ] = None,
    business: WriteBusinessArg = None,
) -> list[MappingOverride]:
    """Replace the override of one tax rate or account; setting the same twice changes
    nothing."""
    key = remote_id.strip()
    if not key:
        raise BadUserInput("remoteId must not be empty.", field="remoteId")
    override: Override
    if kind is MappingOverrideKind.TAX_RATE:
        if roles is not None:
            raise BadUserInput("roles: a TAX_RATE override takes taxKind.", field="roles")
        if tax_kind is None:
            raise BadUserInput("taxKind is required for a TAX_RATE override.", field="taxKind")
        override = TaxRateOverride(kind=tax_kind)
        overrides = Overrides(tax_rates={key: override})
    else:
        if tax_kind is not None:
            raise BadUserInput("taxKind: a LEDGER_ACCOUNT override takes roles.", field="taxKind")
        if roles is None:
            raise BadUserInput("roles is required for a LEDGER_ACCOUNT override.", field="roles")
        override = LedgerAccountOverride(roles=tuple(dict.fromkeys(roles)))
        overrides = Overrides(ledger_accounts={key: override})
    context = info.context
    business_id = await business_of(context, business)
    await check_ids(context.loaders, business_id, overrides, field="remoteId")
    return await _apply(info, kind, key, override)


async def resolve_remove_mapping_override(
    info: Info, kind: MappingOverrideKind, remote_id: RemoteId
) -> list[MappingOverride]:
    """Drop the override of one tax rate or account; removing one that is not there is no
    error."""
    return await _apply(info, kind, remote_id.strip(), None)


def parse(data: Mapping[str, Any] | None) -> Overrides:
    """The admin API's overrides document, validated (``BadUserInput`` when malformed)."""
    try:
        return Overrides.parse(data)
    except OverridesError as exc:
        raise BadUserInput(str(exc)) from exc
