"""``createContactAddress``, ``updateContactAddress``, ``createContactPerson`` and
``updateContactPerson``: a contact's addresses and people are written once per key in Sage's
live countries, show at once in the contact's lists, move the main address (or person) as Sage
does, and what Sage would refuse is refused naming the field."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ledgergraph.ids import GlobalId
from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books.records import Contact
from tests.mutations.conftest import new_key
from tests.queries.conftest import business_in
from tests.support.fixtures import sandbox_fixture, server_fixture
from tests.support.server import LiveServer
from tests.support.writes import (
    books_in,
    connect_demo,
    contact_of,
    refused_before_writing,
    written_once,
)

sandbox = sandbox_fixture(scale=0.1)
server = server_fixture(prepare=connect_demo, retry_max_delay=0.05)

LIVE_COUNTRIES = ["GB", "IE", "CA"]
# A valid region where Sage checks it (Canada's provinces), free text elsewhere.
REGIONS = {"GB": "Kent", "IE": "Co. Cork", "CA": "BC"}

ADDRESS_FIELDS = """id remoteId addressType name isMainAddress
  address { line1 city region postalCode countryCode }"""
PERSON_FIELDS = "id remoteId name jobTitle email roles isMainContact isPreferredContact"
CREATE_ADDRESS = f"""mutation($key: String, $input: ContactAddressInput!) {{
  createContactAddress(idempotencyKey: $key, input: $input) {{ {ADDRESS_FIELDS} }} }}"""
UPDATE_ADDRESS = f"""mutation($key: String, $id: ID!, $input: ContactAddressUpdateInput!) {{
  updateContactAddress(idempotencyKey: $key, id: $id, input: $input) {{ {ADDRESS_FIELDS} }} }}"""
CREATE_PERSON = f"""mutation($key: String, $input: ContactPersonInput!) {{
  createContactPerson(idempotencyKey: $key, input: $input) {{ {PERSON_FIELDS} }} }}"""
UPDATE_PERSON = f"""mutation($key: String, $id: ID!, $input: ContactPersonUpdateInput!) {{
  updateContactPerson(idempotencyKey: $key, id: $id, input: $input) {{ {PERSON_FIELDS} }} }}"""
CONTACT = """query($id: ID!) { node(id: $id) { ... on Contact {
  mainAddress { line1 }
  addresses { remoteId isMainAddress addressType }
  contactPersons { remoteId isMainContact } } } }"""


def contact_record(sandbox: RunningSandbox, country: str, contact: str) -> Contact:
    return books_in(sandbox, country).contacts[GlobalId.decode(contact).remote_id]


def address_input(contact: str, country: str, **fields: Any) -> dict[str, Any]:
    return {
        "contactId": contact,
        "addressType": "DELIVERY",
        "name": "Warehouse",
        "address": {
            "line1": "1 Dock Road",
            "city": "Harbourtown",
            "region": REGIONS[country],
            "postalCode": "D1 1AA",
            "countryCode": country,
        },
        **fields,
    }


async def run(
    server: LiveServer, http: httpx.AsyncClient, query: str, **variables: Any
) -> dict[str, Any]:
    return await server.graphql(http, "acme", query, {"key": new_key(), **variables})


async def new_address(
    server: LiveServer, http: httpx.AsyncClient, contact: str, country: str, **fields: Any
) -> dict[str, Any]:
    body = await run(server, http, CREATE_ADDRESS, input=address_input(contact, country, **fields))
    assert "errors" not in body, body["errors"]
    created: dict[str, Any] = body["data"]["createContactAddress"]
    return created


@pytest.mark.parametrize("country", LIVE_COUNTRIES)
async def test_a_delivery_address_is_added_once_per_key_and_listed_at_once(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, country: str
) -> None:
    contact = await contact_of(server, http, business_in(sandbox, country), "CUSTOMER")
    before = await server.graphql(http, "acme", CONTACT, {"id": contact})
    variables = {"key": new_key(), "input": address_input(contact, country)}
    data = await written_once(lambda: server.graphql(http, "acme", CREATE_ADDRESS, variables))
    created = data["createContactAddress"]
    assert created["addressType"] == "DELIVERY"
    assert created["isMainAddress"] is False
    assert created["address"]["region"] == REGIONS[country]
    after = await server.graphql(http, "acme", CONTACT, {"id": contact})
    listed = after["data"]["node"]["addresses"]
    assert len(listed) == len(before["data"]["node"]["addresses"]) + 1
    assert created["remoteId"] in {a["remoteId"] for a in listed}
    record = contact_record(sandbox, country, contact)
    assert record.main_address is not None
    assert record.main_address.id != created["remoteId"]


@pytest.mark.parametrize("country", LIVE_COUNTRIES)
async def test_an_address_made_main_replaces_the_main_address(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, country: str
) -> None:
    contact = await contact_of(server, http, business_in(sandbox, country), "CUSTOMER")
    old_main = contact_record(sandbox, country, contact).main_address
    created = await new_address(server, http, contact, country, addressType="ACCOUNTS")
    key = new_key()
    variables = {"key": key, "id": created["id"], "input": {"isMain": True, "name": "Head office"}}
    data = await written_once(lambda: server.graphql(http, "acme", UPDATE_ADDRESS, variables))
    assert data["updateContactAddress"]["isMainAddress"] is True
    assert data["updateContactAddress"]["name"] == "Head office"
    after = (await server.graphql(http, "acme", CONTACT, {"id": contact}))["data"]["node"]
    assert after["mainAddress"]["line1"] == "1 Dock Road"
    mains = [a["remoteId"] for a in after["addresses"] if a["isMainAddress"]]
    assert mains == [created["remoteId"]]
    if old_main is not None:
        assert old_main.id in {a["remoteId"] for a in after["addresses"]}


@pytest.mark.parametrize("country", LIVE_COUNTRIES)
async def test_a_person_is_added_and_made_main_once_per_key(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, country: str
) -> None:
    contact = await contact_of(server, http, business_in(sandbox, country), "CUSTOMER")
    address = await new_address(server, http, contact, country)
    person = {
        "addressId": address["id"],
        "name": "Dana Scully",
        "roles": ["SALES", "ACCOUNTS"],
        "jobTitle": "Buyer",
        "email": "dana@example.com",
    }
    variables = {"key": new_key(), "input": person}
    data = await written_once(lambda: server.graphql(http, "acme", CREATE_PERSON, variables))
    created = data["createContactPerson"]
    assert created["roles"] == ["ACCOUNTS", "SALES"]
    assert created["isMainContact"] is False
    updated = await run(
        server, http, UPDATE_PERSON, id=created["id"], input={"isMain": True, "jobTitle": "CFO"}
    )
    assert "errors" not in updated, updated["errors"]
    assert updated["data"]["updateContactPerson"]["jobTitle"] == "CFO"
    after = (await server.graphql(http, "acme", CONTACT, {"id": contact}))["data"]["node"]
    mains = [p["remoteId"] for p in after["contactPersons"] if p["isMainContact"]]
    assert mains == [created["remoteId"]]
    record = contact_record(sandbox, country, contact)
    assert record.main_contact_person is not None
    assert record.main_contact_person.id == created["remoteId"]
    assert record.main_contact_person.address_id == address["remoteId"]


ADDRESS_REFUSALS = [
    ({"address": {"countryCode": "gb"}}, "input.address.countryCode"),
    ({"address": {"countryCode": "GBR"}}, "input.address.countryCode"),
    ({"address": {"postalCode": "X" * 11}}, "input.address.postalCode"),
    ({"name": " "}, "input.name"),
    ({"contactId": "not-an-id"}, "input.contactId"),
    # Where Sage checks the region (Canada's provinces), a province code.
    ({"address": {"countryCode": "CA", "region": "British Columbia"}}, "input.address.region"),
]


@pytest.mark.parametrize(
    ("fields", "field"),
    ADDRESS_REFUSALS,
    ids=[
        "lowercase country",
        "three-letter country",
        "long postcode",
        "blank name",
        "bad id",
        "province name",
    ],
)
async def test_an_address_sage_would_refuse_is_refused_before_any_write(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    fields: dict[str, Any],
    field: str,
) -> None:
    contact = await contact_of(server, http, business_in(sandbox, "GB"), "CUSTOMER")
    data = address_input(contact, "GB")
    data |= {k: v for k, v in fields.items() if k != "address"}
    data["address"] |= fields.get("address", {})
    await refused_before_writing(
        http, sandbox, lambda: run(server, http, CREATE_ADDRESS, input=data), field
    )


# Well formed, but no province or country: Sage's to refuse.
@pytest.mark.parametrize(
    ("country", "address", "sage_field"),
    [("CA", {"region": "ZZ"}, "region"), ("IE", {"countryCode": "QQ"}, "country_id")],
    ids=["unknown province", "unknown country"],
)
async def test_an_unknown_province_or_country_is_refused_by_sage_naming_it(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    country: str,
    address: dict[str, str],
    sage_field: str,
) -> None:
    contact = await contact_of(server, http, business_in(sandbox, country), "CUSTOMER")
    data = address_input(contact, country)
    data["address"] |= address
    body = await run(server, http, CREATE_ADDRESS, input=data)
    error = body["errors"][0]
    assert error["extensions"]["code"] == "VALIDATION_FAILED"
    assert [f["field"] for f in error["extensions"]["fields"]] == [sage_field]


async def test_the_main_address_and_person_cannot_be_unmade(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    contact = await contact_of(server, http, business_in(sandbox, "GB"), "CUSTOMER")
    main = await new_address(server, http, contact, "GB", isMain=True)
    body = await run(server, http, UPDATE_ADDRESS, id=main["id"], input={"isMain": False})
    assert body["errors"][0]["extensions"]["field"] == "input.isMain"
    person = await run(
        server,
        http,
        CREATE_PERSON,
        input={"addressId": main["id"], "name": "Fox", "roles": ["SALES"], "isMain": True},
    )
    assert "errors" not in person, person["errors"]
    created = person["data"]["createContactPerson"]
    body = await run(server, http, UPDATE_PERSON, id=created["id"], input={"isMain": False})
    assert body["errors"][0]["extensions"]["field"] == "input.isMain"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"roles": []}, "input.roles"),
        ({"email": "not-an-email"}, "input.email"),
        ({"name": ""}, "input.name"),
        ({"addressId": "not-an-id"}, "input.addressId"),
    ],
    ids=["no roles", "bad email", "empty name", "bad address id"],
)
async def test_a_person_sage_would_refuse_is_refused_naming_the_field(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    fields: dict[str, Any],
    field: str,
) -> None:
    contact = await contact_of(server, http, business_in(sandbox, "GB"), "CUSTOMER")
    address = await new_address(server, http, contact, "GB")
    data = {"addressId": address["id"], "name": "Walter", "roles": ["SALES"], **fields}
    await refused_before_writing(
        http, sandbox, lambda: run(server, http, CREATE_PERSON, input=data), field
    )


async def test_a_person_cannot_move_to_another_contacts_address(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    business = business_in(sandbox, "GB")
    query = "query($b: ID) { contacts(business: $b, kind: CUSTOMER, first: 2) { nodes { id } } }"
    nodes = (await server.graphql(http, "acme", query, {"b": business}))["data"]["contacts"]
    first, second = (n["id"] for n in nodes["nodes"])
    here = await new_address(server, http, first, "GB")
    there = await new_address(server, http, second, "GB")
    person = await run(
        server,
        http,
        CREATE_PERSON,
        input={"addressId": here["id"], "name": "Skinner", "roles": ["PURCHASING"]},
    )
    assert "errors" not in person, person["errors"]
    moved = await run(
        server,
        http,
        UPDATE_PERSON,
        id=person["data"]["createContactPerson"]["id"],
        input={"addressId": there["id"]},
    )
    error = moved["errors"][0]
    assert error["extensions"]["code"] == "VALIDATION_FAILED"
    assert [f["field"] for f in error["extensions"]["fields"]] == ["address_id"]
