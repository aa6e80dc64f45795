"""One business's books: every record it holds and the rules that keep them consistent."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from ledgergraph.sandbox.books.arithmetic import line_amounts, tax_on
from ledgergraph.sandbox.books.attachments import Attachment
from ledgergraph.sandbox.books.countries import CountryProfile
from ledgergraph.sandbox.books.idempotency import IdempotencyMemory
from ledgergraph.sandbox.books.money import ZERO
from ledgergraph.sandbox.books.records import (
    Allocation,
    Artefact,
    ArtefactKind,
    ArtefactState,
    BankAccount,
    BankDeposit,
    BankReconciliation,
    BankTransfer,
    BusinessSettings,
    CatalogItem,
    Contact,
    ContactAllocation,
    ContactPayment,
    FinancialSettings,
    Journal,
    LedgerAccount,
    OtherPayment,
    Record,
    TaxRate,
    TaxReturn,
)

Clock = Callable[[], datetime]


class BooksError(Exception):
    """A change the books refuse; ``source`` names the field, as Sage's ``$source`` does."""

    def __init__(self, message: str, source: str = "base") -> None:
        super().__init__(message)
        self.message = message
        self.source = source


@dataclass(slots=True)
class NamedType:
    """A per-business type with a GUID id (product sales price types, service rate types)."""

    id: str
    name: str


