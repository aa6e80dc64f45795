"""``/addresses`` and ``/contact_persons``: the addresses and people of contacts (and the
addresses of bank accounts), listed on their own.

The books keep them inside their contact (``main_address``, ``delivery_address``,
``main_contact_person`` and the other people at the main address) or bank account; these
lists are views of them, so an edit through ``/contacts`` shows here at once. Sage filters
addresses by ``contact_id`` or ``bank_account_id`` and people by ``contact_id`` or
``address_id``. Only reads are emulated: writes go through ``/contacts``. The records of a
deleted contact leave the lists with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ledgergraph.sandbox.api import query as q
from ledgergraph.sandbox.api.refs import address_payload, bank_account_ref, enum_ref
from ledgergraph.sandbox.api.resource import Predicate, Resource
from ledgergraph.sandbox.api.scope import Scope
from ledgergraph.sandbox.api.wire import JSON, instant, ref
from ledgergraph.sandbox.books import Books
from ledgergraph.sandbox.books.records import Address, Contact, ContactPerson


@dataclass(frozen=True, slots=True)
class _Owner:
    """Whose an address or a person is: a contact's or a bank account's."""

    contact: Contact | None
    bank_account_id: str | None
    # A person's address (its contact's main address).
    address: Address | None = None


def _addresses(books: Books) -> Iterator[tuple[Address, _Owner]]:
    for contact in books.contacts.values():
        if contact.deleted:
            continue
        for address in (contact.main_address, contact.delivery_address):
            if address is not None:
                yield address, _Owner(contact, None)
    for account in books.bank_accounts.values():
        if not account.deleted and account.main_address is not None:
            yield account.main_address, _Owner(None, account.id)


def _people(books: Books) -> Iterator[tuple[ContactPerson, _Owner]]:
    for contact in books.contacts.values():
        if contact.deleted:
            continue
        people = [contact.main_contact_person, *contact.other_contact_persons]
        for person in people:
            if person is not None:
                yield person, _Owner(contact, None, contact.main_address)


def _owners(scope: Scope) -> dict[str, _Owner]:
    """Every listed address's and person's owner, by id, once per request."""

    def index() -> dict[str, _Owner]:
        books = scope.books
        return {
            **{a.id: owner for a, owner in _addresses(books)},
            **{p.id: owner for p, owner in _people(books)},
        }

    return scope.once("contact_people_owners", index)


def _contact_ref(contact: Contact | None) -> JSON | None:
    return ref("contacts", contact.id, contact.displayed_as) if contact is not None else None


def serialise_address(scope: Scope, address: Address) -> JSON:
    owner = _owners(scope)[address.id]
    payload = address_payload(address, _contact_ref(owner.contact))
    assert payload is not None
    return {**payload, "bank_account": bank_account_ref(scope.books, owner.bank_account_id)}


def serialise_person(scope: Scope, person: ContactPerson) -> JSON:
    owner = _owners(scope)[person.id]
    address = owner.address
    return {
        **ref("contact_persons", person.id, person.name),
        "created_at": instant(person.created_at),
        "updated_at": instant(person.updated_at),
        "contact_person_types": [
            enum_ref("contact_person_types", t) for t in person.contact_person_type_ids
        ],
        "name": person.name,
        "job_title": person.job_title,
        "telephone": person.telephone,
        "mobile": person.mobile,
        "email": person.email,
        "fax": person.fax,
        "is_main_contact": person.is_main_contact,
        "address": ref("addresses", address.id, address.displayed_as) if address else None,
        "is_preferred_contact": person.is_preferred_contact,
    }


def _address_filters(scope: Scope) -> Predicate:
    contact_id = q.text(scope.query, "contact_id")
    bank_account_id = q.text(scope.query, "bank_account_id")
    owners = _owners(scope)

    def keep(address: Any) -> bool:
        owner = owners[address.id]
        if contact_id is not None and (owner.contact is None or owner.contact.id != contact_id):
            return False
        return bank_account_id is None or owner.bank_account_id == bank_account_id

    return keep


def _person_filters(scope: Scope) -> Predicate:
    contact_id = q.text(scope.query, "contact_id")
    address_id = q.text(scope.query, "address_id")
    owners = _owners(scope)

    def keep(person: Any) -> bool:
        owner = owners[person.id]
        if contact_id is not None and (owner.contact is None or owner.contact.id != contact_id):
            return False
        return address_id is None or (owner.address is not None and owner.address.id == address_id)

    return keep


ADDRESSES: Resource[Address] = Resource(
    name="addresses",
    root="address",
    store=lambda books: {a.id: a for a, _ in _addresses(books)},
    displayed_as=lambda scope, a: a.displayed_as,
    serialise=serialise_address,
    filters=_address_filters,
)
CONTACT_PERSONS: Resource[ContactPerson] = Resource(
    name="contact_persons",
    root="contact_person",
    store=lambda books: {p.id: p for p, _ in _people(books)},
    displayed_as=lambda scope, p: p.name,
    serialise=serialise_person,
    filters=_person_filters,
)
