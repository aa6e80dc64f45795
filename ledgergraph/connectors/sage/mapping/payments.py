"""Sage contact payments (receipts, payments, refunds) → ``Payment`` with its allocations."""

from __future__ import annotations

from ledgergraph.connectors.sage.mapping.errors import PayloadError
from ledgergraph.connectors.sage.mapping.values import (
    Payload,
    date,
    decimal_or_zero,
    obj,
    objects,
    path_kind,
    ref,
    ref_id,
    required_id,
    text,
    timestamp,
)
from ledgergraph.model import Allocation, Money, Payment, PaymentKind

PAYMENT_KINDS: dict[str, PaymentKind] = {
    "CUSTOMER_RECEIPT": PaymentKind.CUSTOMER_RECEIPT,
    "VENDOR_PAYMENT": PaymentKind.SUPPLIER_PAYMENT,
    "CUSTOMER_REFUND": PaymentKind.CUSTOMER_REFUND,
    "VENDOR_REFUND": PaymentKind.SUPPLIER_REFUND,
}

# An allocated artefact's collection (from its ``$path``) → ``Allocation.document_type``.
ARTEFACT_TYPES: dict[str, str] = {
    "sales_invoices": "INVOICE",
    "purchase_invoices": "BILL",
    "sales_credit_notes": "CREDIT_NOTE",
    "purchase_credit_notes": "PURCHASE_CREDIT_NOTE",
    "sales_quick_entries": "SALES_QUICK_ENTRY",
    "purchase_quick_entries": "PURCHASE_QUICK_ENTRY",
    "sales_corrective_invoices": "SALES_CORRECTIVE_INVOICE",
    "purchase_corrective_invoices": "PURCHASE_CORRECTIVE_INVOICE",
    "contact_payments": "PAYMENT_ON_ACCOUNT",
    "contact_opening_balances": "OPENING_BALANCE",
}


def allocation(
    data: Payload, business_id: str, currency: str, *, unsigned: bool = False
) -> Allocation | None:
    """One ``allocated_artefacts`` entry; None when it names no artefact. ``unsigned``: its
    amount without Sage's sign (a contact allocation's credits are negative)."""
    artefact = obj(data, "artefact")
    document = ref(data, "artefact")
    if artefact is None or document is None:
        return None
    amount = decimal_or_zero(data, "amount")
    return Allocation(
        business_id=business_id,
        document_type=ARTEFACT_TYPES.get(path_kind(artefact) or "", "OTHER"),
        document=document,
        amount=Money(abs(amount) if unsigned else amount, currency),
    )


def payment(data: Payload, business_id: str, *, currency: str | None = None) -> Payment:
    """A ``Payment`` from a ``/contact_payments`` item; ``currency``: the base currency fallback."""
    paid_in = ref_id(data, "currency") or currency
    if paid_in is None:
        raise PayloadError("contact payment: no currency in the payload and no base currency given")
    transaction_type = ref_id(data, "transaction_type") or text(data, "transaction_type_id")
    allocations = (
        allocation(a, business_id, paid_in) for a in objects(data, "allocated_artefacts")
    )
    return Payment(
        business_id=business_id,
        remote_id=required_id(data, "contact payment"),
        remote_data=dict(data),
        kind=PAYMENT_KINDS.get(transaction_type or ""),
        contact=ref(data, "contact"),
        bank_account=ref(data, "bank_account"),
        date=date(data, "date"),
        reference=text(data, "reference"),
        payment_method=ref_id(data, "payment_method"),
        currency=paid_in,
        total_amount=Money(decimal_or_zero(data, "total_amount"), paid_in),
        allocations=tuple(a for a in allocations if a is not None),
        created_at=timestamp(data, "created_at"),
        updated_at=timestamp(data, "updated_at"),
    )
