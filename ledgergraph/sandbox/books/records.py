"""The records a business's books hold, in Sage's terms but as Python values.

Amounts are ``Decimal``, dates ``date``, instants timezone-aware ``datetime`` (kept to the
microsecond: Sage serialises whole seconds, but ordering and the exclusive ``deleted_since``
comparison need the finer clock). References to other records are ids.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from ledgergraph.sandbox.books.money import ZERO

# Records with a field called ``date`` annotate their other dates with this alias: inside
# such a class body the bare name would mean the field.
Day = date


@dataclass(frozen=True, slots=True)
class TaxTruth:
    """The unified meaning of a seeded tax rate (never sent by the API)."""

    kind: str
    tax_system: str


@dataclass(frozen=True, slots=True)
class AccountTruth:
    """The unified meaning of a seeded ledger account (never sent by the API)."""

    classification: str
    roles: tuple[str, ...]
    # "GOODS" or "SERVICES" for a revenue account kept for one of them, else None.
    supplies: str | None = None


@dataclass(slots=True, kw_only=True)
class Record:
    id: str
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None


@dataclass(frozen=True, slots=True)
class TaxPeriod:
    percentage: Decimal
    from_date: date
    to_date: date | None

    def covers(self, day: date) -> bool:
        return self.from_date <= day and (self.to_date is None or day <= self.to_date)


@dataclass(slots=True, kw_only=True)
class TaxRate(Record):
    name: str
    # A format string: {percentage} and {name} are filled in at serialisation.
    label: str
    agency: str | None = None
    periods: list[TaxPeriod] = field(default_factory=list)
    component_ids: list[str] = field(default_factory=list)
    regions: frozenset[str] = frozenset()
    usage: frozenset[str] = frozenset({"sales", "purchase"})
    is_visible: bool = True
    retailer: bool = False
    editable: bool = False
    deletable: bool = False
    truth: TaxTruth | None = None

    @property
    def is_combined(self) -> bool:
        return bool(self.component_ids)

    def own_percentage_on(self, day: date) -> Decimal:
        for period in self.periods:
            if period.covers(day):
                return period.percentage
        return self.periods[-1].percentage if self.periods else ZERO


@dataclass(slots=True, kw_only=True)
class LedgerAccount(Record):
    nominal_code: int
    name: str
    display_name: str
    type_id: str
    included_in_chart: bool = True
    tax_rate_id: str | None = None
    fixed_tax_rate: bool = False
    visible_in: frozenset[str] = frozenset()
    control_name: str | None = None
    classification_id: str | None = None
    gifi_code: int | None = None
    tax_recoverable: bool | None = None
    recoverable_percentage: Decimal | None = None
    non_recoverable_ledger_account_id: str | None = None
    cis_materials: bool = False
    cis_labour: bool = False
    tax_instalment: bool = False
    truth: AccountTruth | None = None

    @property
    def displayed_as(self) -> str:
        return f"{self.name} ({self.nominal_code:04d})"

    @property
    def is_control_account(self) -> bool:
        return self.control_name is not None


@dataclass(slots=True, kw_only=True)
class Address(Record):
    """A contact's (or bank account's) address: Sage lists them under ``/addresses`` too."""

    address_type_id: str | None = None
    name: str | None = None
    address_line_1: str = ""
    address_line_2: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country_id: str | None = None
    is_main_address: bool = True

    @property
    def displayed_as(self) -> str:
        return self.address_line_1 or self.city or self.name or ""


@dataclass(slots=True, kw_only=True)
class ContactPerson(Record):
    """A person at a contact's address: Sage lists them under ``/contact_persons`` too."""

    name: str = ""
    job_title: str | None = None
    telephone: str | None = None
    mobile: str | None = None
    email: str | None = None
    fax: str | None = None
    contact_person_type_ids: list[str] = field(default_factory=list)
    is_main_contact: bool = True
    is_preferred_contact: bool = True
    # The address the person is at; None: the contact's main address.
    address_id: str | None = None


@dataclass(slots=True, kw_only=True)
class BankDetails:
    account_name: str | None = None
    account_number: str | None = None
    sort_code: str | None = None
    bic: str | None = None
    iban: str | None = None


@dataclass(slots=True, kw_only=True)
class TaxTreatment:
    home_tax: bool = True
    eu_tax_registered: bool = False
    eu_not_tax_registered: bool = False
    rest_of_world_tax: bool = False
    is_importer: bool | None = None


