"""``/bank_transfers``, ``/bank_deposits`` and ``/other_payments``: money that is not a
contact payment.

All three lists take ``from_date``/``to_date``, ``updated_or_created_since`` and
``deleted_since``; ``/other_payments`` also ``bank_account_id``, ``contact_id`` and
``transaction_type_id`` (``OTHER_PAYMENT`` or ``OTHER_RECEIPT``). A transfer needs both bank
accounts (different ones), a date and a positive amount; a deposit moves ``cash_amount`` plus
``cheque_amount`` from a cash account to another account and needs a reference; an other
payment needs a transaction type, a date, a bank account, ``total_amount`` and lines whose
totals add up to it (each line a ledger account visible in other payments, or other receipts,
and a total; net and tax are worked out from the tax rate when not sent). Each moves its
bank accounts' balances.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ledgergraph.sandbox.api import query as q
from ledgergraph.sandbox.api.body import Body
from ledgergraph.sandbox.api.refs import (
    bank_account_ref,
    contact_ref,
    enum_ref,
    ledger_account_ref,
    tax_rate_ref,
)
from ledgergraph.sandbox.api.resource import Predicate, Resource, dated_sorts
from ledgergraph.sandbox.api.resources import checks
from ledgergraph.sandbox.api.scope import Scope
from ledgergraph.sandbox.api.wire import JSON, day, instant, money, ref
from ledgergraph.sandbox.books import BooksError
from ledgergraph.sandbox.books.money import ZERO, round_money
from ledgergraph.sandbox.books.records import (
    BankDeposit,
    BankTransfer,
    OtherPayment,
    OtherPaymentLine,
    Record,
)

OTHER_TYPES = {"OTHER_PAYMENT": "other_payments", "OTHER_RECEIPT": "other_receipts"}
_CENT = Decimal("0.01")


def _dated(scope: Scope) -> Callable[[Any], bool]:
    from_date = q.day(scope.query, "from_date")
    to_date = q.day(scope.query, "to_date")

    def keep(record: Any) -> bool:
        return (from_date is None or record.date >= from_date) and (
            to_date is None or record.date <= to_date
        )

    return keep


def _head(scope: Scope, collection: str, record: Record, shown: str, type_id: str) -> JSON:
    transaction_id = getattr(record, "transaction_id", "") or record.id
    return {
        **ref(collection, record.id, shown),
        "created_at": instant(record.created_at),
        "updated_at": instant(record.updated_at),
        "transaction": ref("transactions", transaction_id, shown),
        "transaction_type": enum_ref("transaction_types", type_id),
        "deleted_at": instant(record.deleted_at),
    }


def _positive(body: Body, name: str, *, required: bool) -> Decimal | None:
    value = body.decimal(name, required=required, minimum=ZERO)
    if value is not None and value != value.quantize(_CENT):
        body.problem(name, "must have at most 2 decimal places")
        return None
    return value


def _two_accounts(scope: Scope, body: Body) -> tuple[str | None, str | None]:
    source = checks.bank_account_id(scope, body, "from_bank_account_id", required=True)
    target = checks.bank_account_id(scope, body, "to_bank_account_id", required=True)
    if source is not None and source == target:
        body.problem("to_bank_account_id", "must be different from the from bank account")
        return source, None
    return source, target


def _delete(scope: Scope, record: Record) -> JSON | None:
    scope.books.soft_delete(record)
    return None


# -- bank transfers --------------------------------------------------------------------------


def transfer_shown(_: Scope, t: BankTransfer) -> str:
    return t.reference or "Bank Transfer"


def serialise_transfer(scope: Scope, t: BankTransfer) -> JSON:
    books = scope.books
    return {
        **_head(scope, "bank_transfers", t, transfer_shown(scope, t), "BANK_TRANSFER"),
        "from_bank_account": bank_account_ref(books, t.from_bank_account_id),
        "to_bank_account": bank_account_ref(books, t.to_bank_account_id),
        "date": day(t.date),
        "reference": t.reference,
        "amount": money(t.amount),
        "description": t.description,
    }


def _write_transfer(scope: Scope, body: Body, transfer: BankTransfer | None) -> BankTransfer:
    creating = transfer is None
    source, target = (
        _two_accounts(scope, body) if creating or body.has("from_bank_account_id") else (None, None)
    )
    on = body.day("date", required=creating)
    amount = _positive(body, "amount", required=creating)
    reference = body.string("reference", max_length=255)
    description = body.string("description", max_length=255)
    if amount is not None and amount <= 0:
        body.problem("amount", "must be greater than 0")
    body.problems.raise_if_any()
    books = scope.books
    if transfer is None:
        if source is None or target is None or on is None or amount is None:
            raise BooksError("This field is required", "base")
        now = books.now()
        transfer = BankTransfer(
            id=books.new_id(),
            created_at=now,
            updated_at=now,
            from_bank_account_id=source,
            to_bank_account_id=target,
            date=on,
            amount=amount,
            transaction_id=books.new_id(),
        )
        books.bank_transfers[transfer.id] = transfer
    else:
        if source is not None and target is not None:
            transfer.from_bank_account_id, transfer.to_bank_account_id = source, target
        transfer.date = on or transfer.date
        transfer.amount = amount or transfer.amount
        books.touch(transfer)
    if reference is not None:
        transfer.reference = reference or None
    if description is not None:
        transfer.description = description or None
    return transfer


BANK_TRANSFERS: Resource[BankTransfer] = Resource(
    name="bank_transfers",
    root="bank_transfer",
    store=lambda books: books.bank_transfers,
    displayed_as=transfer_shown,
    serialise=serialise_transfer,
    filters=_dated,
    sorts=dated_sorts(),
    deleted_since=True,
    create=lambda scope, body: _write_transfer(scope, body, None),
    update=lambda scope, transfer, body: _write_transfer(scope, body, transfer),
    delete=_delete,
)


# -- bank deposits ---------------------------------------------------------------------------


def deposit_shown(_: Scope, d: BankDeposit) -> str:
    return d.reference


def serialise_deposit(scope: Scope, d: BankDeposit) -> JSON:
    books = scope.books
    return {
        **_head(scope, "bank_deposits", d, d.reference, "DEPOSIT"),
        "from_bank_account": bank_account_ref(books, d.from_bank_account_id),
        "to_bank_account": bank_account_ref(books, d.to_bank_account_id),
        "date": day(d.date),
        "reference": d.reference,
        "cash_amount": money(d.cash_amount),
        "cheque_amount": money(d.cheque_amount),
        "total_amount": money(d.total_amount),
    }


def create_deposit(scope: Scope, body: Body) -> BankDeposit:
    books = scope.books
    source, target = _two_accounts(scope, body)
    on = body.day("date", required=True)
    reference = body.string("reference", required=True, max_length=255)
    cash = _positive(body, "cash_amount", required=True)
    cheque = _positive(body, "cheque_amount", required=False) or ZERO
    total = _positive(body, "total_amount", required=False)
    if source is not None and books.bank_accounts[source].bank_account_type_id != "CASH_IN_HAND":
        body.problem("from_bank_account_id", "must be a cash in hand account")
    if cash is not None and total is not None and total != cash + cheque:
        body.problem("total_amount", "must equal the cash amount plus the cheque amount")
    if cash is not None and cash + cheque <= 0:
        body.problem("cash_amount", "The deposit total must be greater than 0")
    body.problems.raise_if_any()
    if source is None or target is None or on is None or not reference or cash is None:
        raise BooksError("This field is required", "base")
    now = books.now()
    deposit = BankDeposit(
        id=books.new_id(),
        created_at=now,
        updated_at=now,
        from_bank_account_id=source,
        to_bank_account_id=target,
        date=on,
        reference=reference,
        cash_amount=cash,
        cheque_amount=cheque,
        transaction_id=books.new_id(),
    )
    books.bank_deposits[deposit.id] = deposit
    return deposit


BANK_DEPOSITS: Resource[BankDeposit] = Resource(
    name="bank_deposits",
    root="bank_deposit",
    store=lambda books: books.bank_deposits,
    displayed_as=deposit_shown,
    serialise=serialise_deposit,
    filters=_dated,
    sorts=dated_sorts(),
    deleted_since=True,
    create=create_deposit,
    delete=_delete,
)


# -- other payments and receipts -------------------------------------------------------------


def other_shown(scope: Scope, o: OtherPayment) -> str:
    if o.reference:
        return o.reference
    contact = scope.books.contacts.get(o.contact_id or "")
    return contact.name if contact else ""


def _other_line(scope: Scope, o: OtherPayment, line: OtherPaymentLine) -> JSON:
    account = scope.books.ledger_accounts[line.ledger_account_id]
    return {
        "id": line.id,
        "displayed_as": line.details or account.name,
        "ledger_account": ledger_account_ref(scope.books, line.ledger_account_id),
        "details": line.details,
        "tax_rate": tax_rate_ref(scope.books, line.tax_rate_id, o.date),
        "net_amount": money(line.net_amount),
        "tax_amount": money(line.tax_amount),
        "total_amount": money(line.total_amount),
        "tax_breakdown": [],
        "is_purchase_for_resale": False,
        "trade_of_asset": False,
        "tax_recoverable": account.tax_recoverable,
    }


def serialise_other(scope: Scope, o: OtherPayment) -> JSON:
    books = scope.books
    canada = books.country.code == "CA"
    return {
        **_head(scope, "other_payments", o, other_shown(scope, o), o.transaction_type_id),
        "payment_method": enum_ref("payment_methods", o.payment_method_id),
        "contact": contact_ref(books, o.contact_id),
        "bank_account": bank_account_ref(books, o.bank_account_id),
        "tax_address_region": (
            enum_ref("address_regions", o.tax_address_region_id) if canada else None
        ),
        "date": day(o.date),
        "net_amount": money(o.net_amount),
        "tax_amount": money(o.tax_amount),
        "total_amount": money(o.total_amount),
        "reference": o.reference,
        "payment_lines": [_other_line(scope, o, line) for line in o.lines],
        "editable": True,
        "deletable": True,
    }


def _read_other_line(
    scope: Scope, body: Body, area: str | None, on: Any
) -> OtherPaymentLine | None:
    ledger_id = checks.ledger_account_id(
        scope, body, "ledger_account_id", required=True, visible_in=area
    )
    rate_id = checks.tax_rate_id(scope, body, "tax_rate_id")
    total = body.decimal("total_amount", required=True)
    net = body.decimal("net_amount")
    tax = body.decimal("tax_amount")
    details = body.string("details", max_length=255)
    if ledger_id is None or total is None:
        return None
    if net is None and tax is None:
        # Only a total: the rate's tax is inside it, as Sage's web app works it out.
        pct = scope.books.tax_percentage(rate_id, on) if rate_id and on else ZERO
        net = round_money(total * 100 / (100 + pct))
        tax = total - net
    elif net is None:
        net = total - (tax or ZERO)
    elif tax is None:
        tax = total - net
    if net + (tax or ZERO) != total:
        body.problem("total_amount", "must equal the net amount plus the tax amount")
        return None
    return OtherPaymentLine(
        id=scope.books.new_id(),
        ledger_account_id=ledger_id,
        net_amount=net,
        tax_amount=tax or ZERO,
        tax_rate_id=rate_id,
        details=details or None,
    )


def create_other(scope: Scope, body: Body) -> OtherPayment:
    books = scope.books
    type_id = checks.enum_id(body, "transaction_type_id", "transaction_types", required=True)
    if type_id is not None and type_id not in OTHER_TYPES:
        body.problem("transaction_type_id", "must be OTHER_PAYMENT or OTHER_RECEIPT")
        type_id = None
    on = body.day("date", required=True)
    bank_id = checks.bank_account_id(scope, body, "bank_account_id", required=True)
    total = body.decimal("total_amount", required=True)
    contact_id = body.string("contact_id")
    if contact_id and (contact_id not in books.contacts or books.contacts[contact_id].deleted):
        body.problem("contact_id", f"Couldn't find contact with id '{contact_id}'")
    method = checks.enum_id(body, "payment_method_id", "payment_methods")
    region = body.string("tax_address_region_id")
    reference = body.string("reference", max_length=25)
    area = OTHER_TYPES.get(type_id or "")
    line_bodies = body.children("payment_lines", required=True) or []
    lines = [_read_other_line(scope, line, area, on) for line in line_bodies]
    body.problems.raise_if_any()
    if type_id is None or on is None or bank_id is None or total is None:
        raise BooksError("This field is required", "base")
    if not line_bodies:
        raise BooksError("An other payment needs at least one payment line", "payment_lines")
    read = [line for line in lines if line is not None]
    lines_total = sum((line.total_amount for line in read), ZERO)
    if lines_total != total:
        raise BooksError(
            f"The total amount ({money(total)}) must equal the sum of the payment lines "
            f"({money(lines_total)})",
            "total_amount",
        )
    now = books.now()
    payment = OtherPayment(
        id=books.new_id(),
        created_at=now,
        updated_at=now,
        transaction_type_id=type_id,
        bank_account_id=bank_id,
        date=on,
        lines=read,
        contact_id=contact_id or None,
        payment_method_id=method or books.bank_accounts[bank_id].default_payment_method_id,
        reference=reference or None,
        tax_address_region_id=region or None,
        transaction_id=books.new_id(),
    )
    books.other_payments[payment.id] = payment
    return payment


def other_filters(scope: Scope) -> Predicate:
    query = scope.query
    dated = _dated(scope)
    contact_id = q.text(query, "contact_id")
    bank_account_id = q.text(query, "bank_account_id")
    type_id = q.choice(query, "transaction_type_id", OTHER_TYPES)

    def keep(o: OtherPayment) -> bool:
        return (
            dated(o)
            and (contact_id is None or o.contact_id == contact_id)
            and (bank_account_id is None or o.bank_account_id == bank_account_id)
            and (type_id is None or o.transaction_type_id == type_id)
        )

    return keep


OTHER_PAYMENTS: Resource[OtherPayment] = Resource(
    name="other_payments",
    root="other_payment",
    store=lambda books: books.other_payments,
    displayed_as=other_shown,
    serialise=serialise_other,
    filters=other_filters,
    sorts=dated_sorts(),
    deleted_since=True,
    create=create_other,
    delete=_delete,
)
