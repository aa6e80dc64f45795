"""Unified contact input → Sage's contact body."""

from __future__ import annotations

from typing import Any

from ledgergraph import model
from ledgergraph.errors import BadUserInput
from ledgergraph.schema.inputs import AddressInput, ContactInput, ContactUpdateInput

SAGE_CONTACT_TYPES = {model.ContactKind.CUSTOMER: "CUSTOMER", model.ContactKind.SUPPLIER: "VENDOR"}


def address(data: AddressInput) -> dict[str, Any]:
    fields = {
        "address_line_1": data.line1,
        "address_line_2": data.line2,
        "city": data.city,
        "region": data.region,
        "postal_code": data.postal_code,
        "country_id": data.country_code,
    }
    return {k: v for k, v in fields.items() if v is not None}


def validate_name(name: str | None, field: str) -> None:
    if name is not None and not name.strip():
        raise BadUserInput(f"{field} must not be empty.", field=field)
    if name is not None and len(name) > 100:
        raise BadUserInput(f"{field} must be at most 100 characters.", field=field)


def contact_body(data: ContactInput | ContactUpdateInput) -> dict[str, Any]:
    validate_name(data.name, "input.name")
    if data.reference is not None and len(data.reference) > 10:
        raise BadUserInput(
            "input.reference must be at most 10 characters.", field="input.reference"
        )
    if data.credit_limit is not None and data.credit_limit < 0:
        raise BadUserInput("input.creditLimit must not be negative.", field="input.creditLimit")
    if data.credit_days is not None and data.credit_days < 0:
        raise BadUserInput("input.creditDays must not be negative.", field="input.creditDays")
    body: dict[str, Any] = {
        "name": data.name,
        "reference": data.reference,
        "tax_number": data.tax_number,
        "credit_limit": str(data.credit_limit) if data.credit_limit is not None else None,
        "credit_days": data.credit_days,
    }
    if isinstance(data, ContactInput):
        if not data.kinds:
            raise BadUserInput("input.kinds needs CUSTOMER and/or SUPPLIER.", field="input.kinds")
        body["contact_type_ids"] = sorted({SAGE_CONTACT_TYPES[k] for k in data.kinds})
        body["currency_id"] = data.currency
    if data.main_address is not None:
        body["main_address"] = address(data.main_address)
    # Sage keeps a contact's email and telephone on its main contact person.
    person = {"email": data.email, "telephone": data.telephone}
    if any(v is not None for v in person.values()):
        body["main_contact_person"] = {k: v for k, v in person.items() if v is not None}
    return {k: v for k, v in body.items() if v is not None}
