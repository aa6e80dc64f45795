"""The root ``Query`` type: the schema's types, read by the resolvers' functions.

The fields of a kind with a ``kinds.Listing`` are derived from its row (``_listed``); the
others, whose filters differ kind by kind, are written here.
"""

from __future__ import annotations

from typing import Any, cast

import strawberry
from strawberry.tools import create_type, merge_types
from strawberry.types.base import get_object_definition
from strawberry.types.field import StrawberryField

from ledgergraph import kinds
from ledgergraph.resolvers import ledger as ledger_fields
from ledgergraph.resolvers import queries as q
from ledgergraph.resolvers import quotes as quote_lists
from ledgergraph.resolvers import reference
from ledgergraph.resolvers import tax_returns as tax_return_lists
from ledgergraph.resolvers.businesses import resolve_business, resolve_businesses
from ledgergraph.resolvers.connection import resolve_connection
from ledgergraph.resolvers.mapping_overrides import resolve_mapping_overrides
from ledgergraph.schema import object_types
from ledgergraph.schema.accounting import BankAccount, Item, LedgerAccount, TaxRate
from ledgergraph.schema.business import Business
from ledgergraph.schema.connection import SageConnection
from ledgergraph.schema.contact import Contact
from ledgergraph.schema.documents import Bill, CreditNote, Invoice
from ledgergraph.schema.ledger import BalanceSheet, LedgerEntry, ProfitAndLoss, TrialBalance
from ledgergraph.schema.mapping import MappingOverride
from ledgergraph.schema.node import Node
from ledgergraph.schema.payment import Payment
from ledgergraph.schema.quotes import Estimate, Quote
from ledgergraph.schema.reference import Country, Currency, ExchangeRate, PaymentMethod
from ledgergraph.schema.relay import ListPage
from ledgergraph.schema.supplier_credit_note import SupplierCreditNote
from ledgergraph.schema.tax_return import TaxReturn


