"""Every kind of object LedgerGraph serves, declared once.

Adding a Sage resource is a row here (its ``Resource``, whose ``build`` calls the resource's
mapping function; its model class, GraphQL type name and how it is loaded, listed, polled and
invalidated) and a Strawberry type anywhere in ``ledgergraph/schema`` (see
docs/adding-a-resource.md). What used to be copied per kind is derived from ``KINDS``: the
per-request loaders, ``node(id:)``, the root list and by-ID fields of a kind with a
``Listing``, the schema's concrete types, the sync poller's resources, the event object types
of ``syncEvents`` and the cache invalidations of every write.

This module sits just above ``model`` and the Sage ``Resource`` vocabulary, so connectors,
sync, schema and resolvers can all import it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Any

from ledgergraph import model
from ledgergraph.connectors.sage.mapping import (
    attachments,
    bank_reconciliations,
    contact_allocations,
    contact_people,
    journals,
    ledger_entries,
    money_movements,
    purchase_credit_notes,
    quotes,
    reference_data,
    tax_returns,
)
from ledgergraph.connectors.sage.resources import Resource
from ledgergraph.types import BusinessRef

__all__ = [
    "ATTACHMENT",
    "BANK_ACCOUNT",
    "BANK_DEPOSIT",
    "BANK_RECONCILIATION",
    "BANK_TRANSFER",
    "BILL",
    "BUSINESS",
    "CONTACT",
    "CONTACT_ADDRESS",
    "CONTACT_ALLOCATION",
    "CONTACT_PERSON",
    "COUNTRY",
    "CREDIT_NOTE",
    "CURRENCY",
    "ESTIMATE",
    "EXCHANGE_RATE",
    "INVOICE",
    "ITEM",
    "JOURNAL",
    "KINDS",
    "LEDGER_ACCOUNT",
    "LEDGER_ENTRY",
    "OTHER_PAYMENT",
    "PAYMENT",
    "PAYMENT_METHOD",
    "QUOTE",
    "SUPPLIER_CREDIT_NOTE",
    "TAX_RATE",
    "TAX_RETURN",
    "Listing",
    "Loading",
    "ObjectKind",
    "ObjectType",
    "cache_ttls",
    "kind_for_event",
    "kind_named",
    "without_deletions",
]


class ObjectType(StrEnum):
    """What a sync event is about: a unified object type, or the tenant's connection."""

    CONTACT = "CONTACT"
    INVOICE = "INVOICE"
    BILL = "BILL"
    CREDIT_NOTE = "CREDIT_NOTE"
    PAYMENT = "PAYMENT"
    ITEM = "ITEM"
    JOURNAL = "JOURNAL"
    SUPPLIER_CREDIT_NOTE = "SUPPLIER_CREDIT_NOTE"
    BANK_TRANSFER = "BANK_TRANSFER"
    BANK_DEPOSIT = "BANK_DEPOSIT"
    OTHER_PAYMENT = "OTHER_PAYMENT"
    CONTACT_ALLOCATION = "CONTACT_ALLOCATION"
    ATTACHMENT = "ATTACHMENT"
    CONTACT_ADDRESS = "CONTACT_ADDRESS"
    CONTACT_PERSON = "CONTACT_PERSON"
    # Sage's lists of these take no ``deleted_since``: created and updated, never DELETED.
    QUOTE = "QUOTE"
    ESTIMATE = "ESTIMATE"
    BANK_RECONCILIATION = "BANK_RECONCILIATION"
    TAX_RETURN = "TAX_RETURN"
    CONNECTION = "CONNECTION"


class Loading(Enum):
    # Read by id, batched per business: lists too long to read whole.
    BY_ID = "by id"
    # Read as the business's whole list, once per request and then from the cache.
    WHOLE_LIST = "whole list"
    # The tenant's connection knows it (businesses).
    CONNECTION = "connection"


@dataclass(frozen=True, slots=True)
class Listing:
    """The root fields a kind gets without writing them (``ledgergraph.api.query`` derives
    them): ``many(business, first, after, fromDate, toDate, modifiedSince)``, a window in
    creation order, and ``one(id)``. The kind's model has a ``date``."""

    many: str
    one: str
    description: str
    # Whether Sage takes ``from_date``/``to_date`` on the list; where it does not, a date
    # filter reads the whole list and LedgerGraph filters it.
    sage_filters_dates: bool = False


