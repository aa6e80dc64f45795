"""The double-entry ledger the books imply: every posted transaction's entries.

Sage keeps ledger entries as their own records; the sandbox derives them from what it already
holds, so they can never disagree with the documents, payments and journals they come from.
Each transaction's entries balance:

- a sales invoice debits the sales ledger control with its total and credits each line's
  ledger account with the line's net, the carriage account with the shipping net and the
  sales tax control with the tax (a sales credit note is the mirror image);
- a purchase invoice debits the lines, carriage and the purchase tax control, and credits the
  purchase ledger control (a purchase credit note is the mirror image); where the country
  keeps no recoverable purchase tax account (the US), the tax is part of the line's cost;
- a customer receipt or vendor refund debits the bank account's ledger account and credits
  the contact's control account (payments and refunds out, the other way round);
- a journal posts its lines as they are;
- a bank transfer or deposit debits the receiving bank account's ledger account and credits
  the sending one's;
- an other payment debits each line's account with its net and the purchase tax control with
  its tax, and credits the bank (an other receipt: the mirror image, with sales tax).

Amounts are in the document's currency (the sandbox's seeded books are single-currency);
deleted, draft and void transactions post nothing, and quotes and estimates never post.
Entry ids are derived from the transaction and the entry's position, so they are stable.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from ledgergraph.sandbox.books.money import ZERO
from ledgergraph.sandbox.books.records import (
    Artefact,
    ArtefactKind,
    ArtefactState,
    BankDeposit,
    BankTransfer,
    ContactPayment,
    Journal,
    OtherPayment,
    Record,
)

if TYPE_CHECKING:
    from ledgergraph.sandbox.books.store import Books

# Control accounts by role, the first one a country has wins (CA names its GST/HST accounts).
_SALES_TAX = ("SALES_TAX_CONTROL", "GST_HST_COLLECTED")
_PURCHASE_TAX = ("PURCHASE_TAX_CONTROL", "GST_HST_ITC")
_SALES_LEDGER = ("SALES_LEDGER_CONTROL",)
_PURCHASE_LEDGER = ("PURCHASE_LEDGER_CONTROL",)
_MONEY_IN = ("CUSTOMER_RECEIPT", "VENDOR_REFUND")
_CUSTOMER_SIDE = ("CUSTOMER_RECEIPT", "CUSTOMER_REFUND")
_NAMESPACE = uuid.UUID("5a9e0d1c-6c55-4a0b-9d55-1ed9e4e7a11e")


@dataclass(slots=True, kw_only=True)
class LedgerEntry(Record):
    date: date
    ledger_account_id: str
    debit: Decimal
    credit: Decimal
    transaction_id: str
    transaction_type_id: str
    transaction_displayed_as: str
    # The entry's place in its transaction (Sage lists a transaction's entries in order).
    position: int = 0
    contact_id: str | None = None
    tax_rate_id: str | None = None
    description: str | None = None


class _Control:
    """The business's control accounts by role (None: the country has none for the role)."""

    def __init__(self, books: Books) -> None:
        by_name = {a.control_name: a.id for a in books.ledger_accounts.values() if a.control_name}

        def first(names: tuple[str, ...]) -> str | None:
            return next((by_name[n] for n in names if n in by_name), None)

        self.sales_tax = first(_SALES_TAX)
        self.purchase_tax = first(_PURCHASE_TAX)
        self.sales_ledger = first(_SALES_LEDGER)
        self.purchase_ledger = first(_PURCHASE_LEDGER)
        self.carriage = books.business_settings.default_ledger_account_ids.get(
            "carriage_ledger_account"
        )