@dataclass(slots=True, kw_only=True)
class Contact(Record):
    name: str
    contact_type_ids: list[str]
    reference: str | None = None
    email: str | None = None
    tax_number: str | None = None
    notes: str | None = None
    locale: str = "en"
    currency_id: str = ""
    credit_limit: Decimal | None = None
    credit_days: int | None = None
    credit_terms: str | None = None
    credit_terms_and_conditions: str | None = None
    default_sales_ledger_account_id: str | None = None
    default_sales_tax_rate_id: str | None = None
    default_purchase_ledger_account_id: str | None = None
    product_sales_price_type_id: str | None = None
    source_guid: str | None = None
    aux_reference: str | None = None
    registered_number: str | None = None
    tax_calculation: str | None = None
    auxiliary_account: str | None = None
    destination_vat_blocking: bool = False
    main_address: Address | None = None
    delivery_address: Address | None = None
    # Its other addresses (more delivery addresses, ...), written through /addresses.
    other_addresses: list[Address] = field(default_factory=list)
    main_contact_person: ContactPerson | None = None
    # The other people at the contact's main address (Sage's /contact_persons lists them all).
    other_contact_persons: list[ContactPerson] = field(default_factory=list)
    # Soft-deleted through /addresses and /contact_persons: kept apart from the live ones above
    # (which every view reads), only for those lists' ``deleted_since``.
    deleted_addresses: list[Address] = field(default_factory=list)
    deleted_contact_persons: list[ContactPerson] = field(default_factory=list)
    bank_account_details: BankDetails = field(default_factory=BankDetails)
    tax_treatment: TaxTreatment = field(default_factory=TaxTreatment)
    is_active: bool = True
    system: bool = False
    ni_based: bool | None = None
    gb_based: bool | None = None
    cis_registered: bool = False

    @property
    def displayed_as(self) -> str:
        return f"{self.name} ({self.reference})" if self.reference else self.name

    def is_a(self, contact_type_id: str) -> bool:
        return contact_type_id in self.contact_type_ids


@dataclass(slots=True, kw_only=True)
class SalesPrice:
    id: str
    created_at: datetime
    updated_at: datetime
    price_name: str
    price: Decimal
    price_includes_tax: bool
    type_id: str


@dataclass(slots=True, kw_only=True)
class CatalogItem(Record):
    """A product or a service; services keep their rates in ``prices``."""

    description: str
    sales_ledger_account_id: str
    purchase_ledger_account_id: str | None = None
    item_code: str | None = None
    notes: str | None = None
    sales_tax_rate_id: str | None = None
    purchase_tax_rate_id: str | None = None
    usual_supplier_id: str | None = None
    cost_price: Decimal = ZERO
    prices: list[SalesPrice] = field(default_factory=list)
    source_guid: str | None = None
    purchase_description: str | None = None
    active: bool = True
    catalog_item_type_id: str = "PRODUCT"
    oss_service: bool = False

    @property
    def displayed_as(self) -> str:
        return self.description

    @property
    def sales_price(self) -> Decimal:
        return self.prices[0].price if self.prices else ZERO


@dataclass(slots=True, kw_only=True)
class BankAccount(Record):
    bank_account_type_id: str
    ledger_account_id: str
    details: BankDetails
    main_address: Address | None = None
    main_contact_person: ContactPerson | None = None
    default_payment_method_id: str | None = None
    currency_id: str | None = None
    is_active: bool = True
    opening_balance: Decimal = ZERO


# A quote's or an estimate's status (Sage's ``QuoteStatus``: an id and a name, no ``$path``).
# Sage lists ACCEPTED, DECLINED and the *_BY_CUSTOMER pair among its artefact statuses; PENDING
# (sent, awaiting an answer) and INVOICED are the web app's, inferred for the API.
QUOTE_STATUSES = {
    "DRAFT": "Draft",
    "PENDING": "Pending",
    "ACCEPTED": "Accepted",
    "DECLINED": "Declined",
    "ACCEPTED_BY_CUSTOMER": "Accepted by Customer",
    "DECLINED_BY_CUSTOMER": "Declined by Customer",
    "INVOICED": "Invoiced",
}