@strawberry.type
class _Written:
    connection: SageConnection = strawberry.field(
        resolver=resolve_connection,
        description="The tenant's Sage connection, and what to do when it is not CONNECTED.",
    )
    businesses: list[Business] | None = strawberry.field(
        resolver=resolve_businesses,
        description="Every Sage business the connected Sage user can access (null, with an "
        "error, when Sage cannot list them; other fields are unaffected).",
    )
    mapping_overrides: list[MappingOverride] = strawberry.field(
        resolver=resolve_mapping_overrides,
        description="The tenant's corrections to the country mapping (setMappingOverride).",
    )
    business: Business = strawberry.field(
        resolver=resolve_business, description="One business (default: the selected one)."
    )
    contacts: ListPage[Contact] | None = strawberry.field(
        resolver=q.resolve_contacts, description="Customers and suppliers."
    )
    contact: Contact = strawberry.field(resolver=q.by_id(kinds.CONTACT))
    invoices: ListPage[Invoice] | None = strawberry.field(
        resolver=q.resolve_invoices, description="Sales invoices."
    )
    invoice: Invoice = strawberry.field(resolver=q.by_id(kinds.INVOICE))
    bills: ListPage[Bill] | None = strawberry.field(
        resolver=q.resolve_bills, description="Purchase invoices."
    )
    bill: Bill = strawberry.field(resolver=q.by_id(kinds.BILL))
    credit_notes: ListPage[CreditNote] | None = strawberry.field(
        resolver=q.resolve_credit_notes, description="Sales credit notes."
    )
    credit_note: CreditNote = strawberry.field(resolver=q.by_id(kinds.CREDIT_NOTE))
    supplier_credit_notes: ListPage[SupplierCreditNote] | None = strawberry.field(
        resolver=q.resolve_supplier_credit_notes,
        description="Purchase credit notes (credit notes from suppliers).",
    )
    supplier_credit_note: SupplierCreditNote = strawberry.field(
        resolver=q.by_id(kinds.SUPPLIER_CREDIT_NOTE)
    )
    quotes: ListPage[Quote] | None = strawberry.field(
        resolver=quote_lists.resolve_quotes, description="Sales quotes."
    )
    quote: Quote = strawberry.field(resolver=q.by_id(kinds.QUOTE))
    estimates: ListPage[Estimate] | None = strawberry.field(
        resolver=quote_lists.resolve_estimates, description="Sales estimates."
    )
    estimate: Estimate = strawberry.field(resolver=q.by_id(kinds.ESTIMATE))
    payments: ListPage[Payment] | None = strawberry.field(
        resolver=q.resolve_payments, description="Customer receipts, supplier payments, refunds."
    )
    payment: Payment = strawberry.field(resolver=q.by_id(kinds.PAYMENT))
    ledger_accounts: ListPage[LedgerAccount] | None = strawberry.field(
        resolver=q.resolve_ledger_accounts, description="The chart of accounts."
    )
    tax_rates: ListPage[TaxRate] | None = strawberry.field(
        resolver=q.resolve_tax_rates, description="The business's tax rates."
    )
    items: ListPage[Item] | None = strawberry.field(
        resolver=q.resolve_items, description="Products, stock items and services."
    )
    bank_accounts: ListPage[BankAccount] | None = strawberry.field(resolver=q.resolve_bank_accounts)
    currencies: ListPage[Currency] | None = strawberry.field(
        resolver=reference.whole(kinds.CURRENCY), description="The currencies Sage offers."
    )
    exchange_rates: ListPage[ExchangeRate] | None = strawberry.field(
        resolver=reference.resolve_exchange_rates,
        description="The business's exchange rates from its base currency.",
    )
    payment_methods: ListPage[PaymentMethod] | None = strawberry.field(
        resolver=reference.whole(kinds.PAYMENT_METHOD),
        description="How payments can be made (a payment's or a bank account's method).",
    )
    countries: ListPage[Country] | None = strawberry.field(
        resolver=reference.whole(kinds.COUNTRY), description="The countries Sage offers."
    )
    tax_returns: ListPage[TaxReturn] | None = strawberry.field(
        resolver=tax_return_lists.resolve_tax_returns,
        description="VAT (GB, IE) and GST/HST (CA) returns, drafts included, by the start of "
        "their period. Sage v3.1 has none in US, FR, ES and DE: there the list is empty.",
    )
    tax_return: TaxReturn = strawberry.field(resolver=q.by_id(kinds.TAX_RETURN))
    ledger_entries: ListPage[LedgerEntry] | None = strawberry.field(
        resolver=ledger_fields.resolve_ledger_entries,
        description="The double-entry postings of every transaction, by date (Sage's "
        "/ledger_entries): filter by period, ledger account, transaction or its type.",
    )
    ledger_entry: LedgerEntry = strawberry.field(resolver=q.by_id(kinds.LEDGER_ENTRY))
    trial_balance: TrialBalance = strawberry.field(
        resolver=ledger_fields.resolve_trial_balance,
        description="Debits and credits per ledger account over a period (derived: Sage v3.1 "
        "has no trial-balance endpoint; see TrialBalance).",
    )
    profit_and_loss: ProfitAndLoss = strawberry.field(
        resolver=ledger_fields.resolve_profit_and_loss,
        description="Income, direct expenses, overheads and net profit over a period (derived: "
        "Sage v3.1 has no profit-and-loss endpoint; see ProfitAndLoss).",
    )
    balance_sheet: BalanceSheet = strawberry.field(
        resolver=ledger_fields.resolve_balance_sheet,
        description="Assets, liabilities and equity (with the profit to date) at a date "
        "(derived: Sage v3.1 has no balance-sheet endpoint; see BalanceSheet).",
    )
    node: Node | None = strawberry.field(
        resolver=q.resolve_node,
        description="Any object by its global ID; null when it does not exist (any more) or "
        "is not visible to this tenant. Many node fields (aliases) in one query are read "
        "in one batch.",
    )
    nodes: list[Node | None] = strawberry.field(
        resolver=q.resolve_nodes,
        description="Objects by their global IDs (Relay), in the order asked, read in one "
        "batch: null where node(id:) would be null; a malformed ID is null with a "
        "BAD_USER_INPUT error at its index.",
    )


def _named(field: StrawberryField, python_name: str) -> StrawberryField:
    field.python_name = python_name
    return field


def _with_listed(written: type) -> type:
    """``written`` and the root fields of every kind with a ``Listing``: its list and its
    one-by-ID field."""
    types = {get_object_definition(t, strict=True).name: t for t in object_types()}
    fields: list[StrawberryField] = []
    for kind in kinds.KINDS:
        if kind.listing is None:
            continue
        node: Any = types[kind.type_name]
        page = cast(Any, ListPage)[node]
        fields += [
            _named(
                strawberry.field(
                    resolver=q.listed(kind),
                    graphql_type=page | None,
                    description=kind.listing.description,
                ),
                kind.listing.many,
            ),
            _named(strawberry.field(resolver=q.by_id(kind), graphql_type=node), kind.listing.one),
        ]
    if not fields:
        return strawberry.type(type("Query", (written,), {}))
    return merge_types("Query", (written, create_type("Listed", fields)))


Query = _with_listed(_Written)
