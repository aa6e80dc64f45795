"""Sage bank transfers, bank deposits and other payments/receipts → ``BankTransfer``,
``BankDeposit`` and ``OtherPayment``: money that moves without settling a document.

Sage keeps all three in the business's base currency (none carries a currency of its own).
What differs by country: Canada adds the tax address region (``taxAddressRegion``) and
input-tax-credit totals, Spain the IRPF withholding (``withholdingTaxAmount``); Sage leaves
them null elsewhere, and so does the unified object.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from ledgergraph.connectors.sage.mapping.errors import PayloadError
from ledgergraph.connectors.sage.mapping.values import (
    Payload,
    date,
    decimal,
    decimal_or_zero,
    objects,
    ref,
    ref_id,
    required_id,
    text,
    timestamp,
)
from ledgergraph.model import Money, Record, Ref

__all__ = [
    "BankDeposit",
    "BankTransfer",
    "MoneyDirection",
    "OtherPayment",
    "OtherPaymentLine",
    "bank_deposit",
    "bank_transfer",
    "other_payment",
]


class MoneyDirection(StrEnum):
    """Whether an other payment takes money out of the bank or brings it in."""

    OUT = "OUT"
    IN = "IN"


# Sage's transaction types of /other_payments.
_DIRECTIONS = {"OTHER_PAYMENT": MoneyDirection.OUT, "OTHER_RECEIPT": MoneyDirection.IN}


def _base_currency(currency: str | None, what: str) -> str:
    if currency is None:
        raise PayloadError(f"{what}: the business's base currency is unknown")
    return currency


@dataclass(frozen=True, slots=True)
class BankTransfer(Record):
    """Money moved from one of the business's bank accounts to another."""

    date: dt.date | None
    reference: str | None
    description: str | None
    amount: Money
    from_bank_account: Ref | None
    to_bank_account: Ref | None
    created_at: dt.datetime | None
    updated_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class BankDeposit(Record):
    """Cash and cheques paid in from a cash account to a bank account."""

    date: dt.date | None
    reference: str | None
    cash_amount: Money
    cheque_amount: Money
    total_amount: Money
    from_bank_account: Ref | None
    to_bank_account: Ref | None
    created_at: dt.datetime | None
    updated_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class OtherPaymentLine:
    business_id: str
    remote_id: str | None
    details: str | None
    ledger_account: Ref | None
    tax_rate: Ref | None
    net_amount: Money
    tax_amount: Money
    total_amount: Money


@dataclass(frozen=True, slots=True)
class OtherPayment(Record):
    """An expense paid, or other money received, straight to ledger accounts."""

    direction: MoneyDirection
    date: dt.date | None
    reference: str | None
    bank_account: Ref | None
    contact: Ref | None
    payment_method: str | None
    net_amount: Money
    tax_amount: Money
    total_amount: Money
    lines: tuple[OtherPaymentLine, ...]
    tax_address_region: str | None
    withholding_tax_amount: Money | None
    created_at: dt.datetime | None
    updated_at: dt.datetime | None


def bank_transfer(data: Payload, business_id: str, *, currency: str | None) -> BankTransfer:
    base = _base_currency(currency, "bank transfer")
    return BankTransfer(
        business_id=business_id,
        remote_id=required_id(data, "bank transfer"),
        remote_data=dict(data),
        date=date(data, "date"),
        reference=text(data, "reference"),
        description=text(data, "description"),
        amount=Money(decimal_or_zero(data, "amount"), base),
        from_bank_account=ref(data, "from_bank_account"),
        to_bank_account=ref(data, "to_bank_account"),
        created_at=timestamp(data, "created_at"),
        updated_at=timestamp(data, "updated_at"),
    )


def bank_deposit(data: Payload, business_id: str, *, currency: str | None) -> BankDeposit:
    base = _base_currency(currency, "bank deposit")
    return BankDeposit(
        business_id=business_id,
        remote_id=required_id(data, "bank deposit"),
        remote_data=dict(data),
        date=date(data, "date"),
        reference=text(data, "reference"),
        cash_amount=Money(decimal_or_zero(data, "cash_amount"), base),
        cheque_amount=Money(decimal_or_zero(data, "cheque_amount"), base),
        total_amount=Money(decimal_or_zero(data, "total_amount"), base),
        from_bank_account=ref(data, "from_bank_account"),
        to_bank_account=ref(data, "to_bank_account"),
        created_at=timestamp(data, "created_at"),
        updated_at=timestamp(data, "updated_at"),
    )


def _line(data: Payload, business_id: str, currency: str) -> OtherPaymentLine:
    return OtherPaymentLine(
        business_id=business_id,
        remote_id=text(data, "id"),
        details=text(data, "details"),
        ledger_account=ref(data, "ledger_account"),
        tax_rate=ref(data, "tax_rate"),
        net_amount=Money(decimal_or_zero(data, "net_amount"), currency),
        tax_amount=Money(decimal_or_zero(data, "tax_amount"), currency),
        total_amount=Money(decimal_or_zero(data, "total_amount"), currency),
    )


def other_payment(data: Payload, business_id: str, *, currency: str | None) -> OtherPayment:
    base = _base_currency(currency, "other payment")
    type_id = ref_id(data, "transaction_type")
    direction = _DIRECTIONS.get(type_id or "")
    if direction is None:
        raise PayloadError(f"other payment: unknown transaction type {type_id!r}")
    withholding = decimal(data, "withholding_tax_amount")
    return OtherPayment(
        business_id=business_id,
        remote_id=required_id(data, "other payment"),
        remote_data=dict(data),
        direction=direction,
        date=date(data, "date"),
        reference=text(data, "reference"),
        bank_account=ref(data, "bank_account"),
        contact=ref(data, "contact"),
        payment_method=ref_id(data, "payment_method"),
        net_amount=Money(decimal_or_zero(data, "net_amount"), base),
        tax_amount=Money(decimal_or_zero(data, "tax_amount"), base),
        total_amount=Money(decimal_or_zero(data, "total_amount"), base),
        lines=tuple(_line(line, business_id, base) for line in objects(data, "payment_lines")),
        tax_address_region=ref_id(data, "tax_address_region"),
        withholding_tax_amount=Money(withholding, base) if withholding else None,
        created_at=timestamp(data, "created_at"),
        updated_at=timestamp(data, "updated_at"),
    )
