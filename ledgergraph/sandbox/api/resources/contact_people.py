"""``/addresses`` and ``/contact_persons``: the addresses and people of contacts (and the
addresses of bank accounts), listed on their own.

The books keep them inside their contact (``main_address``, ``delivery_address``,
``main_contact_person`` and the other people at the main address) or bank account; these
lists are views of them, so an edit through ``/contacts`` shows here at once. Sage filters
addresses by ``contact_id`` or ``bank_account_id`` and people by ``contact_id`` or
``address_id``, and both by ``updated_or_created_since`` and ``deleted_since``. The records
of a deleted contact leave the lists with it (Sage's DELETE of a contact does not say whether
it reports them deleted, so ``deleted_since`` finds none of them).

Writes: POST and PUT of an address put it at its contact (the
main address, the first delivery address, or among the others) or make it a bank account's
address; POST and PUT of a person put it at one of its contact's addresses. One address and
one person per contact are main: making another main demotes the old one, and the main one
cannot be un-made (make another main instead). DELETE soft-deletes an address or a person,
as ``/contacts`` does a contact: it leaves its contact's live records for the contact's
``deleted_*`` ones, which ``deleted_since`` lists.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from ledgergraph.sandbox.api import query as q
from ledgergraph.sandbox.api.body import REQUIRED, Body
from ledgergraph.sandbox.api.refs import address_payload, bank_account_ref, enum_ref
from ledgergraph.sandbox.api.resource import Predicate, Resource
from ledgergraph.sandbox.api.resources import checks
from ledgergraph.sandbox.api.resources.addresses import read_address, read_contact_person
from ledgergraph.sandbox.api.scope import Scope
from ledgergraph.sandbox.api.wire import JSON, instant, ref
from ledgergraph.sandbox.books import Books, BooksError
from ledgergraph.sandbox.books.records import Address, BankAccount, Contact, ContactPerson


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
        for address in (*contact_addresses(contact), *contact.deleted_addresses):
            yield address, _Owner(contact, None)
    for account in books.bank_accounts.values():
        if not account.deleted and account.main_address is not None:
            yield account.main_address, _Owner(None, account.id)


def contact_addresses(contact: Contact) -> list[Address]:
    found = (contact.main_address, contact.delivery_address, *contact.other_addresses)
    return [address for address in found if address is not None]


def address_of(contact: Contact, person: ContactPerson) -> Address | None:
    """The address a person is at: the one it names, else its contact's main address."""
    if person.address_id is not None:
        for address in contact_addresses(contact):
            if address.id == person.address_id:
                return address
    return contact.main_address


def _people(books: Books) -> Iterator[tuple[ContactPerson, _Owner]]:
    for contact in books.contacts.values():
        if contact.deleted:
            continue
        people = [
            contact.main_contact_person,
            *contact.other_contact_persons,
            *contact.deleted_contact_persons,
        ]
        for person in people:
            if person is not None:
                yield person, _Owner(contact, None, address_of(contact, person))


_OWNERS = "contact_people_owners"
_R = TypeVar("_R", Address, ContactPerson)


def _owners(scope: Scope) -> dict[str, _Owner]:
    """Every listed address's and person's owner, by id, once per request."""

    def index() -> dict[str, _Owner]:
        books = scope.books
        return {
            **{a.id: owner for a, owner in _addresses(books)},
            **{p.id: owner for p, owner in _people(books)},
        }

    return scope.once(_OWNERS, index)


def _written(scope: Scope, record: _R) -> _R:
    """A write moved records between owners: the request's index of them is stale."""
    scope.memo.pop(_OWNERS, None)
    return record


def owner_of(scope: Scope, record_id: str) -> tuple[Contact | None, str | None]:
    """Whose an address (or a person) is now: its contact, or its bank account's id."""
    owner = _owners(scope).get(record_id)
    return (owner.contact, owner.bank_account_id) if owner else (None, None)


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


# -- writing ---------------------------------------------------------------------------


def _copy_into(target: Any, source: Any) -> None:
    for f in dataclasses.fields(source):
        setattr(target, f.name, getattr(source, f.name))