@dataclass(slots=True, eq=False)
class Books:
    business_id: str
    country: CountryProfile
    clock: Clock
    financial_settings: FinancialSettings
    business_settings: BusinessSettings
    idempotency: IdempotencyMemory
    tax_rates: dict[str, TaxRate] = field(default_factory=dict)
    ledger_accounts: dict[str, LedgerAccount] = field(default_factory=dict)
    contacts: dict[str, Contact] = field(default_factory=dict)
    products: dict[str, CatalogItem] = field(default_factory=dict)
    services: dict[str, CatalogItem] = field(default_factory=dict)
    bank_accounts: dict[str, BankAccount] = field(default_factory=dict)
    sales_invoices: dict[str, Artefact] = field(default_factory=dict)
    purchase_invoices: dict[str, Artefact] = field(default_factory=dict)
    sales_credit_notes: dict[str, Artefact] = field(default_factory=dict)
    purchase_credit_notes: dict[str, Artefact] = field(default_factory=dict)
    sales_quotes: dict[str, Artefact] = field(default_factory=dict)
    sales_estimates: dict[str, Artefact] = field(default_factory=dict)
    contact_payments: dict[str, ContactPayment] = field(default_factory=dict)
    contact_allocations: dict[str, ContactAllocation] = field(default_factory=dict)
    journals: dict[str, Journal] = field(default_factory=dict)
    bank_transfers: dict[str, BankTransfer] = field(default_factory=dict)
    bank_deposits: dict[str, BankDeposit] = field(default_factory=dict)
    other_payments: dict[str, OtherPayment] = field(default_factory=dict)
    attachments: dict[str, Attachment] = field(default_factory=dict)
    bank_reconciliations: dict[str, BankReconciliation] = field(default_factory=dict)
    tax_returns: dict[str, TaxReturn] = field(default_factory=dict)
    # GB's returns not yet submitted (Making Tax Digital drafts, ``/draft_tax_returns``).
    draft_tax_returns: dict[str, TaxReturn] = field(default_factory=dict)
    price_types: list[NamedType] = field(default_factory=list)
    rate_types: list[NamedType] = field(default_factory=list)
    next_numbers: dict[ArtefactKind, int] = field(default_factory=dict)

    # -- time and identity -------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock()

    @staticmethod
    def new_id() -> str:
        return uuid.uuid4().hex

    def touch(self, record: Record) -> None:
        record.updated_at = self.now()

    def soft_delete(self, record: Record) -> None:
        record.deleted_at = record.updated_at = self.now()

    # -- lookups -----------------------------------------------------------------------

    def artefacts(self, kind: ArtefactKind) -> dict[str, Artefact]:
        stores = {
            ArtefactKind.SALES_INVOICE: self.sales_invoices,
            ArtefactKind.PURCHASE_INVOICE: self.purchase_invoices,
            ArtefactKind.SALES_CREDIT_NOTE: self.sales_credit_notes,
            ArtefactKind.PURCHASE_CREDIT_NOTE: self.purchase_credit_notes,
            ArtefactKind.SALES_QUOTE: self.sales_quotes,
            ArtefactKind.SALES_ESTIMATE: self.sales_estimates,
        }
        return stores[kind]

    def all_artefacts(self) -> Iterator[Artefact]:
        for kind in ArtefactKind:
            yield from self.artefacts(kind).values()

    def ledger_account_by_code(self, code: int) -> LedgerAccount:
        for account in self.ledger_accounts.values():
            if account.nominal_code == code:
                return account
        raise KeyError(code)

    def base_currency_id(self) -> str:
        return self.financial_settings.base_currency_id

    # -- tax ---------------------------------------------------------------------------

    def tax_components(self, tax_rate_id: str | None, day: date) -> list[tuple[str, Decimal]]:
        """(rate id, percentage) of each component the rate charges on ``day``."""
        if tax_rate_id is None:
            return []
        rate = self.tax_rates[tax_rate_id]
        if not rate.is_combined:
            return [(rate.id, rate.own_percentage_on(day))]
        return [(cid, self.tax_rates[cid].own_percentage_on(day)) for cid in rate.component_ids]

    def tax_percentage(self, tax_rate_id: str, day: date) -> Decimal:
        return sum((pct for _, pct in self.tax_components(tax_rate_id, day)), ZERO)

    # -- artefacts ---------------------------------------------------------------------

    def recalculate(self, artefact: Artefact) -> None:
        """Work out every line and the document totals the way Sage does."""
        net = tax = ZERO
        for line in artefact.lines:
            amounts = line_amounts(
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount=line.discount_amount,
                components=self.tax_components(line.tax_rate_id, artefact.date),
                includes_tax=line.unit_price_includes_tax,
                tax_override=line.tax_amount_override,
            )
            line.net_amount, line.tax_amount, line.total_amount = (
                amounts.net,
                amounts.tax,
                amounts.total,
            )
            line.breakdown = amounts.breakdown
            net += amounts.net
            tax += amounts.tax
        # Sage recomputes shipping tax from the rate whatever the client sent.
        artefact.shipping_tax_amount = tax_on(
            artefact.shipping_net_amount,
            self.tax_components(artefact.shipping_tax_rate_id, artefact.date),
        )
        artefact.net_amount = net + artefact.shipping_net_amount
        artefact.tax_amount = tax + artefact.shipping_tax_amount
        artefact.total_amount = artefact.net_amount + artefact.tax_amount

    def next_number(self, kind: ArtefactKind) -> str:
        number = self.next_numbers.get(kind, 1)
        self.next_numbers[kind] = number + 1
        return f"{kind.number_prefix}{number}"

    def number_in_use(self, kind: ArtefactKind, number: str) -> bool:
        return any(a.number == number for a in self.artefacts(kind).values())

    # -- payments ----------------------------------------------------------------------

    def apply_payment(self, payment: ContactPayment) -> None:
        """Put the payment's allocations on the artefacts they settle."""
        for line in payment.allocations:
            artefact = self.artefacts(line.artefact_kind)[line.artefact_id]
            artefact.allocations.append(
                Allocation(
                    id=line.id,
                    payment_id=payment.id,
                    date=payment.date,
                    amount=line.amount,
                    discount=line.discount,
                )
            )
            self.touch(artefact)

    def unapply_payment(self, payment: ContactPayment) -> None:
        for line in payment.allocations:
            artefact = self.artefacts(line.artefact_kind)[line.artefact_id]
            artefact.allocations = [a for a in artefact.allocations if a.payment_id != payment.id]
            self.touch(artefact)

    # -- derived balances ----------------------------------------------------------------

    def bank_balance(self, bank_account_id: str) -> Decimal:
        account = self.bank_accounts[bank_account_id]
        balance = account.opening_balance
        for payment in self.contact_payments.values():
            if payment.bank_account_id == bank_account_id and not payment.deleted:
                balance += payment.total_amount if payment.money_in else -payment.total_amount
        return balance + self.money_movements(bank_account_id)

    def money_movements(self, bank_account_id: str) -> Decimal:
        """What transfers, deposits and other payments/receipts did to one bank account."""
        moved = ZERO
        for t in self.bank_transfers.values():
            if not t.deleted:
                moved += (t.amount if t.to_bank_account_id == bank_account_id else ZERO) - (
                    t.amount if t.from_bank_account_id == bank_account_id else ZERO
                )
        for d in self.bank_deposits.values():
            if not d.deleted:
                moved += (d.total_amount if d.to_bank_account_id == bank_account_id else ZERO) - (
                    d.total_amount if d.from_bank_account_id == bank_account_id else ZERO
                )
        for o in self.other_payments.values():
            if not o.deleted and o.bank_account_id == bank_account_id:
                moved += o.total_amount if o.money_in else -o.total_amount
        return moved

    def contact_balances(self) -> dict[str, Decimal]:
        """Every contact's balance in one pass (for listing many contacts)."""
        balances: dict[str, Decimal] = {}
        for artefact in self.all_artefacts():
            # A quote or an estimate is owed by nobody.
            if not artefact.deleted and not artefact.kind.is_quote:
                sign = -1 if artefact.kind.is_credit_note else 1
                balances[artefact.contact_id] = (
                    balances.get(artefact.contact_id, ZERO) + sign * artefact.outstanding_amount
                )
        for payment in self.contact_payments.values():
            if not payment.deleted:
                balances[payment.contact_id] = (
                    balances.get(payment.contact_id, ZERO) - payment.on_account_amount
                )
        return balances

    def ledger_movements(
        self, from_date: date | None, to_date: date | None
    ) -> dict[str, tuple[Decimal, Decimal]]:
        """(debits, credits) per ledger account: the double-entry ledger (``books.ledger``)
        summed over the range."""
        # Imported here: the ledger module reads Books.
        from ledgergraph.sandbox.books import ledger

        return ledger.movements(self, from_date, to_date)

    # -- what a record is used by ----------------------------------------------------------

    def contacts_in_use(self) -> set[str]:
        used = {a.contact_id for a in self.all_artefacts() if not a.deleted}
        return used | {p.contact_id for p in self.contact_payments.values() if not p.deleted}

    def catalog_items_in_use(self) -> set[str]:
        return {
            item_id
            for artefact in self.all_artefacts()
            if not artefact.deleted
            for line in artefact.lines
            for item_id in (line.product_id, line.service_id)
            if item_id is not None
        }

    def bank_accounts_in_use(self) -> set[str]:
        used = {p.bank_account_id for p in self.contact_payments.values() if not p.deleted}
        moves: list[BankTransfer | BankDeposit] = [
            *self.bank_transfers.values(),
            *self.bank_deposits.values(),
        ]
        for move in moves:
            if not move.deleted:
                used |= {move.from_bank_account_id, move.to_bank_account_id}
        return used | {o.bank_account_id for o in self.other_payments.values() if not o.deleted}

    def tax_rate_in_use(self, tax_rate_id: str) -> bool:
        in_combined = any(
            tax_rate_id in r.component_ids for r in self.tax_rates.values() if not r.deleted
        )
        on_lines = any(
            line.tax_rate_id == tax_rate_id
            for artefact in self.all_artefacts()
            if not artefact.deleted
            for line in artefact.lines
        )
        return in_combined or on_lines

    def void(self, artefact: Artefact, reason: str | None) -> None:
        if artefact.allocations:
            raise BooksError(
                "You cannot void an artefact that has payments or allocations against it.",
                "base",
            )
        artefact.state = ArtefactState.VOID
        artefact.void_reason = reason
        self.touch(artefact)
