"""Inputs of the mutations: amounts as decimals, tax by kind or id, accounts by role or id."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry

from ledgergraph import model


@strawberry.input(description="A postal address.")
class AddressInput:
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country_code: str | None = None


@strawberry.input(description="A new customer and/or supplier.")
class ContactInput:
    name: str
    kinds: list[model.ContactKind]
    reference: str | None = None
    email: str | None = None
    telephone: str | None = None
    tax_number: str | None = None
    currency: str | None = None
    main_address: AddressInput | None = None
    credit_limit: Decimal | None = None
    credit_days: int | None = None


@strawberry.input(description="Changes to a contact; omitted fields stay as they are.")
class ContactUpdateInput:
    name: str | None = None
    reference: str | None = None
    email: str | None = None
    telephone: str | None = None
    tax_number: str | None = None
    main_address: AddressInput | None = None
    credit_limit: Decimal | None = None
    credit_days: int | None = None


@strawberry.input(
    description="A document line. Tax: taxKind (e.g. STANDARD) or an explicit taxRateId; "
    "account: accountRole (e.g. SALES) or an explicit ledgerAccountId."
)
class LineItemInput:
    description: str
    unit_price: Decimal
    quantity: Decimal = Decimal(1)
    unit_price_includes_tax: bool = False
    discount_amount: Decimal | None = None
    tax_kind: model.TaxKind | None = None
    tax_rate_id: strawberry.ID | None = None
    account_role: model.AccountRole | None = None
    ledger_account_id: strawberry.ID | None = None
    item_id: strawberry.ID | None = None
    item_kind: model.ItemKind | None = strawberry.field(
        default=None,
        description="What the line sells when it names no itemId (SERVICE, PRODUCT): an "
        "accountRole then books it to the chart's account for services or goods.",
    )


@strawberry.input(description="A new sales invoice, bill or credit note.")
class DocumentInput:
    contact_id: strawberry.ID
    date: dt.date
    lines: list[LineItemInput]
    due_date: dt.date | None = None
    reference: str | None = None
    notes: str | None = None
    tax_region: str | None = strawberry.field(
        default=None, description="Canada/US: the province or state taxed, e.g. CA-BC."
    )
    vendor_reference: str | None = strawberry.field(
        default=None, description="Bills only: the supplier's invoice number."
    )


@strawberry.input(description="Part of a payment allocated to an invoice, bill or credit note.")
class AllocationInput:
    document_id: strawberry.ID
    amount: Decimal


@strawberry.input(description="A customer receipt, supplier payment or refund.")
class PaymentInput:
    kind: model.PaymentKind
    contact_id: strawberry.ID
    bank_account_id: strawberry.ID
    date: dt.date
    total_amount: Decimal
    reference: str | None = None
    payment_method: str | None = strawberry.field(
        default=None, description="CASH, CHECK, ELECTRONIC, CREDIT_DEBIT or ONLINE_PAYMENT."
    )
    allocations: list[AllocationInput] = strawberry.field(default_factory=list)
