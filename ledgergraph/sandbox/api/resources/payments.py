"""``/contact_payments``: receipts, payments and refunds, and what they settle.

Allocations move the artefacts they name: ``outstanding_amount`` drops, ``total_paid``
rises and the status goes UNPAID → PART_PAID → PAID (and back when a payment is changed or
deleted). Money not allocated stays on the contact's account (``payment_on_account``).
A receipt settles sales invoices, a payment purchase invoices, a customer refund sales
credit notes; an allocation must belong to the payment's contact and may not exceed what
is outstanding.
"""

from __future__ import annotations

from decimal import Decimal

from ledgergraph.sandbox.api import query as q
from ledgergraph.sandbox.api.body import Body
from ledgergraph.sandbox.api.refs import (
    bank_account_ref,
    contact_ref,
    currency_ref,
    enum_ref,
    tax_rate_ref,
)
from ledgergraph.sandbox.api.resource import Predicate, Resource, dated_sorts
from ledgergraph.sandbox.api.resources import checks
from ledgergraph.sandbox.api.scope import Scope
from ledgergraph.sandbox.api.wire import JSON, day, instant, links, money, ref
from ledgergraph.sandbox.books import BooksError
from ledgergraph.sandbox.books.money import ZERO, round_money
from ledgergraph.sandbox.books.records import (
    ArtefactKind,
    ArtefactState,
    ContactPayment,
    PaymentAllocationLine,
)

# What each payment type settles, and which kind of contact makes it.
SETTLES: dict[str, tuple[tuple[ArtefactKind, ...], str]] = {
    "CUSTOMER_RECEIPT": ((ArtefactKind.SALES_INVOICE,), "CUSTOMER"),
    "CUSTOMER_REFUND": ((ArtefactKind.SALES_CREDIT_NOTE,), "CUSTOMER"),
    "VENDOR_PAYMENT": ((ArtefactKind.PURCHASE_INVOICE,), "VENDOR"),
    "VENDOR_REFUND": ((ArtefactKind.PURCHASE_CREDIT_NOTE,), "VENDOR"),
}


def displayed_as(scope: Scope, p: ContactPayment) -> str:
    if p.reference:
        return p.reference
    contact = scope.books.contacts.get(p.contact_id)
    return contact.name if contact else ""


def _base(p: ContactPayment, amount: Decimal) -> Decimal:
    return amount if p.exchange_rate == 1 else round_money(amount / p.exchange_rate)


def _on_account(scope: Scope, p: ContactPayment) -> JSON | None:
    amount = p.on_account_amount
    if amount <= 0 or p.on_account_id is None:
        return None
    contact = scope.books.contacts.get(p.contact_id)
    shown = displayed_as(scope, p)
    return {
        "id": p.on_account_id,
        "displayed_as": shown,
        "$path": f"/contact_payments/{p.id}",
        "created_at": instant(p.created_at),
        "updated_at": instant(p.updated_at),
        "contact_name": contact.name if contact else None,
        "contact_reference": contact.reference if contact else None,
        "contact": contact_ref(scope.books, p.contact_id),
        "date": day(p.date),
        "reference": p.reference,
        "net_amount": money(amount),
        "tax_amount": money(ZERO),
        "total_amount": money(amount),
        "outstanding_amount": money(amount),
        "currency": currency_ref(p.currency_id),
        "exchange_rate": money(p.exchange_rate),
        "base_currency_net_amount": money(_base(p, amount)),
        "base_currency_tax_amount": money(ZERO),
        "base_currency_total_amount": money(_base(p, amount)),
        "base_currency_outstanding_amount": money(_base(p, amount)),
        "status": enum_ref("artefact_statuses", "UNPAID"),
    }


