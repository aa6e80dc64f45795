"""The seeded quotes, estimates, purchase credit notes, addresses and contact people of every
country map through the JSON the sandbox serves (``mapping.quotes``,
``mapping.purchase_credit_notes``, ``mapping.contact_people``) and agree with the books."""

from __future__ import annotations

import pytest

from ledgergraph.connectors.sage.mapping import contact_people, purchase_credit_notes, quotes
from ledgergraph.model import DocumentStatus, Money
from ledgergraph.sandbox.api.resources import artefacts
from ledgergraph.sandbox.api.resources import contact_people as sandbox_people
from ledgergraph.sandbox.api.resources import quotes as sandbox_quotes
from ledgergraph.sandbox.books import World
from ledgergraph.sandbox.books.records import ArtefactKind
from tests.mapping.conftest import COUNTRIES
from tests.mapping.sandbox_json import businesses_in, scope_for

BUILDERS = {ArtefactKind.SALES_QUOTE: quotes.quote, ArtefactKind.SALES_ESTIMATE: quotes.estimate}


@pytest.mark.parametrize("country", COUNTRIES)
def test_every_seeded_quote_and_estimate_maps_with_its_status_and_lines(
    world: World, country: str
) -> None:
    for business in businesses_in(world, country):
        scope = scope_for(world, business)
        for kind, build in BUILDERS.items():
            records = list(business.books.artefacts(kind).values())
            assert records
            for record in records:
                mapped = build(sandbox_quotes.serialise(scope, record), business.id)
                assert mapped.remote_id == record.id
                assert mapped.number == record.number
                # Seeded statuses (DRAFT, PENDING, ACCEPTED, DECLINED) keep their names.
                assert mapped.status.value == record.status_id
                assert mapped.expiry_date == record.expiry_date
                assert mapped.total_amount == Money(record.total_amount, record.currency_id)
                assert [line.net_amount.amount for line in mapped.lines] == [
                    line.net_amount for line in record.lines
                ]
                assert mapped.contact is not None
                assert mapped.contact.id == record.contact_id


@pytest.mark.parametrize("country", COUNTRIES)
def test_every_seeded_purchase_credit_note_maps_as_a_document(world: World, country: str) -> None:
    for business in businesses_in(world, country):
        scope = scope_for(world, business)
        records = list(business.books.purchase_credit_notes.values())
        assert records
        for record in records:
            payload = artefacts.serialise(scope, record)
            mapped = purchase_credit_notes.supplier_credit_note(payload, business.id)
            assert mapped.number == record.reference
            assert mapped.status is DocumentStatus.UNPAID
            assert mapped.due_date is None
            assert mapped.outstanding_amount == Money(record.total_amount, record.currency_id)


@pytest.mark.parametrize("country", COUNTRIES)
def test_every_seeded_address_and_person_maps_to_its_contact(world: World, country: str) -> None:
    for business in businesses_in(world, country):
        scope = scope_for(world, business)
        for contact in business.books.contacts.values():
            for address in (contact.main_address, contact.delivery_address):
                if address is None:
                    continue
                mapped = contact_people.contact_address(
                    sandbox_people.serialise_address(scope, address), business.id
                )
                assert mapped.contact is not None
                assert mapped.contact.id == contact.id
                assert mapped.address_type == address.address_type_id
            for person in (contact.main_contact_person, *contact.other_contact_persons):
                if person is None:
                    continue
                found = contact_people.contact_person(
                    sandbox_people.serialise_person(scope, person), business.id
                )
                assert found.address is not None
                assert contact.main_address is not None
                assert found.address.id == contact.main_address.id
                assert found.roles == tuple(person.contact_person_type_ids)
