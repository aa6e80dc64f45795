"""The unified accounting model: plain, framework-free objects.

``connectors/sage/mapping`` builds them from Sage's JSON; ``schema/`` exposes them through
Strawberry types whose fields read these attributes directly. References to other objects are
kept as ids (``contact_id``) plus what Sage embedded (``contact_name``), so a field already
present costs no Sage call and the rest go through dataloaders.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any


class ContactKind(StrEnum):
    CUSTOMER = "CUSTOMER"
    SUPPLIER = "SUPPLIER"


class DocumentStatus(StrEnum):
    DRAFT = "DRAFT"
    PRO_FORMA = "PRO_FORMA"
    UNPAID = "UNPAID"
    PARTIALLY_PAID = "PARTIALLY_PAID"
    PAID = "PAID"
    VOID = "VOID"
    DISPUTED = "DISPUTED"
    OTHER = "OTHER"


class DocumentOrder(StrEnum):
    """Orders Sage can list documents in (its ``sort``); Sage cannot sort by number."""

    CREATED_ASC = "CREATED_ASC"
    CREATED_DESC = "CREATED_DESC"
    DATE_ASC = "DATE_ASC"
    DATE_DESC = "DATE_DESC"
    DUE_DATE_ASC = "DUE_DATE_ASC"
    DUE_DATE_DESC = "DUE_DATE_DESC"


class DocumentStatusFilter(StrEnum):
    """A document status to list by: Sage's, or OVERDUE (derived, see the resolvers)."""

    DRAFT = "DRAFT"
    PRO_FORMA = "PRO_FORMA"
    UNPAID = "UNPAID"
    PARTIALLY_PAID = "PARTIALLY_PAID"
    PAID = "PAID"
    VOID = "VOID"
    DISPUTED = "DISPUTED"
    OVERDUE = "OVERDUE"


class PaymentKind(StrEnum):
    CUSTOMER_RECEIPT = "CUSTOMER_RECEIPT"
    SUPPLIER_PAYMENT = "SUPPLIER_PAYMENT"
    CUSTOMER_REFUND = "CUSTOMER_REFUND"
    SUPPLIER_REFUND = "SUPPLIER_REFUND"


class AccountClassification(StrEnum):
    ASSET = "ASSET"
    LIABILITY = "LIABILITY"
    EQUITY = "EQUITY"
    REVENUE = "REVENUE"
    EXPENSE = "EXPENSE"


class AccountRole(StrEnum):
    SALES = "SALES"
    SALES_DISCOUNTS = "SALES_DISCOUNTS"
    OTHER_INCOME = "OTHER_INCOME"
    PURCHASES = "PURCHASES"
    PURCHASE_DISCOUNTS = "PURCHASE_DISCOUNTS"
    EXPENSES = "EXPENSES"
    BANK_CHARGES = "BANK_CHARGES"
    DEPRECIATION = "DEPRECIATION"
    FIXED_ASSETS = "FIXED_ASSETS"
    INVENTORY = "INVENTORY"
    BANK = "BANK"
    CASH = "CASH"
    CREDIT_CARD = "CREDIT_CARD"
    ACCOUNTS_RECEIVABLE = "ACCOUNTS_RECEIVABLE"
    ACCOUNTS_PAYABLE = "ACCOUNTS_PAYABLE"
    SALES_TAX = "SALES_TAX"
    PURCHASE_TAX = "PURCHASE_TAX"
    TAX_LIABILITY = "TAX_LIABILITY"
    EQUITY_CAPITAL = "EQUITY_CAPITAL"
    RETAINED_EARNINGS = "RETAINED_EARNINGS"
    SUSPENSE = "SUSPENSE"
    # Income
    CARRIAGE = "CARRIAGE"
    INTEREST_INCOME = "INTEREST_INCOME"
    # Expenses
    WAGES = "WAGES"
    BAD_DEBTS = "BAD_DEBTS"
    EXCHANGE_DIFFERENCES = "EXCHANGE_DIFFERENCES"
    NON_RECOVERABLE_TAX = "NON_RECOVERABLE_TAX"
    # Assets
    ACCUMULATED_DEPRECIATION = "ACCUMULATED_DEPRECIATION"
    PREPAYMENTS = "PREPAYMENTS"
    # Liabilities
    ACCRUALS = "ACCRUALS"
    PAYROLL_LIABILITY = "PAYROLL_LIABILITY"
    INCOME_TAX = "INCOME_TAX"
    LOAN = "LOAN"
    # Equity
    DRAWINGS = "DRAWINGS"
    OPENING_BALANCES = "OPENING_BALANCES"


class TaxKind(StrEnum):
    STANDARD = "STANDARD"
    REDUCED = "REDUCED"
    SECOND_REDUCED = "SECOND_REDUCED"
    SUPER_REDUCED = "SUPER_REDUCED"
    ZERO = "ZERO"
    EXEMPT = "EXEMPT"
    OUTSIDE_SCOPE = "OUTSIDE_SCOPE"
    REVERSE_CHARGE = "REVERSE_CHARGE"
    SURCHARGE = "SURCHARGE"


