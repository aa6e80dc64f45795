"""Sage sales/purchase invoices and sales credit notes → ``Invoice``, ``Bill``, ``CreditNote``.

``document`` maps any of Sage's invoice-like artefacts; later kinds (purchase credit notes,
quotes) build on it and on ``line_item``/``shipping`` from their own mapping modules.
"""

from __future__ import annotations

from typing import Any, TypeVar

from ledgergraph.connectors.sage.mapping.errors import PayloadError
from ledgergraph.connectors.sage.mapping.values import (
    Payload,
    date,
    decimal,
    decimal_or_zero,
    money,
    obj,
    objects,
    path_kind,
    ref,
    ref_id,
    required_id,
    text,
    timestamp,
)
from ledgergraph.model import (
    Bill,
    CreditNote,
    Document,
    DocumentStatus,
    Invoice,
    ItemKind,
    LineItem,
    Money,
    Ref,
    Shipping,
)

DOCUMENT_STATUSES: dict[str, DocumentStatus] = {
    "DRAFT": DocumentStatus.DRAFT,
    "PRO_FORMA": DocumentStatus.PRO_FORMA,
    "UNPAID": DocumentStatus.UNPAID,
    "PART_PAID": DocumentStatus.PARTIALLY_PAID,
    "PAID": DocumentStatus.PAID,
    "VOID": DocumentStatus.VOID,
    "DISPUTED": DocumentStatus.DISPUTED,
}

CATALOG_ITEM_KINDS: dict[str, ItemKind] = {
    "STOCK_ITEM": ItemKind.STOCK_ITEM,
    "PRODUCT": ItemKind.PRODUCT,
    "SERVICE": ItemKind.SERVICE,
}


def document_status(status_id: str | None) -> DocumentStatus:
    """Sage's ``artefact_statuses`` id as a ``DocumentStatus`` (``OTHER`` when unknown)."""
    return DOCUMENT_STATUSES.get(status_id or "", DocumentStatus.OTHER)


def _line_item(data: Payload) -> tuple[Ref | None, ItemKind | None]:
    service = ref(data, "service")
    if service is not None:
        return service, ItemKind.SERVICE
    for key in ("product", "stock_item"):
        embedded = obj(data, key)
        found = ref(data, key)
        if embedded is None or found is None:
            continue
        kind = CATALOG_ITEM_KINDS.get(ref_id(embedded, "catalog_item_type") or "")
        if kind is None and (key == "stock_item" or path_kind(embedded) == "stock_items"):
            kind = ItemKind.STOCK_ITEM
        # A bare product reference does not say whether it is stocked, so the kind stays unknown.
        return found, kind
    return None, None


def line_item(data: Payload, business_id: str, currency: str) -> LineItem:
    item, item_kind = _line_item(data)
    discount = decimal(data, "discount_amount")
    return LineItem(
        business_id=business_id,
        remote_id=text(data, "id"),
        description=text(data, "description") or text(data, "displayed_as") or "",
        quantity=decimal_or_zero(data, "quantity"),
        unit_price=Money(decimal_or_zero(data, "unit_price"), currency),
        net_amount=Money(decimal_or_zero(data, "net_amount"), currency),
        tax_amount=Money(decimal_or_zero(data, "tax_amount"), currency),
        total_amount=Money(decimal_or_zero(data, "total_amount"), currency),
        discount_amount=money(discount, currency),
        tax_rate=ref(data, "tax_rate"),
        ledger_account=ref(data, "ledger_account"),
        item=item,
        item_kind=item_kind,
    )


_SHIPPING_KEYS = ("shipping_net_amount", "shipping_tax_amount", "shipping_total_amount")


def shipping(data: Payload, business_id: str, currency: str) -> Shipping | None:
    """Sage's ``shipping_*`` header fields; None on a kind without them (purchase invoices)."""
    if not any(key in data for key in _SHIPPING_KEYS):
        return None
    net = decimal_or_zero(data, "shipping_net_amount")
    tax = decimal_or_zero(data, "shipping_tax_amount")
    total = decimal(data, "shipping_total_amount")
    return Shipping(
        business_id=business_id,
        net_amount=Money(net, currency),
        tax_amount=Money(tax, currency),
        total_amount=Money(net + tax if total is None else total, currency),
        tax_rate=ref(data, "shipping_tax_rate"),
    )


