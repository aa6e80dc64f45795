"""Sage contacts → ``Contact``."""

from __future__ import annotations

from ledgergraph.connectors.sage.mapping.values import (
    Payload,
    address,
    decimal,
    flag,
    integer,
    money,
    obj,
    objects,
    ref_id,
    required_id,
    text,
    timestamp,
)
from ledgergraph.model import Contact, ContactKind

CONTACT_KINDS: dict[str, ContactKind] = {
    "CUSTOMER": ContactKind.CUSTOMER,
    "VENDOR": ContactKind.SUPPLIER,
}


def contact_kinds(data: Payload) -> tuple[ContactKind, ...]:
    """``contact_types`` ids as kinds, in Sage's order; unknown types are left out."""
    kinds = (CONTACT_KINDS.get(str(t.get("id") or "")) for t in objects(data, "contact_types"))
    return tuple(dict.fromkeys(kind for kind in kinds if kind is not None))


def contact(data: Payload, business_id: str, *, currency: str | None = None) -> Contact:
    """A ``Contact`` from a ``/contacts`` item; ``currency`` is the base currency fallback."""
    ident = required_id(data, "contact")
    trades_in = ref_id(data, "currency") or currency
    person = obj(data, "main_contact_person")
    return Contact(
        business_id=business_id,
        remote_id=ident,
        remote_data=dict(data),
        name=text(data, "name") or text(data, "displayed_as") or "",
        reference=text(data, "reference"),
        kinds=contact_kinds(data),
        email=text(data, "email") or (text(person, "email") if person else None),
        # v3.1 contacts carry phone numbers only on the (embedded) main contact person.
        telephone=(text(person, "telephone") or text(person, "mobile")) if person else None,
        tax_number=text(data, "tax_number"),
        currency=trades_in,
        main_address=address(obj(data, "main_address")),
        delivery_address=address(obj(data, "delivery_address")),
        balance=money(decimal(data, "balance"), trades_in),
        credit_limit=money(decimal(data, "credit_limit"), trades_in),
        credit_days=integer(data, "credit_days"),
        is_active=flag(data, "is_active", default=True),
        created_at=timestamp(data, "created_at"),
        updated_at=timestamp(data, "updated_at"),
    )
