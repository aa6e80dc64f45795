"""``POST``/``PUT``/``DELETE`` ``/addresses`` and ``/contact_persons``: addresses and people
join their contact (the main one moves when another is made main) and leave it for
``deleted_since``, conform to Sage's swagger, and what Sage would refuse is a 422 naming the
field."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books.records import Contact
from tests.sandbox.sage_api import (
    books_of,
    error_of,
    in_business,
    ok,
    refs,
    refused,
    shared_sandbox_fixtures,
)
from tests.sandbox.test_conformance import assert_valid, envelope_validator, validator

pytestmark = pytest.mark.asyncio(loop_scope="module")
shared, sandbox, http, api = shared_sandbox_fixtures()

Json = dict[str, Any]


def address(owner: str, **fields: Any) -> Json:
    return {
        "address": {
            "contact_id": owner,
            "address_type_id": "DELIVERY",
            "name": "Depot",
            "is_main_address": False,
            "address_line_1": "2 Quay St",
            "city": "Dover",
            "postal_code": "CT1 1AA",
            "country_id": "GB",
            **fields,
        }
    }


async def test_a_new_main_address_and_person_take_over_from_the_old_ones(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    customer = refs(sandbox).customer
    contact = books_of(sandbox, "GB").contacts[customer]
    old_main = contact.main_address
    created = ok(await api.post("addresses", json=address(customer, is_main_address=True)), 201)
    assert_valid(validator("Address"), created)
    assert created["contact"]["id"] == customer
    assert contact.main_address is not None
    assert contact.main_address.id == created["id"]
    listed = ok(await api.get("addresses", params={"contact_id": customer, "attributes": "all"}))
    mains = [a["id"] for a in listed["$items"] if a["is_main_address"]]
    assert mains == [created["id"]]
    if old_main is not None:
        assert old_main.id in {a["id"] for a in listed["$items"]}
    person = ok(
        await api.post(
            "contact_persons",
            json={
                "contact_person": {
                    "address_id": created["id"],
                    "name": "Ada",
                    "contact_person_type_ids": ["SALES"],
                    "is_main_contact": True,
                }
            },
        ),
        201,
    )
    assert_valid(validator("ContactPerson"), person)
    assert person["address"]["id"] == created["id"]
    shown = ok(await api.get(f"contacts/{customer}"))
    assert shown["main_contact_person"]["id"] == person["id"]
    assert shown["main_address"]["id"] == created["id"]
    renamed = ok(
        await api.put(
            f"contact_persons/{person['id']}", json={"contact_person": {"job_title": "Owner"}}
        )
    )
    assert renamed["job_title"] == "Owner"


@pytest.mark.parametrize(
    ("fields", "source"),
    [
        ({"name": None}, "name"),
        ({"address_type_id": "HOME"}, "address_type_id"),
        ({"country_id": "QQ"}, "country_id"),
        ({"contact_id": "nobody"}, "contact_id"),
        ({"is_main_address": None}, "is_main_address"),
    ],
    ids=["no name", "bad type", "bad country", "unknown contact", "main not said"],
)
async def test_an_address_sage_would_refuse_names_the_field(
    api: httpx.AsyncClient, sandbox: RunningSandbox, fields: Json, source: str
) -> None:
    body = address(refs(sandbox).customer, **fields)
    body["address"] = {k: v for k, v in body["address"].items() if v is not None}
    assert refused(await api.post("addresses", json=body)) == {source}


async def test_a_canadian_address_needs_a_province_code(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    body = address(refs(sandbox, "CA").customer, country_id="CA", region="Ontario")
    response = await api.post("addresses", json=body, headers=in_business(sandbox, "CA"))
    assert refused(response) == {"region"}


async def test_the_main_address_and_person_cannot_be_unmade_nor_moved(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    r = refs(sandbox)
    main = ok(await api.post("addresses", json=address(r.customer, is_main_address=True)), 201)
    unmade = await api.put(f"addresses/{main['id']}", json={"address": {"is_main_address": False}})
    assert refused(unmade) == {"is_main_address"}
    moved = await api.put(f"addresses/{main['id']}", json={"address": {"contact_id": r.vendor}})
    assert refused(moved) == {"contact_id"}
    person = ok(
        await api.post(
            "contact_persons",
            json={
                "contact_person": {
                    "address_id": main["id"],
                    "name": "Bo",
                    "contact_person_type_ids": ["SALES"],
                    "is_main_contact": True,
                }
            },
        ),
        201,
    )
    unmade = await api.put(
        f"contact_persons/{person['id']}", json={"contact_person": {"is_main_contact": False}}
    )
    assert refused(unmade) == {"is_main_contact"}
    elsewhere = ok(await api.post("addresses", json=address(r.vendor)), 201)
    moved = await api.put(
        f"contact_persons/{person['id']}", json={"contact_person": {"address_id": elsewhere["id"]}}
    )
    assert refused(moved) == {"address_id"}


async def test_a_person_needs_an_address_a_name_and_a_type(api: httpx.AsyncClient) -> None:
    response = await api.post("contact_persons", json={"contact_person": {}})
    assert refused(response) == {"address_id", "name", "contact_person_type_ids"}


# -- deleting ------------------------------------------------------------------------------


def person_at(address_id: str) -> Json:
    return {
        "contact_person": {
            "address_id": address_id,
            "name": "Cy",
            "contact_person_type_ids": ["ACCOUNTS"],
            "is_main_contact": False,
        }
    }


def customer_of(sandbox: RunningSandbox) -> Contact:
    return books_of(sandbox, "GB").contacts[refs(sandbox).customer]


def new_person(contact: Contact) -> Json:
    assert contact.main_address is not None
    return person_at(contact.main_address.id)


@dataclass(frozen=True)
class Kind:
    """Addresses or people: the list, its swagger definition and a new (not main) one's body."""

    resource: str
    definition: str
    body: Callable[[Contact], Json]