class ArtefactKind(enum.Enum):
    """The invoice-like documents the sandbox keeps, with what differs between them.

    Quotes and estimates are artefacts too (Sage's lines, totals and tax work the same), but
    they post nothing: no transaction, no ledger movement, no contact balance.
    """

    SALES_INVOICE = ("sales_invoices", "sales_invoice", "invoice_lines", "CUSTOMER", "SI-")
    PURCHASE_INVOICE = ("purchase_invoices", "purchase_invoice", "invoice_lines", "VENDOR", "")
    SALES_CREDIT_NOTE = (
        "sales_credit_notes",
        "sales_credit_note",
        "credit_note_lines",
        "CUSTOMER",
        "SCN-",
    )
    PURCHASE_CREDIT_NOTE = (
        "purchase_credit_notes",
        "purchase_credit_note",
        "credit_note_lines",
        "VENDOR",
        "",
    )
    SALES_QUOTE = ("sales_quotes", "sales_quote", "quote_lines", "CUSTOMER", "SQ-")
    SALES_ESTIMATE = ("sales_estimates", "sales_estimate", "estimate_lines", "CUSTOMER", "SE-")

    def __init__(
        self, collection: str, root: str, lines_key: str, contact_type_id: str, prefix: str
    ) -> None:
        self.collection = collection
        self.root = root
        self.lines_key = lines_key
        self.contact_type_id = contact_type_id
        self.number_prefix = prefix

    @property
    def is_sales(self) -> bool:
        return self.contact_type_id == "CUSTOMER"

    @property
    def is_credit_note(self) -> bool:
        return self in (ArtefactKind.SALES_CREDIT_NOTE, ArtefactKind.PURCHASE_CREDIT_NOTE)

    @property
    def is_quote(self) -> bool:
        """A quote or an estimate: a proposal that posts nothing."""
        return self in (ArtefactKind.SALES_QUOTE, ArtefactKind.SALES_ESTIMATE)

    @property
    def number_field(self) -> str | None:
        """The body/payload field holding the number Sage generates (None: purchases)."""
        return {
            ArtefactKind.SALES_INVOICE: "invoice_number",
            ArtefactKind.SALES_CREDIT_NOTE: "credit_note_number",
            ArtefactKind.SALES_QUOTE: "quote_number",
            ArtefactKind.SALES_ESTIMATE: "estimate_number",
        }.get(self)

    @property
    def transaction_type_id(self) -> str:
        return str(self.name)


@dataclass(frozen=True, slots=True)
class TaxShare:
    tax_rate_id: str
    percentage: Decimal
    amount: Decimal


@dataclass(slots=True, kw_only=True)
class ArtefactLine:
    id: str
    description: str
    ledger_account_id: str
    quantity: Decimal
    unit_price: Decimal
    unit_price_includes_tax: bool = False
    discount_amount: Decimal = ZERO
    tax_rate_id: str | None = None
    # Sage keeps the line's tax as sent (users may overwrite VAT); None means "Sage computed it".
    tax_amount_override: Decimal | None = None
    product_id: str | None = None
    service_id: str | None = None
    eu_goods_services_type_id: str | None = None
    trade_of_asset: bool = False
    is_purchase_for_resale: bool = False
    net_amount: Decimal = ZERO
    tax_amount: Decimal = ZERO
    total_amount: Decimal = ZERO
    breakdown: tuple[TaxShare, ...] = ()


@dataclass(slots=True, kw_only=True)
class ArtefactAddress:
    id: str
    address_line_1: str = ""
    address_line_2: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country_id: str | None = None
    address_type_id: str | None = None


@dataclass(frozen=True, slots=True)
class Allocation:
    """Money a contact payment put against an artefact."""

    id: str
    payment_id: str
    date: Day
    amount: Decimal
    discount: Decimal


class ArtefactState(enum.Enum):
    DRAFT = "DRAFT"
    POSTED = "POSTED"
    VOID = "VOID"


