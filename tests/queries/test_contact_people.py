"""``Contact.addresses`` and ``Contact.contactPersons``: every address and person Sage lists
for a contact, read for a whole page of contacts with one read of each list (no N+1)."""

from __future__ import annotations

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from tests.queries.conftest import business_in, data, reset_stats, sage_calls
from tests.support.fixtures import sandbox_fixture
from tests.support.server import LiveServer
from tests.support.writes import books_in

# Small books: fewer than 200 addresses and people, so each list is one page.
sandbox = sandbox_fixture(scale=0.1)

PEOPLE = """query($first: Int!, $business: ID) { contacts(first: $first, business: $business) {
  nodes { remoteId
    addresses { id remoteId addressType isMainAddress address { line1 postalCode countryCode } }
    contactPersons { remoteId name email roles isMainContact } } } }"""


@pytest.mark.parametrize("country", ["GB", "CA", "DE"])
async def test_each_contact_lists_its_addresses_and_people_as_sage_keeps_them(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, country: str
) -> None:
    books = books_in(sandbox, country)
    page = await data(server, http, PEOPLE, first=50, business=business_in(sandbox, country))
    contacts = page["contacts"]["nodes"]
    assert any(len(c["contactPersons"]) > 1 for c in contacts), "some have a second person"
    for node in contacts:
        contact = books.contacts[node["remoteId"]]
        addresses = [a for a in (contact.main_address, contact.delivery_address) if a]
        assert {a["remoteId"] for a in node["addresses"]} == {a.id for a in addresses}
        for found in node["addresses"]:
            stored = next(a for a in addresses if a.id == found["remoteId"])
            assert found["addressType"] == stored.address_type_id
            assert found["address"]["postalCode"] == (stored.postal_code or None)
        people = [contact.main_contact_person, *contact.other_contact_persons]
        assert [p["remoteId"] for p in node["contactPersons"]] == [p.id for p in people if p]
        assert [p["isMainContact"] for p in node["contactPersons"]] == [
            p.is_main_contact for p in people if p
        ]


@pytest.mark.parametrize("first", [2, 30])
async def test_a_page_of_contacts_reads_each_list_once_whatever_its_size(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, first: int
) -> None:
    await reset_stats(http, sandbox)
    page = await data(server, http, PEOPLE, first=first)
    assert len(page["contacts"]["nodes"]) == first
    calls = await sage_calls(http, sandbox)
    by_list = {
        name: sum(n for call, n in calls.items() if f"/v3.1/{name}" in call)
        for name in ("addresses", "contact_persons")
    }
    assert by_list == {"addresses": 1, "contact_persons": 1}, calls
    await reset_stats(http, sandbox)
    await data(server, http, PEOPLE, first=first)
    assert await sage_calls(http, sandbox) == {}


async def test_a_contact_without_people_or_addresses_lists_none(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    books = books_in(sandbox, "GB")
    bare = next(c for c in books.contacts.values() if c.main_address is None)
    query = """query($id: ID!) { contact(id: $id) { addresses { remoteId }
      contactPersons { remoteId } } }"""
    contacts = await data(server, http, "{ contacts(first: 200) { nodes { id remoteId } } }")
    gid = next(n["id"] for n in contacts["contacts"]["nodes"] if n["remoteId"] == bare.id)
    found = (await data(server, http, query, id=gid))["contact"]
    assert found["addresses"] == []
    assert found["contactPersons"] == []
    assert bare.main_contact_person is None
    assert not bare.other_contact_persons
