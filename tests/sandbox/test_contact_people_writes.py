"""``POST``/``PUT`` ``/addresses`` and ``/contact_persons``: addresses and people join their
contact (the main one moves when another is made main), conform to Sage's swagger, and what
Sage would refuse is a 422 naming the field."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from tests.sandbox.sage_api import books_of, in_business, ok, refs, refused, shared_sandbox_fixtures
from tests.sandbox.test_conformance import assert_valid, validator

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