class _Posting:
    """Collects one transaction's entries, numbering them for stable ids."""

    def __init__(self, source: Record, transaction_id: str, type_id: str, day: date) -> None:
        self.source = source
        self.transaction_id = transaction_id
        self.type_id = type_id
        self.day = day
        self.entries: list[LedgerEntry] = []

    def post(
        self,
        ledger_account_id: str | None,
        amount: Decimal,
        *,
        debit: bool,
        shown: str,
        contact_id: str | None = None,
        tax_rate_id: str | None = None,
        description: str | None = None,
    ) -> None:
        if ledger_account_id is None or amount == ZERO:
            return
        # A negative amount (a discount line, say) posts to the other side.
        if amount < ZERO:
            amount, debit = -amount, not debit
        self.entries.append(
            LedgerEntry(
                id=uuid.uuid5(_NAMESPACE, f"{self.transaction_id}:{len(self.entries)}").hex,
                created_at=self.source.created_at,
                updated_at=self.source.updated_at,
                date=self.day,
                ledger_account_id=ledger_account_id,
                debit=amount if debit else ZERO,
                credit=ZERO if debit else amount,
                transaction_id=self.transaction_id,
                transaction_type_id=self.type_id,
                transaction_displayed_as=shown,
                position=len(self.entries),
                contact_id=contact_id,
                tax_rate_id=tax_rate_id,
                description=description,
            )
        )


def _artefact(control: _Control, artefact: Artefact) -> list[LedgerEntry]:
    if artefact.transaction_id is None:
        return []
    kind = artefact.kind
    shown = artefact.number or artefact.reference or artefact.date.isoformat()
    posting = _Posting(artefact, artefact.transaction_id, kind.transaction_type_id, artefact.date)
    # Which side the lines go to: credits for sales invoices and purchase credit notes.
    lines_debit = kind in (ArtefactKind.PURCHASE_INVOICE, ArtefactKind.SALES_CREDIT_NOTE)
    tax_account = control.sales_tax if kind.is_sales else control.purchase_tax
    contact_account = control.sales_ledger if kind.is_sales else control.purchase_ledger
    total = ZERO
    for line in artefact.lines:
        posting.post(
            line.ledger_account_id,
            line.net_amount + (ZERO if tax_account else line.tax_amount),
            debit=lines_debit,
            shown=shown,
            contact_id=artefact.contact_id,
            tax_rate_id=line.tax_rate_id,
            description=line.description,
        )
        total += line.net_amount + line.tax_amount
    posting.post(
        control.carriage,
        artefact.shipping_net_amount,
        debit=lines_debit,
        shown=shown,
        contact_id=artefact.contact_id,
        tax_rate_id=artefact.shipping_tax_rate_id,
        description="Carriage",
    )
    tax = sum((line.tax_amount for line in artefact.lines), ZERO) + artefact.shipping_tax_amount
    posting.post(tax_account, tax, debit=lines_debit, shown=shown, contact_id=artefact.contact_id)
    total += artefact.shipping_net_amount + artefact.shipping_tax_amount
    if tax_account is None:
        # No recoverable tax account: the shipping tax is part of the carriage cost.
        posting.post(
            control.carriage,
            artefact.shipping_tax_amount,
            debit=lines_debit,
            shown=shown,
            contact_id=artefact.contact_id,
        )
    posting.post(
        contact_account,
        total,
        debit=not lines_debit,
        shown=shown,
        contact_id=artefact.contact_id,
    )
    return posting.entries


def _payment(books: Books, control: _Control, payment: ContactPayment) -> list[LedgerEntry]:
    type_id = payment.transaction_type_id
    shown = payment.reference or type_id.replace("_", " ").title()
    posting = _Posting(payment, payment.transaction_id, type_id, payment.date)
    bank = books.bank_accounts[payment.bank_account_id].ledger_account_id
    money_in = type_id in _MONEY_IN
    contact_account = control.sales_ledger if type_id in _CUSTOMER_SIDE else control.purchase_ledger
    contact = payment.contact_id
    posting.post(bank, payment.total_amount, debit=money_in, shown=shown, contact_id=contact)
    posting.post(
        contact_account, payment.total_amount, debit=not money_in, shown=shown, contact_id=contact
    )
    return posting.entries


