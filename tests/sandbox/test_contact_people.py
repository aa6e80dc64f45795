"""``/addresses`` and ``/contact_persons``: views of the contacts' (and bank accounts')
addresses and people, filtered as Sage filters them, following edits made through
``/contacts``; writes go through ``/contacts``."""

from __future__ import annotations

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox, SandboxConfig
from tests.sandbox.sage_api import SMALL_BOOKS, books_of, ok, refs

ALL = {"attributes": "all", "items_per_page": "200"}


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    return SMALL_BOOKS


async def test_addresses_list_every_contact_and_bank_address_and_filter_by_owner(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    books = books_of(sandbox, "GB")
    page = ok(await api.get("addresses", params=ALL))
    contact_addresses = {
        a.id
        for c in books.contacts.values()
        if not c.deleted
        for a in (c.main_address, c.delivery_address)
        if a
    }
    bank_addresses = {b.main_address.id for b in books.bank_accounts.values() if b.main_address}
    assert {a["id"] for a in page["$items"]} == contact_addresses | bank_addresses
    customer = refs(sandbox).customer
    mine = ok(await api.get("addresses", params={**ALL, "contact_id": customer}))
    assert [a["contact"]["id"] for a in mine["$items"]] == [customer] * len(mine["$items"]) != []
    bank = refs(sandbox).bank
    banks = ok(await api.get("addresses", params={**ALL, "bank_account_id": bank}))
    assert all(a["bank_account"]["id"] == bank for a in banks["$items"])


async def test_people_list_with_their_address_and_filter_by_contact_and_address(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    books = books_of(sandbox, "GB")
    contact = next(c for c in books.contacts.values() if c.other_contact_persons)
    assert contact.main_address is not None
    mine = ok(await api.get("contact_persons", params={**ALL, "contact_id": contact.id}))
    people = [contact.main_contact_person, *contact.other_contact_persons]
    assert [p["id"] for p in mine["$items"]] == [p.id for p in people if p]
    assert {p["address"]["id"] for p in mine["$items"]} == {contact.main_address.id}
    at = ok(await api.get("contact_persons", params={**ALL, "address_id": contact.main_address.id}))
    assert at["$items"] == mine["$items"]
    second = people[-1]
    assert second is not None
    detail = ok(await api.get(f"contact_persons/{second.id}"))
    assert detail["is_main_contact"] is False


async def test_an_edit_through_contacts_shows_in_addresses(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    customer = refs(sandbox).customer
    body = {"contact": {"main_address": {"address_line_1": "1 New Street"}}}
    ok(await api.put(f"contacts/{customer}", json=body))
    mine = ok(await api.get("addresses", params={**ALL, "contact_id": customer}))
    assert "1 New Street" in {a["address_line_1"] for a in mine["$items"]}
    # Writes of their own: tests/sandbox/test_contact_people_writes.py.
    refused = await api.post("addresses", json={"address": {"name": "x"}})
    assert refused.status_code == 422