# The Sage resources. ``build`` picks the ``Mapper`` method that maps the resource's JSON.
CONTACTS = Resource(
    "contacts", "contact", lambda m, p: m.contact(p), changed_since=True, deleted_since=True
)
SALES_INVOICES = Resource(
    "sales_invoices",
    "sales_invoice",
    lambda m, p: m.invoice(p),
    changed_since=True,
    deleted_since=True,
)
PURCHASE_INVOICES = Resource(
    "purchase_invoices",
    "purchase_invoice",
    lambda m, p: m.bill(p),
    changed_since=True,
    deleted_since=True,
)
SALES_CREDIT_NOTES = Resource(
    "sales_credit_notes",
    "sales_credit_note",
    lambda m, p: m.credit_note(p),
    changed_since=True,
    deleted_since=True,
)
CONTACT_PAYMENTS = Resource(
    "contact_payments",
    "contact_payment",
    lambda m, p: m.payment(p),
    changed_since=True,
    deleted_since=True,
)
CONTACT_ALLOCATIONS = Resource(
    "contact_allocations",
    "contact_allocation",
    lambda m, p: contact_allocations.contact_allocation(p, m.business_id, currency=m.currency),
    changed_since=True,
    deleted_since=True,
)
PRODUCTS = Resource(
    "products", "product", lambda m, p: m.item(p), changed_since=True, deleted_since=True
)
SERVICES = Resource(
    "services", "service", lambda m, p: m.item(p), changed_since=True, deleted_since=True
)
LEDGER_ACCOUNTS = Resource("ledger_accounts", "ledger_account", lambda m, p: m.ledger_account(p))
TAX_RATES = Resource("tax_rates", "tax_rate", lambda m, p: m.tax_rate(p))
BANK_ACCOUNTS = Resource("bank_accounts", "bank_account", lambda m, p: m.bank_account(p))
JOURNALS = Resource(
    "journals",
    "journal",
    lambda m, p: journals.journal(p, m.business_id, currency=m.currency),
    changed_since=True,
    deleted_since=True,
)
PURCHASE_CREDIT_NOTES = Resource(
    "purchase_credit_notes",
    "purchase_credit_note",
    lambda m, p: purchase_credit_notes.supplier_credit_note(p, m.business_id, currency=m.currency),
    changed_since=True,
    deleted_since=True,
)
ADDRESSES = Resource(
    "addresses",
    "address",
    lambda m, p: contact_people.contact_address(p, m.business_id),
    changed_since=True,
    deleted_since=True,
)
CONTACT_PERSONS = Resource(
    "contact_persons",
    "contact_person",
    lambda m, p: contact_people.contact_person(p, m.business_id),
    changed_since=True,
    deleted_since=True,
)
LEDGER_ENTRIES = Resource(
    "ledger_entries",
    "ledger_entry",
    lambda m, p: ledger_entries.ledger_entry(p, m.business_id, currency=m.currency),
)
BANK_TRANSFERS = Resource(
    "bank_transfers",
    "bank_transfer",
    lambda m, p: money_movements.bank_transfer(p, m.business_id, currency=m.currency),
    changed_since=True,
    deleted_since=True,
)
BANK_DEPOSITS = Resource(
    "bank_deposits",
    "bank_deposit",
    lambda m, p: money_movements.bank_deposit(p, m.business_id, currency=m.currency),
    changed_since=True,
    deleted_since=True,
)
OTHER_PAYMENTS = Resource(
    "other_payments",
    "other_payment",
    lambda m, p: money_movements.other_payment(p, m.business_id, currency=m.currency),
    changed_since=True,
    deleted_since=True,
)
SALES_QUOTES = Resource(
    "sales_quotes",
    "sales_quote",
    lambda m, p: quotes.quote(p, m.business_id, currency=m.currency),
    changed_since=True,
)
SALES_ESTIMATES = Resource(
    "sales_estimates",
    "sales_estimate",
    lambda m, p: quotes.estimate(p, m.business_id, currency=m.currency),
    changed_since=True,
)
BANK_RECONCILIATIONS = Resource(
    "bank_reconciliations",
    "bank_reconciliation",
    lambda m, p: bank_reconciliations.bank_reconciliation(p, m.business_id, currency=m.currency),
    changed_since=True,
)
TAX_RETURNS = Resource(
    "tax_returns",
    "tax_return",
    lambda m, p: tax_returns.tax_return(p, m.business_id, currency=m.currency),
    changed_since=True,
    countries=tax_returns.WITH_TAX_RETURNS,
)
DRAFT_TAX_RETURNS = Resource(
    "draft_tax_returns",
    "draft_tax_return",
    lambda m, p: tax_returns.tax_return(p, m.business_id, currency=m.currency),
    countries=tax_returns.DRAFTS_APART,
)
# Reference lists (the same in every business but exchange rates, which run from its base).
CURRENCIES = Resource(
    "currencies", "currency", lambda m, p: reference_data.currency(p, m.business_id)
)
EXCHANGE_RATES = Resource(
    "exchange_rates",
    "exchange_rate",
    lambda m, p: reference_data.exchange_rate(p, m.business_id, base=m.currency),
)
PAYMENT_METHODS = Resource(
    "payment_methods",
    "payment_method",
    lambda m, p: reference_data.payment_method(p, m.business_id),
)
COUNTRIES = Resource("countries", "country", lambda m, p: reference_data.country(p, m.business_id))
ATTACHMENTS = Resource(
    "attachments",
    "attachment",
    lambda m, p: attachments.attachment(p, m.business_id),
    changed_since=True,
    deleted_since=True,
)


