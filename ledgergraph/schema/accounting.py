"""Reference data of a business: ledger accounts, tax rates, items and bank accounts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import strawberry

from ledgergraph import model
from ledgergraph.resolvers import references
from ledgergraph.schema.enums import (
    AccountClassification,
    AccountRole,
    BankAccountKind,
    ItemKind,
    TaxKind,
    TaxSystem,
)
from ledgergraph.schema.node import Node
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

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, model.TaxRate)


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
    default_tax_rate: TaxRate | None = strawberry.field(resolver=references.default_tax_rate_of)

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, model.LedgerAccount)


@strawberry.type(description="A product, stock item or service the business sells or buys.")
class Item(Node):
    kind: ItemKind
    code: str | None
    name: str
    sales_price: Money | None
    purchase_price: Money | None
    is_active: bool
    sales_ledger_account: LedgerAccount | None = strawberry.field(
        resolver=references.sales_ledger_account_of
    )
    purchase_ledger_account: LedgerAccount | None = strawberry.field(
        resolver=references.purchase_ledger_account_of
    )
    sales_tax_rate: TaxRate | None = strawberry.field(resolver=references.sales_tax_rate_of)

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, model.Item)


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
    ledger_account: LedgerAccount | None = strawberry.field(resolver=references.ledger_account_of)

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, model.BankAccount)
