"""Bank transfers, bank deposits and other payments/receipts, and the inputs that create them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry

from ledgergraph import kinds
from ledgergraph.connectors.sage.mapping.money_movements import MoneyDirection
from ledgergraph.schema.accounting import BankAccount, LedgerAccount, TaxRate
from ledgergraph.schema.contact import Contact
from ledgergraph.schema.node import Node, follows, recognises
from ledgergraph.schema.scalars import Money

strawberry.enum(
    MoneyDirection,
    description="OUT: money paid out of the bank account (Sage's OTHER_PAYMENT); IN: money "
    "received into it (OTHER_RECEIPT).",
)


@strawberry.type(description="Money moved from one of the business's bank accounts to another.")
class BankTransfer(Node):
    date: dt.date | None
    reference: str | None
    description: str | None
    amount: Money
    created_at: dt.datetime | None
    updated_at: dt.datetime | None
    from_bank_account: BankAccount | None = follows(kinds.BANK_ACCOUNT)
    to_bank_account: BankAccount | None = follows(kinds.BANK_ACCOUNT)

    is_type_of = recognises(kinds.BANK_TRANSFER)


@strawberry.type(
    description="Cash and cheques paid in from a cash account (fromBankAccount) to a bank "
    "account (toBankAccount)."
)
class BankDeposit(Node):
    date: dt.date | None
    reference: str | None
    cash_amount: Money
    cheque_amount: Money
    total_amount: Money = strawberry.field(description="Cash plus cheques.")
    created_at: dt.datetime | None
    updated_at: dt.datetime | None
    from_bank_account: BankAccount | None = follows(kinds.BANK_ACCOUNT)
    to_bank_account: BankAccount | None = follows(kinds.BANK_ACCOUNT)

    is_type_of = recognises(kinds.BANK_DEPOSIT)


@strawberry.type(description="A line of an other payment: an amount to one ledger account.")
class OtherPaymentLine:
    remote_id: str | None
    details: str | None
    net_amount: Money
    tax_amount: Money
    total_amount: Money
    ledger_account: LedgerAccount | None = follows(kinds.LEDGER_ACCOUNT)
    tax_rate: TaxRate | None = follows(kinds.TAX_RATE)


@strawberry.type(
    description="An expense paid, or other money received, through a bank account and "
    "straight to ledger accounts, with no invoice or bill (Sage's other payments and other "
    "receipts)."
)
class OtherPayment(Node):
    direction: MoneyDirection
    date: dt.date | None
    reference: str | None
    payment_method: str | None = strawberry.field(
        description="Sage's payment method id (ELECTRONIC, CHECK, CASH, CREDIT_DEBIT, ...)."
    )
    net_amount: Money
    tax_amount: Money
    total_amount: Money
    lines: list[OtherPaymentLine]
    tax_address_region: str | None = strawberry.field(
        description="The province whose sales tax applies (Canada only; null elsewhere)."
    )
    withholding_tax_amount: Money | None = strawberry.field(
        description="IRPF withheld (Spain only; null elsewhere)."
    )
    created_at: dt.datetime | None
    updated_at: dt.datetime | None
    bank_account: BankAccount | None = follows(kinds.BANK_ACCOUNT)
    contact: Contact | None = follows(kinds.CONTACT)

    is_type_of = recognises(kinds.OTHER_PAYMENT)


@strawberry.input(description="A new transfer between two different bank accounts.")
class BankTransferInput:
    from_bank_account_id: strawberry.ID
    to_bank_account_id: strawberry.ID
    date: dt.date
    amount: Decimal = strawberry.field(description="Positive, at most two decimals.")
    reference: str | None = None
    description: str | None = None


@strawberry.input(
    description="A new deposit: cash (and cheques) from a cash account to a bank account."
)
class BankDepositInput:
    from_bank_account_id: strawberry.ID = strawberry.field(description="A cash account.")
    to_bank_account_id: strawberry.ID
    date: dt.date
    reference: str
    cash_amount: Decimal
    cheque_amount: Decimal = Decimal(0)


@strawberry.input(
    description="One line of a new other payment: a total (tax included) to a ledger account, "
    "taxed at taxRateId (none: no tax)."
)
class OtherPaymentLineInput:
    ledger_account_id: strawberry.ID
    total_amount: Decimal
    tax_rate_id: strawberry.ID | None = None
    details: str | None = None


@strawberry.input(
    description="A new other payment (OUT) or receipt (IN): at least one line; the total is the "
    "sum of the lines."
)
class OtherPaymentInput:
    direction: MoneyDirection
    bank_account_id: strawberry.ID
    date: dt.date
    lines: list[OtherPaymentLineInput]
    contact_id: strawberry.ID | None = None
    reference: str | None = strawberry.field(default=None, description="At most 25 characters.")
