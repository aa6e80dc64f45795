"""Reference data of a business: ledger accounts, tax rates, items and bank accounts."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from ledgergraph import kinds
from ledgergraph.schema.enums import (
    AccountClassification,
    AccountRole,
    BankAccountKind,
    ItemKind,
    TaxKind,
    TaxSystem,
)
from ledgergraph.schema.node import Node, follows, recognises
from ledgergraph.schema.scalars import Money


@strawberry.type(description="One part of a combined tax rate (e.g. GST and PST in Canada).")
class TaxRateComponent:
    name: str
    rate: Decimal
    tax_system: TaxSystem | None


@strawberry.type(description="A tax rate, classified the same way in every country.")
class TaxRate(Node):
    name: str
    rate: Decimal = strawberry.field(description="Percentage, e.g. 20.0 for 20 %.")
    kind: TaxKind | None = strawberry.field(description="Null when LedgerGraph cannot tell.")
    tax_system: TaxSystem | None
    components: list[TaxRateComponent]
    is_combined: bool
    is_visible: bool

    is_type_of = recognises(kinds.TAX_RATE)


@strawberry.type(description="An account of the chart of accounts.")
class LedgerAccount(Node):
    code: str = strawberry.field(description="The nominal code, as the business shows it.")
    name: str
    classification: AccountClassification | None
    roles: list[AccountRole]
    account_type: str | None = strawberry.field(description="Sage's ledger account type id.")
    is_control_account: bool
    visible_in_sales: bool
    visible_in_purchases: bool
    default_tax_rate: TaxRate | None = follows(kinds.TAX_RATE)

    is_type_of = recognises(kinds.LEDGER_ACCOUNT)


@strawberry.type(description="A product, stock item or service the business sells or buys.")
class Item(Node):
    kind: ItemKind
    code: str | None
    name: str
    sales_price: Money | None
    purchase_price: Money | None
    is_active: bool
    sales_ledger_account: LedgerAccount | None = follows(kinds.LEDGER_ACCOUNT)
    purchase_ledger_account: LedgerAccount | None = follows(kinds.LEDGER_ACCOUNT)
    sales_tax_rate: TaxRate | None = follows(kinds.TAX_RATE)

    is_type_of = recognises(kinds.ITEM)


@strawberry.type(description="A bank, cash, credit card or loan account.")
class BankAccount(Node):
    name: str
    kind: BankAccountKind | None
    account_number: str | None
    sort_code: str | None
    iban: str | None
    bic: str | None
    balance: Money | None
    currency: str | None
    is_active: bool
    ledger_account: LedgerAccount | None = follows(kinds.LEDGER_ACCOUNT)

    is_type_of = recognises(kinds.BANK_ACCOUNT)