def _owner_in_body(scope: Scope, body: Body) -> tuple[Contact | None, BankAccount | None]:
    books = scope.books
    contact_id = body.string("contact_id")
    account_id = body.string("bank_account_id")
    if contact_id and account_id:
        body.problem("bank_account_id", "An address belongs to a contact or a bank account")
    contact = books.contacts.get(contact_id or "")
    account = books.bank_accounts.get(account_id or "")
    if contact_id and (contact is None or contact.deleted):
        body.problem("contact_id", f"Contact '{contact_id}' was not found")
    if account_id and (account is None or account.deleted):
        body.problem("bank_account_id", f"Bank account '{account_id}' was not found")
    if not contact_id and not account_id:
        body.problem("contact_id", REQUIRED)
    return contact, account


def _make_main(
    contact: Contact, record: Address | ContactPerson, main: str, others: str, flag: str
) -> None:
    """``record`` becomes the contact's ``main`` (address or person); the old one stays among
    ``others``, its ``flag`` cleared."""
    old = getattr(contact, main)
    if old is record:
        return
    listed: list[Address | ContactPerson] = getattr(contact, others)
    if record in listed:
        listed.remove(record)
    if old is not None:
        setattr(old, flag, False)
        listed.append(old)
    setattr(contact, main, record)


def _make_main_address(contact: Contact, address: Address) -> None:
    if contact.main_address is not address and contact.delivery_address is address:
        contact.delivery_address = None
    _make_main(contact, address, "main_address", "other_addresses", "is_main_address")


def _create_address(scope: Scope, body: Body) -> Address:
    body.string("name", required=True)
    checks.enum_id(body, "address_type_id", "address_types", required=True)
    body.boolean("is_main_address", required=True)
    contact, account = _owner_in_body(scope, body)
    body.problems.raise_if_any()
    address = read_address(scope, body, None, default_type="ACCOUNTS")
    body.problems.raise_if_any()
    assert address is not None
    if account is not None:
        # A bank account has one address.
        account.main_address = address
        scope.books.touch(account)
        return _written(scope, address)
    assert contact is not None
    if address.is_main_address or contact.main_address is None:
        address.is_main_address = True
        _make_main_address(contact, address)
    elif address.address_type_id == "DELIVERY" and contact.delivery_address is None:
        contact.delivery_address = address
    else:
        contact.other_addresses.append(address)
    return _written(scope, address)


def _update_address(scope: Scope, existing: Address, body: Body) -> Address:
    contact, account_id = owner_of(scope, existing.id)
    if body.has("contact_id") and body.data["contact_id"] != (contact.id if contact else None):
        body.problem("contact_id", "An address cannot move to another contact")
    if body.has("bank_account_id") and body.data["bank_account_id"] != account_id:
        body.problem("bank_account_id", "An address cannot move to another bank account")
    revised = dataclasses.replace(existing)
    read_address(scope, body, revised, default_type="ACCOUNTS")
    body.problems.raise_if_any()
    was_main = contact is not None and contact.main_address is existing
    if was_main and not revised.is_main_address:
        raise BooksError(
            "A contact needs a main address: make another address main instead",
            "is_main_address",
        )
    _copy_into(existing, revised)
    if contact is not None and existing.is_main_address and not was_main:
        _make_main_address(contact, existing)
    return _written(scope, existing)


def _person_address(scope: Scope, body: Body, contact: Contact | None) -> Address | None:
    """The contact address ``address_id`` names (of ``contact`` when the person has one)."""
    address_id = body.string("address_id", required=contact is None)
    if not address_id:
        return None
    owner, _ = owner_of(scope, address_id)
    live = contact_addresses(owner) if owner is not None else []
    address = next((a for a in live if a.id == address_id), None)
    if owner is None or address is None:
        body.problem("address_id", f"Address '{address_id}' is not a contact's address")
        return None
    if contact is not None and owner.id != contact.id:
        body.problem("address_id", "A contact person cannot move to another contact")
        return None
    return address


def _make_main_person(contact: Contact, person: ContactPerson) -> None:
    _make_main(contact, person, "main_contact_person", "other_contact_persons", "is_main_contact")