@dataclass(frozen=True, slots=True)
class ObjectKind:
    """One kind of unified object."""

    # The GraphQL type's name, which is also the prefix of the kind's global IDs.
    type_name: str
    # What ``Mapper`` builds (what the GraphQL type's ``is_type_of`` recognises).
    model: type[Any]
    # Where Sage keeps it; an ITEM is a product or a service.
    resources: tuple[Resource, ...]
    loading: Loading
    # The sync poller watches its resources that take ``updated_or_created_since`` (their
    # deletions too where they take ``deleted_since``: see ``Resource``), and ``syncEvents``
    # reports it under this type.
    event_type: ObjectType | None = None
    # Other resources whose cached reads a write of this kind makes stale (a document's
    # contact balance, the documents a payment is allocated to...).
    also_stale: tuple[Resource, ...] = ()
    # Its root fields, derived; None: they are written by hand in ``ledgergraph.api.query``.
    listing: Listing | None = None
    # Whether a write of it posts to the ledger: it then makes stale the ledger entries and
    # the ledger accounts' balances (the trial balance and profit and loss read them).
    posts: bool = False
    # Sage's attachment context type of its objects (they then carry ``attachments`` and take
    # ``uploadAttachment``); None: no attachments.
    attachment_context: str | None = None
    # Seconds a cached read of its resources lives unless RESPONSE_CACHE_TTLS says otherwise;
    # None: RESPONSE_CACHE_DEFAULT_TTL. Reference data nobody writes through us lives long.
    cache_ttl: float | None = None

    @property
    def resource(self) -> Resource:
        """The one resource a write of this kind goes to."""
        if len(self.resources) != 1:
            raise ValueError(f"{self.type_name} has {len(self.resources)} Sage resources")
        return self.resources[0]

    @property
    def polled(self) -> bool:
        return self.event_type is not None

    @property
    def polls_deletions(self) -> bool:
        """Whether polling sees its deletions (every polled resource takes ``deleted_since``):
        where not, ``syncEvents`` never reports one DELETED."""
        return self.polled and all(r.deleted_since for r in self.resources if r.changed_since)

    @property
    def invalidates(self) -> tuple[str, ...]:
        """The cached resources a write of this kind makes stale (by resource name)."""
        ledger = (LEDGER_ACCOUNTS, LEDGER_ENTRIES) if self.posts else ()
        return tuple(dict.fromkeys(r.name for r in (*self.resources, *self.also_stale, *ledger)))

    def is_kind_of(self, obj: object) -> bool:
        return isinstance(obj, self.model)


