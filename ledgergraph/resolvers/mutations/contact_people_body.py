"""Unified address and contact person inputs → Sage's ``/addresses`` and ``/contact_persons``
bodies, checked field by field the way Sage would refuse them."""

from __future__ import annotations

import re
from typing import Any

from ledgergraph import kinds
from ledgergraph.errors import BadUserInput
from ledgergraph.resolvers.mutations.contact_body import address, validate_name
from ledgergraph.resolvers.mutations.lookups import sage_id
from ledgergraph.schema.contact_people import (
    ContactAddressInput,
    ContactAddressUpdateInput,
    ContactPersonInput,
    ContactPersonUpdateInput,
)
from ledgergraph.schema.inputs import AddressInput

_COUNTRY = re.compile(r"^[A-Z]{2}$")
# Where Sage validates ``region`` as a two-letter province or state code.
_CODED_REGIONS = ("CA", "US")
_REGION = re.compile(r"^[A-Z]{2}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Sage's limits (``/addresses``: lines, city and name 50, postal code 10; people 100).
_ADDRESS_LIMITS = {"line1": 50, "line2": 50, "city": 50, "postal_code": 10, "region": 45}
_CAMEL = {"postal_code": "postalCode", "country_code": "countryCode", "job_title": "jobTitle"}


def _limit(value: str | None, limit: int, field: str) -> None:
    if value is not None and len(value) > limit:
        raise BadUserInput(f"{field} must be at most {limit} characters.", field=field)


def checked_address(data: AddressInput, country: str | None, field: str) -> dict[str, Any]:
    """Sage's address fields; ``country`` is the business's, which an address without a
    country code is in."""
    for name, limit in _ADDRESS_LIMITS.items():
        _limit(getattr(data, name), limit, f"{field}.{_CAMEL.get(name, name)}")
    code = data.country_code
    if code is not None and not _COUNTRY.match(code):
        raise BadUserInput(
            f"{field}.countryCode must be an ISO 3166 two-letter code in capitals, e.g. GB.",
            field=f"{field}.countryCode",
        )
    if (code or country) in _CODED_REGIONS and data.region and not _REGION.match(data.region):
        raise BadUserInput(
            f"{field}.region must be a two-letter province or state code, e.g. BC.",
            field=f"{field}.region",
        )
    return address(data)


def refuse_unmaking_main(is_main: bool | None, noun: str) -> None:
    """Sage makes an address (a person) main, never not main: another one is made main."""
    if is_main is False:
        article = "an" if noun[0] in "aeiou" else "a"
        raise BadUserInput(
            f"input.isMain can only make {article} {noun} main: make another {noun} main instead.",
            field="input.isMain",
        )


def address_body(
    data: ContactAddressInput | ContactAddressUpdateInput, business_id: str, country: str | None
) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if isinstance(data, ContactAddressInput):
        body["contact_id"] = sage_id(
            data.contact_id, expect="Contact", business_id=business_id, field="input.contactId"
        )
    validate_name(data.name, "input.name")
    _limit(data.name, 50, "input.name")
    if data.name is not None:
        body["name"] = data.name
    if data.address_type is not None:
        body["address_type_id"] = data.address_type.value
    if data.is_main is not None:
        body["is_main_address"] = data.is_main
    if data.address is not None:
        body |= checked_address(data.address, country, "input.address")
    return body


def person_body(
    data: ContactPersonInput | ContactPersonUpdateInput, business_id: str
) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if data.address_id is not None:
        body["address_id"] = sage_id(
            data.address_id,
            expect=kinds.CONTACT_ADDRESS.type_name,
            business_id=business_id,
            field="input.addressId",
        )
    validate_name(data.name, "input.name")
    if data.roles is not None:
        if not data.roles:
            raise BadUserInput(
                "input.roles needs at least one of ACCOUNTS, SALES, PURCHASING.",
                field="input.roles",
            )
        body["contact_person_type_ids"] = sorted({role.value for role in data.roles})
    if data.email is not None and not _EMAIL.match(data.email):
        raise BadUserInput("input.email is not an email address.", field="input.email")
    for name in ("job_title", "telephone", "mobile"):
        _limit(getattr(data, name), 100, f"input.{_CAMEL.get(name, name)}")
    fields = {
        "name": data.name,
        "job_title": data.job_title,
        "email": data.email,
        "telephone": data.telephone,
        "mobile": data.mobile,
        "is_main_contact": data.is_main,
        "is_preferred_contact": data.is_preferred,
    }
    body |= {k: v for k, v in fields.items() if v is not None}
    return body
