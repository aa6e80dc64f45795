"""``/bank_accounts``.

A new bank account gets its own ledger account (type BANK, or LINE_OF_CREDIT for credit
cards and loans) under the next free code in the country's bank range, unless the body
names a ``nominal_code`` or an existing unattached bank ledger account. ``balance`` is the
opening balance moved by the contact payments through the account.
"""

from __future__ import annotations

from ledgergraph.sandbox.api import query as q
from ledgergraph.sandbox.api.body import Body
from ledgergraph.sandbox.api.refs import (
    address_payload,
    bank_account_displayed_as,
    currency_ref,
    enum_ref,
    ledger_account_ref,
)
from ledgergraph.sandbox.api.resource import Predicate, Resource
from ledgergraph.sandbox.api.resources import checks
from ledgergraph.sandbox.api.resources.addresses import read_address
from ledgergraph.sandbox.api.scope import Scope
from ledgergraph.sandbox.api.wire import JSON, instant, money, ref
from ledgergraph.sandbox.books import BooksError
from ledgergraph.sandbox.books.records import BankAccount, BankDetails, ContactPerson, LedgerAccount
from ledgergraph.sandbox.books.reference import account_types

_LIABILITY_TYPES = ("CREDIT_CARD", "LOAN")


def serialise(scope: Scope, account: BankAccount) -> JSON:
    books = scope.books
    ledger = books.ledger_accounts[account.ledger_account_id]
    person = account.main_contact_person
    shown = bank_account_displayed_as(books, account)
    return {
        **ref("bank_accounts", account.id, shown),
        "created_at": instant(account.created_at),
        "updated_at": instant(account.updated_at),
        "bank_account_details": {
            "account_name": account.details.account_name,
            "account_number": account.details.account_number,
            "sort_code": account.details.sort_code,
            "bic": account.details.bic,
            "iban": account.details.iban,
        },
        "ledger_account": ledger_account_ref(books, account.ledger_account_id),
        "bank_account_type": enum_ref("bank_account_types", account.bank_account_type_id),
        "balance": money(books.bank_balance(account.id)),
        "main_address": address_payload(account.main_address),
        "main_contact_person": (
            {
                "name": person.name,
                "job_title": person.job_title,
                "telephone": person.telephone,
                "mobile": person.mobile,
                "email": person.email,
                "fax": person.fax,
            }
            if person is not None
            else None
        ),
        # Sage's own example leaves this empty; the code is on the ledger account.
        "nominal_code": None,
        "editable": True,
        "deletable": account.id not in scope.once("banks_in_use", books.bank_accounts_in_use),
        "journal_code": None,
        "default_payment_method": enum_ref("payment_methods", account.default_payment_method_id),
        "gifi_code": ledger.gifi_code,
        "is_active": account.is_active,
        "currency": currency_ref(account.currency_id),
    }


def filters(scope: Scope) -> Predicate:
    only_active = q.flag(scope.query, "filter_inactive_bank_accounts")
    q.flag(scope.query, "exclude_stripe")

    def keep(account: BankAccount) -> bool:
        return not (only_active and not account.is_active)

    return keep


def _attached(scope: Scope, ledger_id: str) -> bool:
    return any(
        a.ledger_account_id == ledger_id and not a.deleted
        for a in scope.books.bank_accounts.values()
    )


def _new_ledger(scope: Scope, name: str, type_id: str, code: int | None) -> LedgerAccount:
    books = scope.books
    low, high = scope.country.bank_range
    taken = {a.nominal_code for a in books.ledger_accounts.values()}
    if code is None:
        code = next((c for c in range(low, high + 1) if c not in taken), None)
        if code is None:
            raise BooksError(
                "There is no free nominal code left for a bank account", "nominal_code"
            )
    elif code in taken:
        raise BooksError("This nominal code is already in use", "nominal_code")
    ledger_type = "LINE_OF_CREDIT" if type_id in _LIABILITY_TYPES else "BANK"
    now = books.now()
    ledger = LedgerAccount(
        id=books.new_id(),
        created_at=now,
        updated_at=now,
        nominal_code=code,
        name=name,
        display_name=name,
        type_id=ledger_type,
        visible_in=account_types()[ledger_type].visible_in,
        fixed_tax_rate=True,
    )
    books.ledger_accounts[ledger.id] = ledger
    return ledger