class TaxSystem(StrEnum):
    VAT = "VAT"
    GST = "GST"
    HST = "HST"
    PST = "PST"
    QST = "QST"
    SALES_TAX = "SALES_TAX"


class ItemKind(StrEnum):
    PRODUCT = "PRODUCT"
    STOCK_ITEM = "STOCK_ITEM"
    SERVICE = "SERVICE"


class BankAccountKind(StrEnum):
    CHECKING = "CHECKING"
    SAVINGS = "SAVINGS"
    CREDIT_CARD = "CREDIT_CARD"
    CASH = "CASH"
    LOAN = "LOAN"
    OTHER = "OTHER"


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class Address:
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country_code: str | None = None


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference to another Sage object, with what Sage embedded about it."""

    id: str
    displayed_as: str | None = None


@dataclass(frozen=True, slots=True)
class Record:
    """What every unified object shares."""

    business_id: str
    remote_id: str
    remote_data: dict[str, Any] = field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class FinancialSettings:
    base_currency: str | None
    year_end_date: dt.date | None
    accounting_type: str | None
    tax_number: str | None
    multi_currency_enabled: bool


@dataclass(frozen=True, slots=True)
class Business(Record):
    name: str
    country_code: str | None
    currency: str | None
    address: Address | None
    telephone: str | None
    website: str | None
    financial_settings: FinancialSettings | None = None


@dataclass(frozen=True, slots=True)
class TaxRateComponent:
    name: str
    rate: Decimal
    tax_system: TaxSystem | None


@dataclass(frozen=True, slots=True)
class TaxRate(Record):
    name: str
    rate: Decimal
    kind: TaxKind | None
    tax_system: TaxSystem | None
    components: tuple[TaxRateComponent, ...]
    is_combined: bool
    is_visible: bool


@dataclass(frozen=True, slots=True)
class LedgerAccount(Record):
    code: str
    name: str
    classification: AccountClassification | None
    roles: tuple[AccountRole, ...]
    account_type: str | None
    default_tax_rate: Ref | None
    is_control_account: bool
    visible_in_sales: bool
    visible_in_purchases: bool


@dataclass(frozen=True, slots=True)
class Contact(Record):
    name: str
    reference: str | None
    kinds: tuple[ContactKind, ...]
    email: str | None
    telephone: str | None
    tax_number: str | None
    currency: str | None
    main_address: Address | None
    delivery_address: Address | None
    balance: Money | None
    credit_limit: Money | None
    credit_days: int | None
    is_active: bool
    created_at: dt.datetime | None
    updated_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class LineItem:
    business_id: str
    remote_id: str | None
    description: str
    quantity: Decimal
    unit_price: Money
    net_amount: Money
    tax_amount: Money
    total_amount: Money
    discount_amount: Money | None
    tax_rate: Ref | None
    ledger_account: Ref | None
    item: Ref | None
    item_kind: ItemKind | None


@dataclass(frozen=True, slots=True)
class Shipping:
    """Carriage charged on a document, outside its lines: lines + shipping = the totals."""

    business_id: str
    net_amount: Money
    tax_amount: Money
    total_amount: Money
    tax_rate: Ref | None


@dataclass(frozen=True, slots=True)
class Document(Record):
    """A sales invoice, a purchase invoice (bill) or a sales credit note."""

    number: str | None
    contact: Ref | None
    date: dt.date | None
    due_date: dt.date | None
    reference: str | None
    status: DocumentStatus
    currency: str
    net_amount: Money
    tax_amount: Money
    total_amount: Money
    amount_paid: Money
    outstanding_amount: Money
    lines: tuple[LineItem, ...]
    created_at: dt.datetime | None
    updated_at: dt.datetime | None
    void_reason: str | None = None
    # None where Sage has no shipping on the kind (purchase invoices).
    shipping: Shipping | None = None
    contact_reference: str | None = None


@dataclass(frozen=True, slots=True)
class Invoice(Document):
    pass


@dataclass(frozen=True, slots=True)
class Bill(Document):
    vendor_reference: str | None = None


@dataclass(frozen=True, slots=True)
class CreditNote(Document):
    pass


@dataclass(frozen=True, slots=True)
class Allocation:
    business_id: str
    document_type: str  # "INVOICE" | "BILL" | "CREDIT_NOTE" | other Sage artefact kinds
    document: Ref
    amount: Money


@dataclass(frozen=True, slots=True)
class Payment(Record):
    kind: PaymentKind | None
    contact: Ref | None
    bank_account: Ref | None
    date: dt.date | None
    reference: str | None
    payment_method: str | None
    currency: str
    total_amount: Money
    allocations: tuple[Allocation, ...]
    created_at: dt.datetime | None
    updated_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class Item(Record):
    kind: ItemKind
    code: str | None
    name: str
    sales_price: Money | None
    purchase_price: Money | None
    sales_ledger_account: Ref | None
    purchase_ledger_account: Ref | None
    sales_tax_rate: Ref | None
    is_active: bool
    updated_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class BankAccount(Record):
    name: str
    kind: BankAccountKind | None
    account_number: str | None
    sort_code: str | None
    iban: str | None
    bic: str | None
    balance: Money | None
    currency: str | None
    ledger_account: Ref | None
    is_active: bool
