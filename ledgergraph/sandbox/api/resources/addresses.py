"""Addresses and contact people nested in write bodies.

Canadian (and US) addresses must carry a valid two-letter province or state in ``region``
(Sage validates it, notes §6); elsewhere ``region`` is free text.
"""

from __future__ import annotations

from ledgergraph.sandbox.api.body import Body
from ledgergraph.sandbox.api.resources import checks
from ledgergraph.sandbox.api.scope import Scope
from ledgergraph.sandbox.books.records import Address, ArtefactAddress, ContactPerson
from ledgergraph.sandbox.books.reference import enumeration

_VALIDATED_REGIONS = ("CA", "US")


def _check_region(body: Body, region: str | None, country: str | None) -> None:
    if not region or country not in _VALIDATED_REGIONS:
        return
    if f"{country}-{region.upper()}" not in enumeration("address_regions"):
        body.problem("region", f"'{region}' is not a valid two-letter region code for {country}")


def read_address(
    scope: Scope, body: Body | None, existing: Address | None, *, default_type: str
) -> Address | None:
    """The address after applying ``body`` to ``existing`` (or a new one)."""
    if body is None:
        return existing
    now = scope.books.now()
    address = existing or Address(
        id=scope.books.new_id(),
        created_at=now,
        updated_at=now,
        address_type_id=default_type,
        country_id=scope.country.code,
    )
    for name in ("address_line_1", "address_line_2", "city", "postal_code", "region", "name"):
        value = body.string(name, max_length=50 if name != "postal_code" else 10)
        if value is not None:
            setattr(address, name, value)
    country = checks.country_id(body, "country_id")
    if country is not None:
        address.country_id = country
    address_type = checks.enum_id(body, "address_type_id", "address_types")
    if address_type is not None:
        address.address_type_id = address_type
    is_main = body.boolean("is_main_address")
    if is_main is not None:
        address.is_main_address = is_main
    _check_region(body, address.region, address.country_id)
    if address.country_id in _VALIDATED_REGIONS and address.region:
        address.region = address.region.upper()
    address.updated_at = now
    return address


def artefact_address(
    scope: Scope, body: Body | None, fallback: Address | None
) -> ArtefactAddress | None:
    """An artefact's own copy of an address: from the body, else copied from the contact."""
    if body is None:
        if fallback is None:
            return None
        return ArtefactAddress(
            id=scope.books.new_id(),
            address_line_1=fallback.address_line_1,
            address_line_2=fallback.address_line_2,
            city=fallback.city,
            region=fallback.region,
            postal_code=fallback.postal_code,
            country_id=fallback.country_id,
            address_type_id=fallback.address_type_id,
        )
    address = ArtefactAddress(id=scope.books.new_id(), country_id=scope.country.code)
    for name in ("address_line_1", "address_line_2", "city", "postal_code", "region"):
        value = body.string(name)
        if value is not None:
            setattr(address, name, value)
    address.country_id = checks.country_id(body, "country_id") or address.country_id
    address.address_type_id = checks.enum_id(body, "address_type_id", "address_types")
    _check_region(body, address.region, address.country_id)
    return address


def read_contact_person(
    scope: Scope, body: Body | None, existing: ContactPerson | None
) -> ContactPerson | None:
    if body is None:
        return existing
    now = scope.books.now()
    person = existing or ContactPerson(
        id=scope.books.new_id(),
        created_at=now,
        updated_at=now,
        contact_person_type_ids=["ACCOUNTS"],
    )
    for name in ("name", "job_title", "telephone", "mobile", "email", "fax"):
        value = body.string(name)
        if value is not None:
            setattr(person, name, value)
    types = checks.enum_ids(body, "contact_person_type_ids", "contact_person_types")
    if types is not None:
        person.contact_person_type_ids = types
    for flag in ("is_main_contact", "is_preferred_contact"):
        setting = body.boolean(flag)
        if setting is not None:
            setattr(person, flag, setting)
    person.updated_at = now
    return person