def _currency(data: Payload, fallback: str | None, resource: str) -> str:
    currency = ref_id(data, "currency") or fallback
    if currency is None:
        raise PayloadError(f"{resource}: no currency in the payload and no base currency given")
    return currency


def document_contact(data: Payload) -> Ref | None:
    """The contact a document (or a quote) is for, named as the document shows it."""
    contact = ref(data, "contact")
    if contact is None:
        return None
    # The embedded contact shows "Name (REF)"; the document's own snapshot is the name.
    return Ref(contact.id, text(data, "contact_name") or contact.displayed_as)


_D = TypeVar("_D", bound=Document)


def document(
    cls: type[_D],
    data: Payload,
    business_id: str,
    *,
    resource: str,
    number: str | None,
    lines_key: str,
    fallback_currency: str | None,
    **extra: Any,
) -> _D:
    currency = ref_id(data, "currency") or fallback_currency
    if currency is None:
        raise PayloadError(f"{resource}: no currency in the payload and no base currency given")
    contact = document_contact(data)
    total = decimal_or_zero(data, "total_amount")
    paid = decimal(data, "total_paid")
    if paid is None:
        paid = decimal_or_zero(data, "payments_allocations_total_amount")
    outstanding = decimal(data, "outstanding_amount")
    status = document_status(ref_id(data, "status"))
    return cls(
        business_id=business_id,
        remote_id=required_id(data, resource),
        remote_data=dict(data),
        # A draft carries Sage's placeholder ("SI-DRAFT"); its number is assigned on release.
        number=None if status is DocumentStatus.DRAFT else number,
        contact=contact,
        date=date(data, "date"),
        due_date=date(data, "due_date"),
        reference=text(data, "reference"),
        status=status,
        currency=currency,
        net_amount=Money(decimal_or_zero(data, "net_amount"), currency),
        tax_amount=Money(decimal_or_zero(data, "tax_amount"), currency),
        total_amount=Money(total, currency),
        amount_paid=Money(paid, currency),
        outstanding_amount=Money(total - paid if outstanding is None else outstanding, currency),
        lines=tuple(line_item(line, business_id, currency) for line in objects(data, lines_key)),
        created_at=timestamp(data, "created_at"),
        updated_at=timestamp(data, "updated_at"),
        void_reason=text(data, "void_reason"),
        shipping=shipping(data, business_id, currency),
        contact_reference=text(data, "contact_reference"),
        **extra,
    )


def invoice(data: Payload, business_id: str, *, currency: str | None = None) -> Invoice:
    """An ``Invoice`` from a ``/sales_invoices`` item; ``currency``: the base currency fallback."""
    return document(
        Invoice,
        data,
        business_id,
        resource="sales invoice",
        number=text(data, "invoice_number"),
        lines_key="invoice_lines",
        fallback_currency=currency,
    )


def bill(data: Payload, business_id: str, *, currency: str | None = None) -> Bill:
    """A ``Bill`` from a ``/purchase_invoices`` item.

    Sage generates no number for a purchase invoice: its ``reference`` (what Sage displays) is
    the number.
    """
    return document(
        Bill,
        data,
        business_id,
        resource="purchase invoice",
        number=text(data, "reference"),
        lines_key="invoice_lines",
        fallback_currency=currency,
        vendor_reference=text(data, "vendor_reference"),
    )


def credit_note(data: Payload, business_id: str, *, currency: str | None = None) -> CreditNote:
    """A ``CreditNote`` from a ``/sales_credit_notes`` item."""
    return document(
        CreditNote,
        data,
        business_id,
        resource="sales credit note",
        number=text(data, "credit_note_number"),
        lines_key="credit_note_lines",
        fallback_currency=currency,
    )