CONTACT = ObjectKind(
    "Contact",
    model.Contact,
    (CONTACTS,),
    Loading.BY_ID,
    event_type=ObjectType.CONTACT,
    # A contact's write changes its addresses and main person, which Sage lists apart too.
    also_stale=(ADDRESSES, CONTACT_PERSONS),
    attachment_context="CONTACT",
)
INVOICE = ObjectKind(
    "Invoice",
    model.Invoice,
    (SALES_INVOICES,),
    Loading.BY_ID,
    event_type=ObjectType.INVOICE,
    # An invoice made from a quote or estimate marks it INVOICED.
    also_stale=(CONTACTS, SALES_QUOTES, SALES_ESTIMATES),
    posts=True,
    attachment_context="SALES_INVOICE",
)
BILL = ObjectKind(
    "Bill",
    model.Bill,
    (PURCHASE_INVOICES,),
    Loading.BY_ID,
    event_type=ObjectType.BILL,
    also_stale=(CONTACTS,),
    posts=True,
    attachment_context="PURCHASE_INVOICE",
)
CREDIT_NOTE = ObjectKind(
    "CreditNote",
    model.CreditNote,
    (SALES_CREDIT_NOTES,),
    Loading.BY_ID,
    event_type=ObjectType.CREDIT_NOTE,
    also_stale=(CONTACTS,),
    posts=True,
)
PAYMENT = ObjectKind(
    "Payment",
    model.Payment,
    (CONTACT_PAYMENTS,),
    Loading.BY_ID,
    event_type=ObjectType.PAYMENT,
    also_stale=(
        SALES_INVOICES,
        PURCHASE_INVOICES,
        SALES_CREDIT_NOTES,
        PURCHASE_CREDIT_NOTES,
        CONTACTS,
        BANK_ACCOUNTS,
    ),
    posts=True,
)
ITEM = ObjectKind(
    "Item", model.Item, (PRODUCTS, SERVICES), Loading.BY_ID, event_type=ObjectType.ITEM
)
LEDGER_ACCOUNT = ObjectKind(
    "LedgerAccount", model.LedgerAccount, (LEDGER_ACCOUNTS,), Loading.WHOLE_LIST
)
TAX_RATE = ObjectKind("TaxRate", model.TaxRate, (TAX_RATES,), Loading.WHOLE_LIST)
BANK_ACCOUNT = ObjectKind("BankAccount", model.BankAccount, (BANK_ACCOUNTS,), Loading.WHOLE_LIST)
JOURNAL = ObjectKind(
    "Journal",
    journals.Journal,
    (JOURNALS,),
    Loading.BY_ID,
    event_type=ObjectType.JOURNAL,
    # A journal moves its ledger accounts' balances, a bank account's among them.
    also_stale=(LEDGER_ACCOUNTS, BANK_ACCOUNTS),
    listing=Listing(
        "journals", "journal", "Manual journals: balanced debits and credits to ledger accounts."
    ),
    posts=True,
)
SUPPLIER_CREDIT_NOTE = ObjectKind(
    "SupplierCreditNote",
    purchase_credit_notes.SupplierCreditNote,
    (PURCHASE_CREDIT_NOTES,),
    Loading.BY_ID,
    event_type=ObjectType.SUPPLIER_CREDIT_NOTE,
    also_stale=(CONTACTS,),
    posts=True,
)
# Polled for creations and updates only: Sage's quote and estimate lists take no
# ``deleted_since``, so a poll cannot see one deleted.
QUOTE = ObjectKind(
    "Quote", quotes.Quote, (SALES_QUOTES,), Loading.BY_ID, event_type=ObjectType.QUOTE
)
ESTIMATE = ObjectKind(
    "Estimate",
    quotes.Estimate,
    (SALES_ESTIMATES,),
    Loading.BY_ID,
    event_type=ObjectType.ESTIMATE,
)
# Read as whole lists: a page of contacts asks for its addresses and people in one read of
# each list, whatever the number of contacts. Polled (with deletions).
# A write of either changes its contact's payload (main and delivery address, main person).
CONTACT_ADDRESS = ObjectKind(
    "ContactAddress",
    contact_people.ContactAddress,
    (ADDRESSES,),
    Loading.WHOLE_LIST,
    event_type=ObjectType.CONTACT_ADDRESS,
    also_stale=(CONTACTS, CONTACT_PERSONS),
)
CONTACT_PERSON = ObjectKind(
    "ContactPerson",
    contact_people.ContactPerson,
    (CONTACT_PERSONS,),
    Loading.WHOLE_LIST,
    event_type=ObjectType.CONTACT_PERSON,
    also_stale=(CONTACTS,),
)
# Polled: Sage's list takes updated_or_created_since and deleted_since (no date filter).
# Both sides sit on the contact's control account, so nothing is posted.
CONTACT_ALLOCATION = ObjectKind(
    "ContactAllocation",
    contact_allocations.ContactAllocation,
    (CONTACT_ALLOCATIONS,),
    Loading.BY_ID,
    event_type=ObjectType.CONTACT_ALLOCATION,
    also_stale=(
        SALES_INVOICES,
        PURCHASE_INVOICES,
        SALES_CREDIT_NOTES,
        PURCHASE_CREDIT_NOTES,
        CONTACT_PAYMENTS,
        CONTACTS,
    ),
    listing=Listing(
        "contactAllocations",
        "contactAllocation",
        "Credit notes and payments on account set against invoices and bills.",
    ),
)
# Money that settles no document. Polled: Sage's lists take updated_or_created_since and
# deleted_since; they take from_date/to_date too. Each moves bank (and ledger) balances.
BANK_TRANSFER = ObjectKind(
    "BankTransfer",
    money_movements.BankTransfer,
    (BANK_TRANSFERS,),
    Loading.BY_ID,
    event_type=ObjectType.BANK_TRANSFER,
    also_stale=(LEDGER_ACCOUNTS, BANK_ACCOUNTS),
    listing=Listing(
        "bankTransfers",
        "bankTransfer",
        "Transfers between the business's own bank accounts.",
        sage_filters_dates=True,
    ),
    posts=True,
)
BANK_DEPOSIT = ObjectKind(
    "BankDeposit",
    money_movements.BankDeposit,
    (BANK_DEPOSITS,),
    Loading.BY_ID,
    event_type=ObjectType.BANK_DEPOSIT,
    also_stale=(LEDGER_ACCOUNTS, BANK_ACCOUNTS),
    listing=Listing(
        "bankDeposits",
        "bankDeposit",
        "Cash and cheques paid in from a cash account to a bank account.",
        sage_filters_dates=True,
    ),
    posts=True,
)
OTHER_PAYMENT = ObjectKind(
    "OtherPayment",
    money_movements.OtherPayment,
    (OTHER_PAYMENTS,),
    Loading.BY_ID,
    event_type=ObjectType.OTHER_PAYMENT,
    also_stale=(LEDGER_ACCOUNTS, BANK_ACCOUNTS),
    listing=Listing(
        "otherPayments",
        "otherPayment",
        "Expenses paid and other money received straight to ledger accounts (no invoice).",
        sage_filters_dates=True,
    ),
    posts=True,
)
# Read-only in Sage, and not polled: the list takes no ``deleted_since``. Every kind that
# ``posts`` makes it stale. Its list fields filter by ledger account and transaction, so they
# are written by hand (``ledgergraph.resolvers.ledger``).
LEDGER_ENTRY = ObjectKind(
    "LedgerEntry", ledger_entries.LedgerEntry, (LEDGER_ENTRIES,), Loading.BY_ID
)
# Read-only here; polled for creations and updates only (Sage's list takes no
# ``deleted_since``). Sage filters it by bank account and change time, not by date: a date
# filter reads the list whole.
BANK_RECONCILIATION = ObjectKind(
    "BankReconciliation",
    bank_reconciliations.BankReconciliation,
    (BANK_RECONCILIATIONS,),
    Loading.BY_ID,
    event_type=ObjectType.BANK_RECONCILIATION,
    listing=Listing(
        "bankReconciliations",
        "bankReconciliation",
        "Bank statements reconciled to the books, by statement date (the date filters). "
        "Sage has them in GB, IE and CA (and the legacy US, FR and ES businesses); a German "
        "business has none, so its list is empty.",
    ),
)
# Files on invoices, bills and contacts, read per parent (Sage filters by context). Polled
# (with deletions).
ATTACHMENT = ObjectKind(
    "Attachment",
    attachments.Attachment,
    (ATTACHMENTS,),
    Loading.BY_ID,
    event_type=ObjectType.ATTACHMENT,
)
# Read-only. Returns and GB's drafts are two lists, read only where Sage has them, so the
# root fields are written by hand (``ledgergraph.resolvers.tax_returns``). Polled for
# creations and updates of /tax_returns only: it takes no ``deleted_since``, and GB's
# /draft_tax_returns takes no filter at all.
TAX_RETURN = ObjectKind(
    "TaxReturn",
    tax_returns.TaxReturn,
    (TAX_RETURNS, DRAFT_TAX_RETURNS),
    Loading.BY_ID,
    event_type=ObjectType.TAX_RETURN,
)
# Reference data for forms: read whole, once per request and then from the cache; never
# written, never polled.
_DAY = 86_400.0
CURRENCY = ObjectKind(
    "Currency", reference_data.Currency, (CURRENCIES,), Loading.WHOLE_LIST, cache_ttl=_DAY
)
EXCHANGE_RATE = ObjectKind(
    "ExchangeRate",
    reference_data.ExchangeRate,
    (EXCHANGE_RATES,),
    Loading.WHOLE_LIST,
    # Rates move during the day; an hour-old rate is what a form's default needs.
    cache_ttl=3_600.0,
)
PAYMENT_METHOD = ObjectKind(
    "PaymentMethod",
    reference_data.PaymentMethod,
    (PAYMENT_METHODS,),
    Loading.WHOLE_LIST,
    cache_ttl=_DAY,
)
COUNTRY = ObjectKind(
    "Country", reference_data.Country, (COUNTRIES,), Loading.WHOLE_LIST, cache_ttl=_DAY
)
BUSINESS = ObjectKind("Business", BusinessRef, (), Loading.CONNECTION)

