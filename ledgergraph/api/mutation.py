"""The root ``Mutation`` type: the schema's types, written by the resolvers' functions. Every
write to Sage takes an idempotency key and happens exactly once."""

from __future__ import annotations

import strawberry

from ledgergraph.resolvers.connection import (
    resolve_create_connect_link,
    resolve_disconnect,
    resolve_select_business,
)
from ledgergraph.resolvers.mapping_overrides import (
    resolve_remove_mapping_override,
    resolve_set_mapping_override,
)
from ledgergraph.resolvers.mutations.allocate_credit import allocate_credit
from ledgergraph.resolvers.mutations.convert_quote_to_invoice import convert_quote_to_invoice
from ledgergraph.resolvers.mutations.create_bank_deposit import create_bank_deposit
from ledgergraph.resolvers.mutations.create_bank_transfer import create_bank_transfer
from ledgergraph.resolvers.mutations.create_contact import create_contact
from ledgergraph.resolvers.mutations.create_contact_address import create_contact_address
from ledgergraph.resolvers.mutations.create_contact_person import create_contact_person
from ledgergraph.resolvers.mutations.create_estimate import create_estimate
from ledgergraph.resolvers.mutations.create_journal import create_journal
from ledgergraph.resolvers.mutations.create_other_payment import create_other_payment
from ledgergraph.resolvers.mutations.create_payment import create_payment
from ledgergraph.resolvers.mutations.create_quote import create_quote
from ledgergraph.resolvers.mutations.create_supplier_credit_note import (
    create_supplier_credit_note,
)
from ledgergraph.resolvers.mutations.documents import (
    create_bill,
    create_credit_note,
    create_invoice,
)
from ledgergraph.resolvers.mutations.update_contact import update_contact
from ledgergraph.resolvers.mutations.update_contact_address import update_contact_address
from ledgergraph.resolvers.mutations.update_contact_person import update_contact_person
from ledgergraph.resolvers.mutations.update_quote_status import update_quote_status
from ledgergraph.resolvers.mutations.upload_attachment import upload_attachment
from ledgergraph.resolvers.mutations.void_invoice import void_invoice
from ledgergraph.schema.attachment import Attachment
from ledgergraph.schema.connection import ConnectLinkType, SageConnection
from ledgergraph.schema.contact import Contact
from ledgergraph.schema.contact_allocation import ContactAllocation
from ledgergraph.schema.contact_people import ContactAddress, ContactPerson
from ledgergraph.schema.documents import Bill, CreditNote, Invoice
from ledgergraph.schema.journal import Journal
from ledgergraph.schema.mapping import MappingOverride
from ledgergraph.schema.money_movements import BankDeposit, BankTransfer, OtherPayment
from ledgergraph.schema.payment import Payment
from ledgergraph.schema.quotes import Estimate, Quotation, Quote
from ledgergraph.schema.supplier_credit_note import SupplierCreditNote


