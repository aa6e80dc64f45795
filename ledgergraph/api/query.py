"""The root ``Query`` type: the schema's types, read by the resolvers' functions."""

from __future__ import annotations

import strawberry

from ledgergraph import kinds
from ledgergraph.resolvers import queries as q
from ledgergraph.resolvers.businesses import resolve_business, resolve_businesses
from ledgergraph.resolvers.connection import resolve_connection
from ledgergraph.schema.accounting import BankAccount, Item, LedgerAccount, TaxRate
from ledgergraph.schema.business import Business
from ledgergraph.schema.connection import SageConnection
from ledgergraph.schema.contact import Contact
from ledgergraph.schema.documents import Bill, CreditNote, Invoice
from ledgergraph.schema.node import Node
from ledgergraph.schema.payment import Payment
from ledgergraph.schema.relay import ListPage


@strawberry.type
class Query:
    connection: SageConnection = strawberry.field(
        resolver=resolve_connection,
        description="The tenant's Sage connection, and what to do when it is not CONNECTED.",
    )
    businesses: list[Business] = strawberry.field(
        resolver=resolve_businesses,
        description="Every Sage business the connected Sage user can access.",
    )
    business: Business = strawberry.field(
        resolver=resolve_business, description="One business (default: the selected one)."
    )
    contacts: ListPage[Contact] = strawberry.field(
        resolver=q.resolve_contacts, description="Customers and suppliers."
    )
    contact: Contact = strawberry.field(resolver=q.by_id(kinds.CONTACT))
    invoices: ListPage[Invoice] = strawberry.field(
        resolver=q.resolve_invoices, description="Sales invoices."
    )
    invoice: Invoice = strawberry.field(resolver=q.by_id(kinds.INVOICE))
    bills: ListPage[Bill] = strawberry.field(
        resolver=q.resolve_bills, description="Purchase invoices."
    )
    bill: Bill = strawberry.field(resolver=q.by_id(kinds.BILL))
    credit_notes: ListPage[CreditNote] = strawberry.field(
        resolver=q.resolve_credit_notes, description="Sales credit notes."
    )
    credit_note: CreditNote = strawberry.field(resolver=q.by_id(kinds.CREDIT_NOTE))
    payments: ListPage[Payment] = strawberry.field(
        resolver=q.resolve_payments, description="Customer receipts, supplier payments, refunds."
    )
    payment: Payment = strawberry.field(resolver=q.by_id(kinds.PAYMENT))
    ledger_accounts: ListPage[LedgerAccount] = strawberry.field(
        resolver=q.resolve_ledger_accounts, description="The chart of accounts."
    )
    tax_rates: ListPage[TaxRate] = strawberry.field(
        resolver=q.resolve_tax_rates, description="The business's tax rates."
    )
    items: ListPage[Item] = strawberry.field(
        resolver=q.resolve_items, description="Products, stock items and services."
    )
    bank_accounts: ListPage[BankAccount] = strawberry.field(resolver=q.resolve_bank_accounts)
    node: Node | None = strawberry.field(
        resolver=q.resolve_node,
        description="Any object by its global ID; null when it does not exist (any more) or "
        "is not visible to this tenant.",
    )
