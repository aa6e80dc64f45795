"""``/contact_allocations``: credit notes and money on account set against a contact's
invoices (``CUSTOMER_ALLOCATION``) or bills (``VENDOR_ALLOCATION``).

Each ``allocated_artefacts`` entry names an artefact and a signed ``amount``, as Sage's
"Account Allocation" screen does: what is settled (a sales invoice; a purchase invoice) is
positive, what settles it (a sales or purchase credit note, the ``payment_on_account`` of a
receipt or a supplier payment) negative, and the amounts must balance ("Left to Allocate"
0.00). The sign convention is inferred from Sage's web app; the spec only says "amount".

Both sides move like payments: ``outstanding_amount`` drops, ``total_paid`` rises and the
status goes to PART_PAID or PAID; the money on account shrinks. No money moves and both sides
sit on the same control account, so nothing is posted to the ledger and the contact's balance
stays the same. DELETE undoes it (204). The list takes ``contact_id``, ``transaction_type_id``,
``updated_or_created_since``, ``deleted_since`` and ``sort``.
"""

from __future__ import annotations

from decimal import Decimal

from ledgergraph.sandbox.api import query as q
from ledgergraph.sandbox.api.body import Body
from ledgergraph.sandbox.api.refs import contact_ref, enum_ref
from ledgergraph.sandbox.api.resource import Predicate, Resource, dated_sorts
from ledgergraph.sandbox.api.resources import checks
from ledgergraph.sandbox.api.scope import Scope
from ledgergraph.sandbox.api.wire import JSON, day, instant, links, money, ref
from ledgergraph.sandbox.books import Books, BooksError
from ledgergraph.sandbox.books.money import ZERO
from ledgergraph.sandbox.books.records import (
    Allocation,
    ArtefactKind,
    ArtefactState,
    ContactAllocation,
    ContactAllocationLine,
    ContactPayment,
)
from ledgergraph.sandbox.books.reference import enumeration

# Per allocation type: its contact type, what it settles (+) and what settles it (-), and
# the payment types whose money on account it may use.
_SIDES: dict[str, tuple[str, ArtefactKind, ArtefactKind, str]] = {
    "CUSTOMER_ALLOCATION": (
        "CUSTOMER",
        ArtefactKind.SALES_INVOICE,
        ArtefactKind.SALES_CREDIT_NOTE,
        "CUSTOMER_RECEIPT",
    ),
    "VENDOR_ALLOCATION": (
        "VENDOR",
        ArtefactKind.PURCHASE_INVOICE,
        ArtefactKind.PURCHASE_CREDIT_NOTE,
        "VENDOR_PAYMENT",
    ),
}


def _on_account_payment(books: Books, on_account_id: str) -> ContactPayment | None:
    return next(
        (
            p
            for p in books.contact_payments.values()
            if p.on_account_id == on_account_id and not p.deleted
        ),
        None,
    )


def _artefact_ref(books: Books, line: ContactAllocationLine) -> JSON:
    if line.artefact_kind is None:
        payment = books.contact_payments[line.artefact_id]
        return {
            "id": payment.on_account_id,
            "displayed_as": payment.reference or "Payment on Account",
            "$path": f"/contact_payments/{payment.id}",
        }
    artefact = books.artefacts(line.artefact_kind)[line.artefact_id]
    collection = line.artefact_kind.collection
    return {
        **ref(collection, artefact.id, artefact.displayed_as),
        "links": links(f"invoicing/{collection}/{artefact.id}"),
    }


def displayed_as(scope: Scope, allocation: ContactAllocation) -> str:
    item = enumeration("transaction_types").get(allocation.transaction_type_id)
    return item.displayed_as if item else allocation.transaction_type_id


def serialise(scope: Scope, allocation: ContactAllocation) -> JSON:
    books = scope.books
    shown = displayed_as(scope, allocation)
    return {
        **ref("contact_allocations", allocation.id, shown),
        "created_at": instant(allocation.created_at),
        "updated_at": instant(allocation.updated_at),
        "links": links(f"contacts/allocations/{allocation.id}"),
        "transaction": ref("transactions", allocation.transaction_id, shown),
        "transaction_type": enum_ref("transaction_types", allocation.transaction_type_id),
        "deleted_at": instant(allocation.deleted_at),
        "date": day(allocation.date),
        "contact": contact_ref(books, allocation.contact_id),
        "allocated_artefacts": [
            {"id": line.id, "artefact": _artefact_ref(books, line), "amount": money(line.amount)}
            for line in allocation.lines
        ],
    }


def payments_allocation(scope: Scope, entry: Allocation) -> list[JSON]:
    """An artefact's ``payments_allocations`` entry for the contact allocation that made
    ``entry`` (none when ``entry`` came from elsewhere)."""
    allocation = scope.books.contact_allocations.get(entry.payment_id)
    if allocation is None:
        return []
    shown = displayed_as(scope, allocation)
    return [
        {
            "links": links(f"contacts/allocations/{allocation.id}"),
            "date": day(entry.date),
            "type": shown,
            "reference": None,
            "amount": money(entry.amount),
            "discount": money(entry.discount),
            "contact_allocation": ref("contact_allocations", allocation.id, shown),
            "displayed_as": shown,
            "negative_payment": False,
        }
    ]


def filters(scope: Scope) -> Predicate:
    contact_id = q.text(scope.query, "contact_id")
    type_id = q.choice(scope.query, "transaction_type_id", _SIDES)

    def keep(allocation: ContactAllocation) -> bool:
        return (contact_id is None or allocation.contact_id == contact_id) and (
            type_id is None or allocation.transaction_type_id == type_id
        )

    return keep