def _create_person(scope: Scope, body: Body) -> ContactPerson:
    body.string("name", required=True)
    if not body.data.get("contact_person_type_ids"):
        body.problem("contact_person_type_ids", REQUIRED)
    address = _person_address(scope, body, None)
    body.problems.raise_if_any()
    assert address is not None
    contact, _ = owner_of(scope, address.id)
    assert contact is not None
    person = read_contact_person(scope, body, None)
    body.problems.raise_if_any()
    assert person is not None
    person.address_id = address.id
    if not body.has("is_main_contact"):
        person.is_main_contact = contact.main_contact_person is None
    if not body.has("is_preferred_contact"):
        person.is_preferred_contact = person.is_main_contact
    if person.is_main_contact:
        _make_main_person(contact, person)
    else:
        contact.other_contact_persons.append(person)
    return _written(scope, person)


def _update_person(scope: Scope, existing: ContactPerson, body: Body) -> ContactPerson:
    contact, _ = owner_of(scope, existing.id)
    assert contact is not None
    if body.has("contact_person_type_ids") and not body.data["contact_person_type_ids"]:
        body.problem("contact_person_type_ids", REQUIRED)
    if body.has("name") and not body.data["name"]:
        body.problem("name", REQUIRED)
    address = _person_address(scope, body, contact)
    revised = dataclasses.replace(
        existing, contact_person_type_ids=list(existing.contact_person_type_ids)
    )
    read_contact_person(scope, body, revised)
    body.problems.raise_if_any()
    was_main = contact.main_contact_person is existing
    if was_main and not revised.is_main_contact:
        raise BooksError(
            "A contact needs a main contact person: make another person main instead",
            "is_main_contact",
        )
    if address is not None:
        revised.address_id = address.id
    _copy_into(existing, revised)
    if existing.is_main_contact and not was_main:
        _make_main_person(contact, existing)
    return _written(scope, existing)


# Sage's reference (swagger and notes) documents only the 204 of DELETE /addresses and
# /contact_persons, nothing about the main ones. A contact has to keep one of each (it cannot
# un-make them either), and a bank account's address is its only one: the sandbox refuses
# deleting those with a 422 on ``base``, as Sage refuses deleting a contact in use.
def _delete_address(scope: Scope, address: Address) -> JSON | None:
    contact, _ = owner_of(scope, address.id)
    if contact is None:
        raise BooksError("A bank account's address cannot be deleted", "base")
    if contact.main_address is address:
        raise BooksError(
            "A contact's main address cannot be deleted: make another address main first", "base"
        )
    if contact.delivery_address is address:
        contact.delivery_address = None
    else:
        contact.other_addresses.remove(address)
    # Not documented either: the people at the address stay, shown at the contact's main
    # address (``address_of`` finds theirs no more).
    scope.books.soft_delete(address)
    contact.deleted_addresses.append(_written(scope, address))
    return None


def _delete_person(scope: Scope, person: ContactPerson) -> JSON | None:
    contact, _ = owner_of(scope, person.id)
    assert contact is not None
    if contact.main_contact_person is person:
        raise BooksError(
            "A contact's main contact person cannot be deleted: make another person main first",
            "base",
        )
    contact.other_contact_persons.remove(person)
    scope.books.soft_delete(person)
    contact.deleted_contact_persons.append(_written(scope, person))
    return None


ADDRESSES: Resource[Address] = Resource(
    name="addresses",
    root="address",
    store=lambda books: {a.id: a for a, _ in _addresses(books)},
    displayed_as=lambda scope, a: a.displayed_as,
    serialise=serialise_address,
    filters=_address_filters,
    deleted_since=True,
    create=_create_address,
    update=_update_address,
    delete=_delete_address,
)
CONTACT_PERSONS: Resource[ContactPerson] = Resource(
    name="contact_persons",
    root="contact_person",
    store=lambda books: {p.id: p for p, _ in _people(books)},
    displayed_as=lambda scope, p: p.name,
    serialise=serialise_person,
    filters=_person_filters,
    deleted_since=True,
    create=_create_person,
    update=_update_person,
    delete=_delete_person,
)