KINDS = [
    Kind("addresses", "Address", lambda contact: address(contact.id)),
    Kind("contact_persons", "ContactPerson", new_person),
]


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.resource)
async def test_a_deleted_one_leaves_its_list_for_deleted_since(
    api: httpx.AsyncClient, sandbox: RunningSandbox, kind: Kind
) -> None:
    contact = customer_of(sandbox)
    created = ok(await api.post(kind.resource, json=kind.body(contact)), 201)
    path = f"{kind.resource}/{created['id']}"
    assert ok(await api.delete(path), 204) is None
    assert error_of(await api.get(path), 404)["$dataCode"] == "RecordNotFound"
    mine = {"contact_id": contact.id, "items_per_page": "200"}
    live = ok(await api.get(kind.resource, params=mine))
    assert created["id"] not in {item["id"] for item in live["$items"]}
    deleted = ok(await api.get(kind.resource, params={**mine, "deleted_since": "2000-01-01"}))
    assert_valid(envelope_validator(kind.definition), deleted)
    gone = {item["id"]: item for item in deleted["$items"]}
    assert set(gone[created["id"]]) == {"id", "displayed_as", "$path", "deleted_at"}
    # Deleted once: a second DELETE finds nothing.
    assert error_of(await api.delete(path), 404)["$dataCode"] == "RecordNotFound"


@pytest.mark.parametrize("resource", [k.resource for k in KINDS])
async def test_deleting_an_unknown_one_is_sages_record_not_found(
    api: httpx.AsyncClient, resource: str
) -> None:
    missing = error_of(await api.delete(f"{resource}/no-such-key"), 404)
    assert missing["$dataCode"] == "RecordNotFound"


def _main_address(sandbox: RunningSandbox) -> str:
    main = customer_of(sandbox).main_address
    assert main is not None
    return main.id


async def _contacts_main_address(_: httpx.AsyncClient, sandbox: RunningSandbox) -> str:
    return _main_address(sandbox)


async def _contacts_main_person(_: httpx.AsyncClient, sandbox: RunningSandbox) -> str:
    main = customer_of(sandbox).main_contact_person
    assert main is not None
    return main.id


async def _bank_accounts_address(api: httpx.AsyncClient, sandbox: RunningSandbox) -> str:
    body = address(refs(sandbox).bank, is_main_address=True, address_type_id="ACCOUNTS")
    body["address"]["bank_account_id"] = body["address"].pop("contact_id")
    created: str = ok(await api.post("addresses", json=body), 201)["id"]
    return created


@pytest.mark.parametrize(
    ("resource", "main"),
    [
        ("addresses", _contacts_main_address),
        ("contact_persons", _contacts_main_person),
        ("addresses", _bank_accounts_address),
    ],
    ids=["a contact's main address", "a contact's main person", "a bank account's address"],
)
async def test_the_one_an_owner_must_keep_cannot_be_deleted(
    api: httpx.AsyncClient,
    sandbox: RunningSandbox,
    resource: str,
    main: Callable[[httpx.AsyncClient, RunningSandbox], Awaitable[str]],
) -> None:
    path = f"{resource}/{await main(api, sandbox)}"
    assert refused(await api.delete(path)) == {"base"}
    ok(await api.get(path))


async def test_the_people_at_a_deleted_address_stay_at_the_contacts_main_address(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    contact = customer_of(sandbox)
    depot = ok(await api.post("addresses", json=address(contact.id)), 201)
    person = ok(await api.post("contact_persons", json=person_at(depot["id"])), 201)
    ok(await api.delete(f"addresses/{depot['id']}"), 204)
    moved = ok(await api.get(f"contact_persons/{person['id']}"))
    assert moved["address"]["id"] == _main_address(sandbox)
    assert refused(await api.post("contact_persons", json=person_at(depot["id"]))) == {"address_id"}