def serialise(scope: Scope, p: ContactPayment) -> JSON:
    books = scope.books
    shown = displayed_as(scope, p)
    allocated = []
    for line in p.allocations:
        artefact = books.artefacts(line.artefact_kind)[line.artefact_id]
        collection = line.artefact_kind.collection
        allocated.append(
            {
                "id": line.id,
                "artefact": {
                    **ref(collection, artefact.id, artefact.displayed_as),
                    "links": links(f"invoicing/{collection}/{artefact.id}"),
                },
                "amount": money(line.amount),
                "discount": money(line.discount),
            }
        )
    return {
        **ref("contact_payments", p.id, shown),
        "created_at": instant(p.created_at),
        "updated_at": instant(p.updated_at),
        "links": links(f"payments/{p.id}"),
        "transaction": ref("transactions", p.transaction_id, shown),
        "transaction_type": enum_ref("transaction_types", p.transaction_type_id),
        "payment_method": enum_ref("payment_methods", p.payment_method_id),
        "contact": contact_ref(books, p.contact_id),
        "bank_account": bank_account_ref(books, p.bank_account_id),
        "date": day(p.date),
        "net_amount": money(p.net_amount),
        "tax_amount": money(p.tax_amount),
        "total_amount": money(p.total_amount),
        "currency": currency_ref(p.currency_id),
        "exchange_rate": money(p.exchange_rate),
        "base_currency_net_amount": money(_base(p, p.net_amount)),
        "base_currency_tax_amount": money(_base(p, p.tax_amount)),
        "base_currency_total_amount": money(_base(p, p.total_amount)),
        "base_currency_currency_charge": money(ZERO),
        "reference": p.reference,
        "allocated_artefacts": allocated,
        "tax_rate": tax_rate_ref(books, p.tax_rate_id, p.date),
        "payment_on_account": _on_account(scope, p),
        "editable": True,
    }


def filters(scope: Scope) -> Predicate:
    query = scope.query
    contact_id = q.text(query, "contact_id")
    bank_account_id = q.text(query, "bank_account_id")
    transaction_type_id = q.choice(query, "transaction_type_id", SETTLES)
    from_date = q.day(query, "from_date")
    to_date = q.day(query, "to_date")

    def keep(p: ContactPayment) -> bool:
        return (
            (contact_id is None or p.contact_id == contact_id)
            and (bank_account_id is None or p.bank_account_id == bank_account_id)
            and (transaction_type_id is None or p.transaction_type_id == transaction_type_id)
            and (from_date is None or p.date >= from_date)
            and (to_date is None or p.date <= to_date)
        )

    return keep


def _read_allocations(
    scope: Scope,
    bodies: list[Body],
    transaction_type_id: str | None,
    contact_id: str | None,
    replacing: ContactPayment | None,
) -> list[PaymentAllocationLine]:
    books = scope.books
    kinds = SETTLES[transaction_type_id][0] if transaction_type_id in SETTLES else ()
    lines = []
    for body in bodies:
        artefact_id = body.string("artefact_id", required=True)
        amount = body.decimal("amount", required=True, minimum=ZERO)
        discount = body.decimal("discount", minimum=ZERO) or ZERO
        if not artefact_id or amount is None or transaction_type_id is None:
            continue
        kind = next((k for k in kinds if artefact_id in books.artefacts(k)), None)
        artefact = books.artefacts(kind)[artefact_id] if kind else None
        if kind is None or artefact is None or artefact.deleted:
            body.problem(
                "artefact_id",
                f"Couldn't find an artefact this payment can settle with id '{artefact_id}'",
            )
            continue
        if contact_id is not None and artefact.contact_id != contact_id:
            body.problem("artefact_id", "The artefact belongs to a different contact")
            continue
        if artefact.state is not ArtefactState.POSTED:
            body.problem("artefact_id", f"A {artefact.status_id.lower()} document cannot be paid")
            continue
        already = sum(
            (
                a.amount + a.discount
                for a in artefact.allocations
                if replacing and a.payment_id == replacing.id
            ),
            ZERO,
        )
        if amount + discount > artefact.outstanding_amount + already:
            body.problem(
                "amount",
                f"The amount exceeds the outstanding amount of {artefact.displayed_as} "
                f"({artefact.outstanding_amount + already})",
            )
            continue
        lines.append(
            PaymentAllocationLine(
                id=books.new_id(),
                artefact_kind=kind,
                artefact_id=artefact_id,
                amount=amount,
                discount=discount,
            )
        )
    return lines