def _journal(journal: Journal) -> list[LedgerEntry]:
    posting = _Posting(journal, journal.transaction_id, "JOURNAL", journal.date)
    for line in journal.lines:
        posting.post(
            line.ledger_account_id,
            line.debit - line.credit,
            debit=True,
            shown=journal.reference,
            description=line.details or journal.description,
        )
    return posting.entries


def _bank_move(books: Books, move: BankTransfer | BankDeposit) -> list[LedgerEntry]:
    if isinstance(move, BankTransfer):
        type_id, amount, shown = "BANK_TRANSFER", move.amount, move.reference or "Bank Transfer"
    else:
        type_id, amount, shown = "DEPOSIT", move.total_amount, move.reference
    posting = _Posting(move, move.transaction_id, type_id, move.date)
    ledger_of = {a.id: a.ledger_account_id for a in books.bank_accounts.values()}
    posting.post(ledger_of[move.to_bank_account_id], amount, debit=True, shown=shown)
    posting.post(ledger_of[move.from_bank_account_id], amount, debit=False, shown=shown)
    return posting.entries


def _other_payment(books: Books, control: _Control, payment: OtherPayment) -> list[LedgerEntry]:
    type_id = payment.transaction_type_id
    shown = payment.reference or type_id.replace("_", " ").title()
    posting = _Posting(payment, payment.transaction_id, type_id, payment.date)
    tax_account = control.sales_tax if payment.money_in else control.purchase_tax
    lines_debit = not payment.money_in
    contact = payment.contact_id
    for line in payment.lines:
        posting.post(
            line.ledger_account_id,
            line.net_amount + (ZERO if tax_account else line.tax_amount),
            debit=lines_debit,
            shown=shown,
            contact_id=contact,
            tax_rate_id=line.tax_rate_id,
            description=line.details,
        )
    posting.post(
        tax_account, payment.tax_amount, debit=lines_debit, shown=shown, contact_id=contact
    )
    bank = books.bank_accounts[payment.bank_account_id].ledger_account_id
    posting.post(
        bank, payment.total_amount, debit=payment.money_in, shown=shown, contact_id=contact
    )
    return posting.entries


def _transactions(books: Books) -> Iterable[list[LedgerEntry]]:
    control = _Control(books)
    for artefact in books.all_artefacts():
        posted = artefact.state is ArtefactState.POSTED
        if posted and not artefact.deleted and not artefact.kind.is_quote:
            yield _artefact(control, artefact)
    for payment in books.contact_payments.values():
        if not payment.deleted:
            yield _payment(books, control, payment)
    for journal in books.journals.values():
        if not journal.deleted:
            yield _journal(journal)
    moves: list[BankTransfer | BankDeposit] = [
        *books.bank_transfers.values(),
        *books.bank_deposits.values(),
    ]
    for move in moves:
        if not move.deleted:
            yield _bank_move(books, move)
    for other in books.other_payments.values():
        if not other.deleted:
            yield _other_payment(books, control, other)


def ledger_entries(books: Books) -> dict[str, LedgerEntry]:
    """Every ledger entry of the books, by id (Sage's list order is by date)."""
    return {entry.id: entry for entries in _transactions(books) for entry in entries}


def movements(
    books: Books, from_date: date | None, to_date: date | None
) -> dict[str, tuple[Decimal, Decimal]]:
    """(debits, credits) per ledger account over the entries dated within the range."""
    totals: dict[str, tuple[Decimal, Decimal]] = {}
    for entry in ledger_entries(books).values():
        if (from_date is not None and entry.date < from_date) or (
            to_date is not None and entry.date > to_date
        ):
            continue
        debits, credits = totals.get(entry.ledger_account_id, (ZERO, ZERO))
        totals[entry.ledger_account_id] = (debits + entry.debit, credits + entry.credit)
    return totals
