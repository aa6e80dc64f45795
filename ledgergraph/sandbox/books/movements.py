"""Seeding of bank transfers, bank deposits and other payments/receipts.

Each kind draws from its own ``Random(f"{business id}:{kind}")`` rather than the seeder's
stream, so adding them (or anything seeded later) leaves every other record as it was.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from random import Random

from ledgergraph.sandbox.books.money import ZERO, round_money
from ledgergraph.sandbox.books.records import (
    BankDeposit,
    BankTransfer,
    OtherPayment,
    OtherPaymentLine,
)
from ledgergraph.sandbox.books.store import Books

TRANSFERS = 12
DEPOSITS = 8
OTHER_PAYMENTS = 40
_HISTORY_DAYS = 360
_EXPENSES = ("Stationery", "Fuel", "Parking", "Broadband", "Cleaning", "Postage", "Coffee")
_RECEIPTS = ("Interest", "Grant", "Insurance refund", "Sundry income")


class _Stream:
    def __init__(self, business_id: str, kind: str, epoch: datetime) -> None:
        self.rng = Random(f"{business_id}:{kind}")
        self.epoch = epoch

    def new_id(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def day(self) -> date:
        return self.epoch.date() - timedelta(days=self.rng.randrange(1, _HISTORY_DAYS))

    def instant(self, on: date) -> datetime:
        moment = datetime.combine(on, time(8), tzinfo=UTC) + timedelta(
            seconds=self.rng.randrange(10 * 3600)
        )
        return min(moment, self.epoch - timedelta(seconds=60))

    def amount(self, low: int, high: int) -> Decimal:
        return Decimal(self.rng.randrange(low * 100, high * 100 + 1)) / 100


def _count(base: int, scale: float) -> int:
    return max(3, round(base * scale))


def _bank(books: Books, type_id: str) -> str | None:
    return next(
        (a.id for a in books.bank_accounts.values() if a.bank_account_type_id == type_id), None
    )


def seed_money_movements(books: Books, business_id: str, scale: float, epoch: datetime) -> None:
    checking = _bank(books, "CHECKING")
    cash = _bank(books, "CASH_IN_HAND")
    savings = _bank(books, "SAVINGS") or cash
    if checking is None or cash is None or savings is None:
        return
    _seed_transfers(books, _Stream(business_id, "bank_transfers", epoch), scale, checking, savings)
    _seed_deposits(books, _Stream(business_id, "bank_deposits", epoch), scale, cash, checking)
    _seed_other_payments(books, _Stream(business_id, "other_payments", epoch), scale, checking)


def _seed_transfers(books: Books, s: _Stream, scale: float, checking: str, savings: str) -> None:
    for n in range(_count(TRANSFERS, scale)):
        on = s.day()
        created = s.instant(on)
        outward = s.rng.random() < 0.7
        transfer = BankTransfer(
            id=s.new_id(),
            created_at=created,
            updated_at=created,
            from_bank_account_id=checking if outward else savings,
            to_bank_account_id=savings if outward else checking,
            date=on,
            amount=Decimal(s.rng.choice(("250", "500", "1000", "2500"))),
            reference=f"TRF{n + 1:03d}",
            description="Monthly saving" if outward else "Top-up",
            transaction_id=s.new_id(),
        )
        books.bank_transfers[transfer.id] = transfer


def _seed_deposits(books: Books, s: _Stream, scale: float, cash: str, checking: str) -> None:
    for n in range(_count(DEPOSITS, scale)):
        on = s.day()
        created = s.instant(on)
        deposit = BankDeposit(
            id=s.new_id(),
            created_at=created,
            updated_at=created,
            from_bank_account_id=cash,
            to_bank_account_id=checking,
            date=on,
            reference=f"DEP{n + 1:03d}",
            cash_amount=s.amount(20, 400),
            cheque_amount=s.amount(0, 300) if s.rng.random() < 0.5 else ZERO,
            transaction_id=s.new_id(),
        )
        books.bank_deposits[deposit.id] = deposit


def _seed_other_payments(books: Books, s: _Stream, scale: float, checking: str) -> None:
    accounts = sorted(books.ledger_accounts.values(), key=lambda a: a.nominal_code)
    spend = [a for a in accounts if "other_payments" in a.visible_in and not a.deleted]
    income = [a for a in accounts if "other_receipts" in a.visible_in and not a.deleted]
    suppliers = sorted(
        (c for c in books.contacts.values() if c.is_a("VENDOR") and not c.system),
        key=lambda c: c.created_at,
    )
    if not spend or not income:
        return
    for _ in range(_count(OTHER_PAYMENTS, scale)):
        on = s.day()
        created = s.instant(on)
        receipt = s.rng.random() < 0.2
        chosen = income if receipt else spend
        lines = []
        for _ in range(s.rng.choice((1, 1, 1, 2))):
            account = s.rng.choice(chosen)
            net = s.amount(5, 300)
            pct = books.tax_percentage(account.tax_rate_id, on) if account.tax_rate_id else ZERO
            lines.append(
                OtherPaymentLine(
                    id=s.new_id(),
                    ledger_account_id=account.id,
                    net_amount=net,
                    tax_amount=round_money(net * pct / 100),
                    tax_rate_id=account.tax_rate_id,
                    details=s.rng.choice(_RECEIPTS if receipt else _EXPENSES),
                )
            )
        contact = s.rng.choice(suppliers) if suppliers and s.rng.random() < 0.5 else None
        payment = OtherPayment(
            id=s.new_id(),
            created_at=created,
            updated_at=created,
            transaction_type_id="OTHER_RECEIPT" if receipt else "OTHER_PAYMENT",
            bank_account_id=checking,
            date=on,
            lines=lines,
            contact_id=None if receipt or contact is None else contact.id,
            payment_method_id=s.rng.choice(("ELECTRONIC", "CREDIT_DEBIT", "CHECK")),
            reference=None if s.rng.random() < 0.3 else f"OP{s.rng.randrange(1000, 9999)}",
            transaction_id=s.new_id(),
        )
        books.other_payments[payment.id] = payment