def _apply(scope: Scope, payment: ContactPayment, body: Body, *, creating: bool) -> ContactPayment:
    books = scope.books
    transaction_type_id = checks.enum_id(
        body, "transaction_type_id", "transaction_types", required=creating
    )
    if transaction_type_id is not None and transaction_type_id not in SETTLES:
        body.problem(
            "transaction_type_id", f"'{transaction_type_id}' is not a contact payment type"
        )
        transaction_type_id = None
    effective_type = transaction_type_id or (None if creating else payment.transaction_type_id)
    contact_type = SETTLES[effective_type][1] if effective_type else "CUSTOMER"
    contact_id = (
        checks.contact_id(scope, body, "contact_id", contact_type_id=contact_type)
        if creating or body.has("contact_id")
        else payment.contact_id
    )
    bank_id = checks.bank_account_id(scope, body, "bank_account_id", required=creating)
    on = body.day("date", required=creating)
    total = body.decimal("total_amount", required=creating, minimum=ZERO)
    method = checks.enum_id(body, "payment_method_id", "payment_methods")
    tax_amount = body.decimal("tax_amount", minimum=ZERO)
    tax_rate = checks.tax_rate_id(scope, body, "tax_rate_id")
    currency = checks.currency_id(body, "currency_id")
    exchange_rate = body.decimal("exchange_rate")
    reference = body.string("reference")
    allocation_bodies = body.children("allocated_artefacts")
    allocations = (
        _read_allocations(
            scope, allocation_bodies, effective_type, contact_id, None if creating else payment
        )
        if allocation_bodies is not None
        else None
    )
    body.problems.raise_if_any()

    candidate_total = total if total is not None else payment.total_amount
    candidate_allocations = allocations if allocations is not None else payment.allocations
    # Money on account a contact allocation already used is no longer the payment's to give.
    used = sum((a.amount for a in payment.on_account_allocations), ZERO)
    if sum((a.amount for a in candidate_allocations), ZERO) + used > candidate_total:
        raise BooksError(
            "The allocated amounts exceed the payment's total amount", "allocated_artefacts"
        )

    if not creating:
        books.unapply_payment(payment)
    if transaction_type_id is not None:
        payment.transaction_type_id = transaction_type_id
    if contact_id is not None:
        payment.contact_id = contact_id
    if bank_id is not None:
        payment.bank_account_id = bank_id
    if on is not None:
        payment.date = on
    payment.total_amount = candidate_total
    payment.allocations = list(candidate_allocations)
    if method is not None:
        payment.payment_method_id = method
    elif payment.payment_method_id is None:
        payment.payment_method_id = (
            books.bank_accounts[payment.bank_account_id].default_payment_method_id or "ELECTRONIC"
        )
    if tax_amount is not None:
        payment.tax_amount = tax_amount
    if body.has("tax_rate_id"):
        payment.tax_rate_id = tax_rate
    if currency is not None:
        payment.currency_id = currency
    if exchange_rate is not None:
        payment.exchange_rate = exchange_rate
    if reference is not None:
        payment.reference = reference or None
    if payment.on_account_amount > 0 and payment.on_account_id is None:
        payment.on_account_id = books.new_id()
    books.apply_payment(payment)
    return payment


def create(scope: Scope, body: Body) -> ContactPayment:
    books = scope.books
    now = books.now()
    payment = ContactPayment(
        id=books.new_id(),
        created_at=now,
        updated_at=now,
        transaction_type_id="",
        contact_id="",
        bank_account_id="",
        date=scope.today,
        total_amount=ZERO,
        currency_id=books.base_currency_id(),
        transaction_id=books.new_id(),
    )
    _apply(scope, payment, body, creating=True)
    books.contact_payments[payment.id] = payment
    return payment


def update(scope: Scope, payment: ContactPayment, body: Body) -> ContactPayment:
    _apply(scope, payment, body, creating=False)
    scope.books.touch(payment)
    return payment


def delete(scope: Scope, payment: ContactPayment) -> JSON | None:
    if payment.on_account_allocations:
        raise BooksError(
            "Its payment on account has been allocated: delete the allocations first", "base"
        )
    scope.books.unapply_payment(payment)
    payment.allocations = []
    scope.books.soft_delete(payment)
    return None


CONTACT_PAYMENTS: Resource[ContactPayment] = Resource(
    name="contact_payments",
    root="contact_payment",
    store=lambda books: books.contact_payments,
    displayed_as=displayed_as,
    serialise=serialise,
    filters=filters,
    sorts=dated_sorts(),
    deleted_since=True,
    create=create,
    update=update,
    delete=delete,
)