def _apply(scope: Scope, account: BankAccount, body: Body, *, creating: bool) -> None:
    type_id = checks.enum_id(body, "bank_account_type_id", "bank_account_types", required=creating)
    details = body.child("bank_account_details")
    if creating and details is None:
        body.problem("bank_account_details.account_name", "This field is required")
    detail_values = (
        {
            "account_name": details.string("account_name", required=creating),
            **{f: details.string(f) for f in ("account_number", "sort_code", "bic", "iban")},
        }
        if details is not None
        else {}
    )
    ledger_id = checks.ledger_account_id(scope, body, "ledger_account_id") if creating else None
    if ledger_id is not None:
        if scope.books.ledger_accounts[ledger_id].type_id not in ("BANK", "LINE_OF_CREDIT"):
            body.problem("ledger_account_id", "The ledger account is not a bank ledger account")
        elif _attached(scope, ledger_id):
            body.problem(
                "ledger_account_id", "The ledger account already belongs to a bank account"
            )
    code = body.integer("nominal_code") if creating else None
    method = checks.enum_id(body, "default_payment_method_id", "payment_methods")
    currency = checks.currency_id(body, "currency_id")
    active = body.boolean("is_active")
    body.integer("gifi_code")
    address_body = body.child("main_address")
    person_body = body.child("main_contact_person")
    person_values = (
        {
            f: person_body.string(f)
            for f in ("name", "job_title", "telephone", "mobile", "email", "fax")
        }
        if person_body is not None
        else None
    )
    address = read_address(scope, address_body, account.main_address, default_type="ACCOUNTS")
    body.problems.raise_if_any()

    if type_id is not None:
        account.bank_account_type_id = type_id
    for field, value in detail_values.items():
        if value is not None:
            setattr(account.details, field, value or None)
    if creating:
        name = account.details.account_name or "Bank Account"
        account.ledger_account_id = (
            ledger_id or _new_ledger(scope, name, account.bank_account_type_id, code).id
        )
    if method is not None:
        account.default_payment_method_id = method
    if body.has("currency_id"):
        account.currency_id = currency
    if active is not None:
        account.is_active = active
    account.main_address = address
    if person_values is not None:
        now = scope.books.now()
        person = account.main_contact_person or ContactPerson(
            id=scope.books.new_id(), created_at=now, updated_at=now
        )
        for field, value in person_values.items():
            if value is not None:
                setattr(person, field, value)
        account.main_contact_person = person


def create(scope: Scope, body: Body) -> BankAccount:
    books = scope.books
    now = books.now()
    account = BankAccount(
        id=books.new_id(),
        created_at=now,
        updated_at=now,
        bank_account_type_id="",
        ledger_account_id="",
        details=BankDetails(),
        default_payment_method_id="ELECTRONIC",
    )
    _apply(scope, account, body, creating=True)
    books.bank_accounts[account.id] = account
    return account


def update(scope: Scope, account: BankAccount, body: Body) -> BankAccount:
    _apply(scope, account, body, creating=False)
    scope.books.touch(account)
    return account


def delete(scope: Scope, account: BankAccount) -> JSON | None:
    if account.id in scope.books.bank_accounts_in_use():
        raise BooksError("This bank account has transactions and cannot be deleted", "base")
    scope.books.soft_delete(account)
    return None


BANK_ACCOUNTS: Resource[BankAccount] = Resource(
    name="bank_accounts",
    root="bank_account",
    store=lambda books: books.bank_accounts,
    displayed_as=lambda scope, account: bank_account_displayed_as(scope.books, account),
    serialise=serialise,
    filters=filters,
    deleted_since=True,
    create=create,
    update=update,
    delete=delete,
)