@dataclass(slots=True, kw_only=True)
class Artefact(Record):
    kind: ArtefactKind
    contact_id: str
    contact_name: str
    contact_reference: str | None
    date: Day
    due_date: Day | None
    lines: list[ArtefactLine]
    currency_id: str
    number: str | None = None
    reference: str | None = None
    vendor_reference: str | None = None
    notes: str | None = None
    terms_and_conditions: str | None = None
    original_invoice_date: Day | None = None
    main_address: ArtefactAddress | None = None
    delivery_address: ArtefactAddress | None = None
    shipping_net_amount: Decimal = ZERO
    shipping_tax_rate_id: str | None = None
    shipping_tax_amount: Decimal = ZERO
    exchange_rate: Decimal = Decimal("1")
    state: ArtefactState = ArtefactState.POSTED
    void_reason: str | None = None
    sent: bool = False
    tax_address_region_id: str | None = None
    vat_reverse_charge: bool = False
    transaction_id: str | None = None
    allocations: list[Allocation] = field(default_factory=list)
    net_amount: Decimal = ZERO
    tax_amount: Decimal = ZERO
    total_amount: Decimal = ZERO
    # Quotes and estimates only: when the proposal lapses, its status (None: PENDING) and the
    # invoice it became.
    expiry_date: Day | None = None
    quote_status_id: str | None = None
    invoice_id: str | None = None
    # Sales invoices only: the quote or estimate it was made from (Sage's
    # ``original_quote_estimate``).
    quote_id: str | None = None

    @property
    def displayed_as(self) -> str:
        if self.kind is ArtefactKind.PURCHASE_INVOICE:
            return self.reference or self.vendor_reference or ""
        if self.kind is ArtefactKind.PURCHASE_CREDIT_NOTE:
            # Sage shows "24/02/2023 - 277.20" for a purchase credit note without a reference.
            return (
                self.reference
                or self.vendor_reference
                or f"{self.date:%d/%m/%Y} - {self.total_amount:.2f}"
            )
        return self.number or f"{self.kind.number_prefix}DRAFT"

    @property
    def allocated_amount(self) -> Decimal:
        return sum((a.amount for a in self.allocations), ZERO)

    @property
    def allocated_discount(self) -> Decimal:
        return sum((a.discount for a in self.allocations), ZERO)

    @property
    def total_paid(self) -> Decimal:
        return self.allocated_amount + self.allocated_discount

    @property
    def outstanding_amount(self) -> Decimal:
        if self.state is ArtefactState.VOID:
            return ZERO
        return self.total_amount - self.total_paid

    @property
    def last_paid(self) -> Day | None:
        return max((a.date for a in self.allocations), default=None)

    @property
    def status_id(self) -> str:
        if self.state is not ArtefactState.POSTED:
            return str(self.state.value)
        if self.kind.is_quote:
            return self.quote_status_id or "PENDING"
        if self.outstanding_amount <= ZERO:
            return "PAID"
        return "PART_PAID" if self.allocations else "UNPAID"

    @property
    def total_quantity(self) -> Decimal:
        return sum((line.quantity for line in self.lines), ZERO)

    @property
    def total_discount_amount(self) -> Decimal:
        return sum((line.discount_amount for line in self.lines), ZERO)


@dataclass(frozen=True, slots=True)
class PaymentAllocationLine:
    id: str
    artefact_kind: ArtefactKind
    artefact_id: str
    amount: Decimal
    discount: Decimal


@dataclass(slots=True, kw_only=True)
class ContactPayment(Record):
    transaction_type_id: str
    contact_id: str
    bank_account_id: str
    date: Day
    total_amount: Decimal
    currency_id: str
    payment_method_id: str | None = None
    tax_amount: Decimal = ZERO
    exchange_rate: Decimal = Decimal("1")
    reference: str | None = None
    tax_rate_id: str | None = None
    allocations: list[PaymentAllocationLine] = field(default_factory=list)
    on_account_id: str | None = None
    transaction_id: str = ""
    # What contact allocations later set against invoices out of the money on account.
    on_account_allocations: list[Allocation] = field(default_factory=list)

    @property
    def allocated_amount(self) -> Decimal:
        return sum((a.amount for a in self.allocations), ZERO)

    @property
    def on_account_amount(self) -> Decimal:
        used = sum((a.amount for a in self.on_account_allocations), ZERO)
        return self.total_amount - self.allocated_amount - used

    @property
    def net_amount(self) -> Decimal:
        return self.total_amount - self.tax_amount

    @property
    def money_in(self) -> bool:
        return self.transaction_type_id in ("CUSTOMER_RECEIPT", "VENDOR_REFUND")


@dataclass(frozen=True, slots=True)
class ContactAllocationLine:
    """One side of a contact allocation, signed as Sage's ``amount``: what is settled
    (an invoice) positive, what settles it (a credit note, money on account) negative."""

    id: str
    # None: the money on account of the contact payment ``artefact_id``.
    artefact_kind: ArtefactKind | None
    artefact_id: str
    amount: Decimal


@dataclass(slots=True, kw_only=True)
class ContactAllocation(Record):
    """Credit notes and money on account set against a contact's invoices (Sage's
    ``/contact_allocations``): no money moves, so nothing is posted."""

    transaction_type_id: str
    contact_id: str
    date: Day
    lines: list[ContactAllocationLine] = field(default_factory=list)
    transaction_id: str = ""


@dataclass(frozen=True, slots=True)
class JournalLine:
    id: str
    ledger_account_id: str
    debit: Decimal
    credit: Decimal
    details: str | None = None
    include_on_tax_return: bool = False


@dataclass(slots=True, kw_only=True)
class Journal(Record):
    date: Day
    reference: str
    description: str | None = None
    lines: list[JournalLine] = field(default_factory=list)
    transaction_id: str = ""

    @property
    def total(self) -> Decimal:
        return sum((line.debit for line in self.lines), ZERO)