@strawberry.type
class Mutation:
    create_connect_link: ConnectLinkType = strawberry.mutation(
        resolver=resolve_create_connect_link,
        description="A one-time, short-lived link that connects this tenant to Sage from a "
        "browser (writes nothing to Sage, so it takes no idempotency key).",
    )
    select_business: SageConnection = strawberry.mutation(
        resolver=resolve_select_business,
        description="Choose which of the Sage user's businesses the connection uses.",
    )
    disconnect: SageConnection = strawberry.mutation(
        resolver=resolve_disconnect,
        description="Revoke the Sage tokens and forget the connection.",
    )
    set_mapping_override: list[MappingOverride] = strawberry.mutation(
        resolver=resolve_set_mapping_override,
        description="Correct what one tax rate (taxKind) or ledger account (roles) is taken "
        "to be, checked against the business's own; idempotent (writes nothing to Sage, so it "
        "takes no idempotency key). Returns every override.",
    )
    remove_mapping_override: list[MappingOverride] = strawberry.mutation(
        resolver=resolve_remove_mapping_override,
        description="Drop one override (idempotent: dropping an absent one changes nothing). "
        "Returns every override left.",
    )
    create_contact: Contact = strawberry.mutation(
        resolver=create_contact, description="Create a customer and/or supplier."
    )
    update_contact: Contact = strawberry.mutation(
        resolver=update_contact, description="Change a contact's details."
    )
    create_contact_address: ContactAddress = strawberry.mutation(
        resolver=create_contact_address,
        description="Add an address to a contact (a delivery address, or a new main address).",
    )
    update_contact_address: ContactAddress = strawberry.mutation(
        resolver=update_contact_address, description="Change one of a contact's addresses."
    )
    create_contact_person: ContactPerson = strawberry.mutation(
        resolver=create_contact_person,
        description="Add a person at one of a contact's addresses.",
    )
    update_contact_person: ContactPerson = strawberry.mutation(
        resolver=update_contact_person, description="Change a person at a contact."
    )
    create_invoice: Invoice = strawberry.mutation(
        resolver=create_invoice,
        description="Create a sales invoice; Sage computes its totals and number.",
    )
    void_invoice: Invoice = strawberry.mutation(
        resolver=void_invoice, description="Void a sales invoice (it stays, with status VOID)."
    )
    create_bill: Bill = strawberry.mutation(
        resolver=create_bill, description="Record a supplier's invoice."
    )
    create_credit_note: CreditNote = strawberry.mutation(
        resolver=create_credit_note, description="Create a sales credit note."
    )
    create_supplier_credit_note: SupplierCreditNote = strawberry.mutation(
        resolver=create_supplier_credit_note,
        description="Record a purchase credit note (a credit note from a supplier).",
    )
    create_quote: Quote = strawberry.mutation(
        resolver=create_quote,
        description="Create a sales quote (PENDING, or DRAFT with draft: true); its expiry "
        "date must not come before its date.",
    )
    create_estimate: Estimate = strawberry.mutation(
        resolver=create_estimate,
        description="Create a sales estimate, as createQuote creates a quote.",
    )
    update_quote_status: Quotation = strawberry.mutation(
        resolver=update_quote_status,
        description="Set a quote's or estimate's status (DRAFT, PENDING, ACCEPTED or "
        "DECLINED); an invoiced one cannot change.",
    )
    convert_quote_to_invoice: Invoice = strawberry.mutation(
        resolver=convert_quote_to_invoice,
        description="Invoice a quote or estimate: a sales invoice with its customer, lines and "
        "shipping, dated date; the quote becomes INVOICED and links to it. Refused for a quote "
        "already invoiced or declined.",
    )
    create_payment: Payment = strawberry.mutation(
        resolver=create_payment,
        description="Record a receipt, payment or refund, allocated to invoices or bills.",
    )
    allocate_credit: ContactAllocation = strawberry.mutation(
        resolver=allocate_credit,
        description="Set credit notes and payments on account against a contact's invoices "
        "(or a supplier's bills); no money moves. The credits must add up to the documents.",
    )
    create_journal: Journal = strawberry.mutation(
        resolver=create_journal,
        description="Post a manual journal; its debits must equal its credits (checked before "
        "anything is sent to Sage).",
    )
    create_bank_transfer: BankTransfer = strawberry.mutation(
        resolver=create_bank_transfer,
        description="Move money between two of the business's bank accounts.",
    )
    create_bank_deposit: BankDeposit = strawberry.mutation(
        resolver=create_bank_deposit,
        description="Pay cash (and cheques) from a cash account into a bank account.",
    )
    create_other_payment: OtherPayment = strawberry.mutation(
        resolver=create_other_payment,
        description="Record an expense paid (OUT) or other money received (IN) through a bank "
        "account, straight to ledger accounts; each line's total includes its tax.",
    )
    upload_attachment: Attachment = strawberry.mutation(
        resolver=upload_attachment,
        description="Attach a file to an invoice, a bill or a contact in Sage: a GraphQL "
        "multipart request (with a GraphQL-Preflight header) whose file is of a type Sage "
        "accepts and at most LEDGERGRAPH_ATTACHMENT_MAX_BYTES.",
    )