KINDS: tuple[ObjectKind, ...] = (
    CONTACT,
    INVOICE,
    BILL,
    CREDIT_NOTE,
    PAYMENT,
    ITEM,
    LEDGER_ACCOUNT,
    TAX_RATE,
    BANK_ACCOUNT,
    JOURNAL,
    SUPPLIER_CREDIT_NOTE,
    QUOTE,
    ESTIMATE,
    CONTACT_ADDRESS,
    CONTACT_PERSON,
    CONTACT_ALLOCATION,
    BANK_TRANSFER,
    BANK_DEPOSIT,
    OTHER_PAYMENT,
    LEDGER_ENTRY,
    BANK_RECONCILIATION,
    TAX_RETURN,
    CURRENCY,
    EXCHANGE_RATE,
    PAYMENT_METHOD,
    COUNTRY,
    ATTACHMENT,
    BUSINESS,
)
_BY_NAME = {kind.type_name: kind for kind in KINDS}
_BY_EVENT = {kind.event_type: kind for kind in KINDS if kind.event_type is not None}


def cache_ttls() -> dict[str, float]:
    """The default cache lifetime of each Sage resource whose kind sets one."""
    return {
        resource.name: kind.cache_ttl
        for kind in KINDS
        if kind.cache_ttl is not None
        for resource in kind.resources
    }


def kind_named(type_name: str) -> ObjectKind | None:
    """The kind whose GraphQL type (and global-ID prefix) is ``type_name``."""
    return _BY_NAME.get(type_name)


def kind_for_event(object_type: ObjectType | str) -> ObjectKind | None:
    """The kind ``syncEvents`` reports as ``object_type`` (None for CONNECTION)."""
    try:
        return _BY_EVENT.get(ObjectType(object_type))
    except ValueError:
        return None


def without_deletions() -> tuple[ObjectType, ...]:
    """The event types of polled kinds whose deletions polling cannot see."""
    return tuple(
        kind.event_type
        for kind in KINDS
        if kind.event_type is not None and not kind.polls_deletions
    )


def polled_resources(
    event_types: Iterable[ObjectType] | None = None,
) -> list[tuple[Resource, ObjectType]]:
    """Each polled resource with the event type it reports (all, or of ``event_types``):
    the resources of evented kinds whose lists take ``updated_or_created_since``."""
    wanted = None if event_types is None else set(event_types)
    return [
        (resource, kind.event_type)
        for kind in KINDS
        if kind.event_type is not None and (wanted is None or kind.event_type in wanted)
        for resource in kind.resources
        if resource.changed_since
    ]