@dataclass(slots=True, kw_only=True)
class FinancialSettings:
    updated_at: datetime
    year_end_date: date
    accounts_start_date: date
    base_currency_id: str
    accounting_type: str = "accrual"
    year_end_lockdown_date: date | None = None
    multi_currency_enabled: bool = False
    use_live_exchange_rates: bool = False
    mtd_activation_status: str | None = None
    mtd_connected: bool = False
    mtd_authenticated_date: date | None = None
    tax_scheme_id: str | None = None
    tax_return_frequency_id: str | None = None
    tax_number: str | None = None
    general_tax_number: str | None = None
    default_irpf_rate: Decimal | None = None
    flat_rate_tax_percentage: Decimal | None = None
    recoverable_percentage: Decimal | None = None
    sales_tax_calculation: str | None = None
    purchase_tax_calculation: str | None = None
    postponed_accounting: bool = False
    destination_vat: bool = False


@dataclass(slots=True, kw_only=True)
class BusinessSettings:
    updated_at: datetime
    business_created_at: datetime
    business_type_id: str | None
    country_of_registration_id: str | None
    default_ledger_account_ids: dict[str, str]
    siret: str | None = None
    rcs_number: str | None = None
    share_capital: Decimal | None = None
    management_centre_member: bool = False
    auxiliary_accounts_visible: bool = False
    wizard_complete: bool = True


# -- money movements that are not contact payments -------------------------------------------


@dataclass(slots=True, kw_only=True)
class BankTransfer(Record):
    """Money moved between two of the business's bank accounts (``/bank_transfers``)."""

    from_bank_account_id: str
    to_bank_account_id: str
    date: Day
    amount: Decimal
    reference: str | None = None
    description: str | None = None
    transaction_id: str = ""


@dataclass(slots=True, kw_only=True)
class BankDeposit(Record):
    """Cash and cheques taken from a cash account to the bank (``/bank_deposits``)."""

    from_bank_account_id: str
    to_bank_account_id: str
    date: Day
    reference: str
    cash_amount: Decimal
    cheque_amount: Decimal = ZERO
    transaction_id: str = ""

    @property
    def total_amount(self) -> Decimal:
        return self.cash_amount + self.cheque_amount


@dataclass(frozen=True, slots=True)
class OtherPaymentLine:
    id: str
    ledger_account_id: str
    net_amount: Decimal
    tax_amount: Decimal
    tax_rate_id: str | None = None
    details: str | None = None

    @property
    def total_amount(self) -> Decimal:
        return self.net_amount + self.tax_amount


@dataclass(slots=True, kw_only=True)
class OtherPayment(Record):
    """A bank payment or receipt straight to ledger accounts (``/other_payments``)."""

    # OTHER_PAYMENT (money out) or OTHER_RECEIPT (money in).
    transaction_type_id: str
    bank_account_id: str
    date: Day
    lines: list[OtherPaymentLine] = field(default_factory=list)
    contact_id: str | None = None
    payment_method_id: str | None = None
    reference: str | None = None
    tax_address_region_id: str | None = None
    transaction_id: str = ""

    @property
    def net_amount(self) -> Decimal:
        return sum((line.net_amount for line in self.lines), ZERO)

    @property
    def tax_amount(self) -> Decimal:
        return sum((line.tax_amount for line in self.lines), ZERO)

    @property
    def total_amount(self) -> Decimal:
        return self.net_amount + self.tax_amount

    @property
    def money_in(self) -> bool:
        return self.transaction_type_id == "OTHER_RECEIPT"


@dataclass(slots=True, kw_only=True)
class BankReconciliation(Record):
    """A bank account's statement reconciled to the books (``/bank_reconciliations``)."""

    bank_account_id: str
    statement_date: Day
    statement_end_balance: Decimal
    starting_balance: Decimal
    total_received: Decimal
    total_paid: Decimal
    # COMPLETED, or DRAFT while it is being worked on.
    status_id: str
    reference: str | None = None

    @property
    def closing_balance(self) -> Decimal:
        return self.starting_balance + self.total_received - self.total_paid


@dataclass(slots=True, kw_only=True)
class TaxReturn(Record):
    """A VAT/GST return over one period (``/tax_returns``; GB, IE and CA in Sage)."""

    tax_return_number: str
    period_start_date: Day
    period_end_date: Day
    # Output tax less input tax over the period, in the base currency.
    total_amount: Decimal
    paid: bool
    # DRAFT, SUBMITTED, SUBMISSION_FAILED, QUEUED or WAITING.
    status_id: str
    # Canada only (GST/HST or QST returns).
    tax_return_type_id: str | None = None