def _line(
    scope: Scope, body: Body, type_id: str, contact_id: str, taken: dict[str, Decimal]
) -> ContactAllocationLine | None:
    """One ``allocated_artefacts`` entry, checked against what it names; ``taken``: what
    earlier entries of this allocation already use of each artefact."""
    books = scope.books
    _, settled, settling, on_account_type = _SIDES[type_id]
    artefact_id = body.string("artefact_id", required=True)
    amount = body.decimal("amount", required=True)
    if not artefact_id or amount is None:
        return None
    if amount == ZERO:
        body.problem("amount", "The allocated amount must not be zero")
        return None
    kind = next((k for k in (settled, settling) if artefact_id in books.artefacts(k)), None)
    payment = None if kind else _on_account_payment(books, artefact_id)
    if kind is not None:
        artefact = books.artefacts(kind)[artefact_id]
        owner, outstanding, state = artefact.contact_id, artefact.outstanding_amount, artefact.state
        deleted, debit = artefact.deleted, kind is settled
    elif payment is not None and payment.transaction_type_id == on_account_type:
        owner, outstanding, state = payment.contact_id, payment.on_account_amount, None
        deleted, debit = False, False
    else:
        body.problem(
            "artefact_id", f"Couldn't find an artefact to allocate with id '{artefact_id}'"
        )
        return None
    if deleted or state not in (None, ArtefactState.POSTED):
        body.problem("artefact_id", "A void, draft or deleted document cannot be allocated")
        return None
    if owner != contact_id:
        body.problem("artefact_id", "The artefact belongs to a different contact")
        return None
    if (amount > 0) != debit:
        sign = "positive" if debit else "negative"
        body.problem("amount", f"The amount allocated to this artefact must be {sign}")
        return None
    used = taken.get(artefact_id, ZERO) + abs(amount)
    if used > outstanding:
        body.problem("amount", f"The amount exceeds what is outstanding ({outstanding})")
        return None
    taken[artefact_id] = used
    return ContactAllocationLine(
        id=books.new_id(),
        artefact_kind=kind,
        artefact_id=payment.id if payment is not None else artefact_id,
        amount=amount,
    )


def _apply(books: Books, allocation: ContactAllocation) -> None:
    for line in allocation.lines:
        entry = Allocation(
            id=line.id,
            payment_id=allocation.id,
            date=allocation.date,
            amount=abs(line.amount),
            discount=ZERO,
        )
        if line.artefact_kind is None:
            payment = books.contact_payments[line.artefact_id]
            payment.on_account_allocations.append(entry)
            books.touch(payment)
        else:
            artefact = books.artefacts(line.artefact_kind)[line.artefact_id]
            artefact.allocations.append(entry)
            books.touch(artefact)


def _unapply(books: Books, allocation: ContactAllocation) -> None:
    for line in allocation.lines:
        if line.artefact_kind is None:
            payment = books.contact_payments[line.artefact_id]
            payment.on_account_allocations = [
                a for a in payment.on_account_allocations if a.payment_id != allocation.id
            ]
            books.touch(payment)
        else:
            artefact = books.artefacts(line.artefact_kind)[line.artefact_id]
            artefact.allocations = [
                a for a in artefact.allocations if a.payment_id != allocation.id
            ]
            books.touch(artefact)


def create(scope: Scope, body: Body) -> ContactAllocation:
    books = scope.books
    type_id = checks.enum_id(body, "transaction_type_id", "transaction_types", required=True)
    if type_id is not None and type_id not in _SIDES:
        body.problem("transaction_type_id", f"'{type_id}' is not a contact allocation type")
        type_id = None
    contact_type = _SIDES[type_id][0] if type_id else "CUSTOMER"
    contact_id = checks.contact_id(scope, body, "contact_id", contact_type_id=contact_type)
    on = body.day("date") or scope.today
    entries = body.children("allocated_artefacts", required=True) or []
    taken: dict[str, Decimal] = {}
    lines = [
        _line(scope, entry, type_id, contact_id, taken)
        for entry in entries
        if type_id is not None and contact_id is not None
    ]
    body.problems.raise_if_any()
    assert type_id is not None
    assert contact_id is not None
    found = [line for line in lines if line is not None]
    if len(found) < 2:
        raise BooksError(
            "An allocation sets at least one credit against at least one invoice",
            "allocated_artefacts",
        )
    if sum((line.amount for line in found), ZERO) != ZERO:
        raise BooksError(
            "The allocated amounts must balance: credits must equal what they settle",
            "allocated_artefacts",
        )
    now = books.now()
    allocation = ContactAllocation(
        id=books.new_id(),
        created_at=now,
        updated_at=now,
        transaction_type_id=type_id,
        contact_id=contact_id,
        date=on,
        lines=found,
        transaction_id=books.new_id(),
    )
    _apply(books, allocation)
    books.contact_allocations[allocation.id] = allocation
    return allocation


def delete(scope: Scope, allocation: ContactAllocation) -> JSON | None:
    _unapply(scope.books, allocation)
    scope.books.soft_delete(allocation)
    return None


CONTACT_ALLOCATIONS: Resource[ContactAllocation] = Resource(
    name="contact_allocations",
    root="contact_allocation",
    store=lambda books: books.contact_allocations,
    displayed_as=displayed_as,
    serialise=serialise,
    filters=filters,
    sorts=dated_sorts(),
    deleted_since=True,
    create=create,
    delete=delete,
)
