"""GraphQL types of the tenant's corrections to the country mapping (tax rate kinds, ledger
account roles), which win over what LedgerGraph derives from Sage's data."""

from __future__ import annotations

from enum import Enum

import strawberry

from ledgergraph.schema.enums import AccountClassification, AccountRole, TaxKind, TaxSystem


@strawberry.enum(description="What a mapping override corrects.")
class MappingOverrideKind(Enum):
    TAX_RATE = "TAX_RATE"
    LEDGER_ACCOUNT = "LEDGER_ACCOUNT"


@strawberry.type(
    description="One of the tenant's corrections to the country mapping: it wins over what "
    "LedgerGraph derives, in what queries report and in what taxKind/accountRole writes pick."
)
class MappingOverride:
    kind: MappingOverrideKind
    remote_id: str = strawberry.field(
        description="The Sage id of the tax rate or ledger account (TaxRate.remoteId, "
        "LedgerAccount.remoteId), or a ledger account's nominal code."
    )
    tax_kind: TaxKind | None = strawberry.field(
        default=None, description="TAX_RATE: the kind the rate is taken to be."
    )
    tax_system: TaxSystem | None = strawberry.field(
        default=None, description="TAX_RATE: the tax system, when overridden."
    )
    roles: list[AccountRole] | None = strawberry.field(
        default=None, description="LEDGER_ACCOUNT: the account's roles (empty: none)."
    )
    classification: AccountClassification | None = strawberry.field(
        default=None, description="LEDGER_ACCOUNT: the classification, when overridden."
    )
