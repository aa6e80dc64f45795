"""The seeded world: who exists, which businesses they reach, and how books are seeded."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest

from ledgergraph.sandbox.books import DEMO_USER_ID, SOLO_USER_ID, World, business_id_for
from ledgergraph.sandbox.books.countries import COUNTRY_CODES, LIVE_COUNTRY_CODES
from tests.sandbox.sage_api import HEX32

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
NOW = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
def world() -> World:
    return World.seeded(7, 1.0, now=NOW)


def test_the_demo_user_has_a_business_in_every_country_and_leads_with_the_uk(world: World) -> None:
    demo = world.users[DEMO_USER_ID]
    countries = [world.businesses[b].country_code for b in demo.business_ids]
    assert len(demo.business_ids) >= 8
    assert set(countries) >= set(COUNTRY_CODES)
    assert world.businesses[demo.lead_business_id].country_code == "GB"
    assert set(LIVE_COUNTRY_CODES) <= set(countries)


def test_the_solo_user_has_exactly_one_uk_business(world: World) -> None:
    solo = world.users[SOLO_USER_ID]
    assert len(solo.business_ids) == 1
    assert solo.lead_business_id == solo.business_ids[0]
    assert world.businesses[solo.lead_business_id].country_code == "GB"
    assert not set(solo.business_ids) & set(world.users[DEMO_USER_ID].business_ids)


def test_ids_look_like_sages(world: World) -> None:
    assert all(UUID.match(user_id) for user_id in world.users)
    assert all(HEX32.match(business_id) for business_id in world.businesses)


def test_business_ids_do_not_depend_on_the_seed() -> None:
    assert set(World.seeded(1).businesses) == set(World.seeded(2).businesses)
    assert business_id_for("brightwater") in World.seeded(3).businesses


def test_the_same_seed_seeds_the_same_books() -> None:
    first, second = World.seeded(11, now=NOW), World.seeded(11, now=NOW)
    for business_id in (business_id_for("brightwater"), business_id_for("maple-ridge")):
        a, b = first.businesses[business_id].books, second.businesses[business_id].books
        assert list(a.contacts) == list(b.contacts)
        assert [(i.number, i.total_amount, i.status_id) for i in a.sales_invoices.values()] == [
            (i.number, i.total_amount, i.status_id) for i in b.sales_invoices.values()
        ]


def test_another_seed_seeds_other_books() -> None:
    gb = business_id_for("brightwater")
    a = World.seeded(1, now=NOW).businesses[gb].books
    b = World.seeded(2, now=NOW).businesses[gb].books
    assert list(a.contacts) != list(b.contacts)


def test_books_are_seeded_lazily_and_quickly() -> None:
    started = time.perf_counter()
    world = World.seeded(5)
    assert time.perf_counter() - started < 0.05
    assert not any(b.books_seeded for b in world.businesses.values())
    business = world.businesses[business_id_for("maple-ridge")]
    started = time.perf_counter()
    assert business.books.sales_invoices
    assert time.perf_counter() - started < 0.5
    assert [b.key for b in world.businesses.values() if b.books_seeded] == ["maple-ridge"]


def test_seeded_history_spreads_over_the_year_before_the_world_began(world: World) -> None:
    books = world.businesses[business_id_for("brightwater")].books
    invoices = list(books.sales_invoices.values())
    created = [i.created_at for i in invoices]
    assert max(i.updated_at for i in invoices) < NOW
    assert min(created) >= NOW - timedelta(days=366)
    assert max(created) - min(created) > timedelta(days=300)
    assert max(c.updated_at for c in books.contacts.values()) < NOW


def test_scale_multiplies_the_transactions() -> None:
    gb = business_id_for("brightwater")
    full = World.seeded(3, 1.0, now=NOW).businesses[gb].books
    quarter = World.seeded(3, 0.25, now=NOW).businesses[gb].books
    empty = World.seeded(3, 0.0, now=NOW).businesses[gb].books
    assert len(full.sales_invoices) == 400
    assert len(quarter.sales_invoices) == 100
    assert len(full.contacts) >= 300
    assert not empty.sales_invoices
    assert not empty.contact_payments
    assert empty.tax_rates
    assert empty.ledger_accounts


def test_seeded_books_use_every_payment_status(world: World) -> None:
    books = world.businesses[business_id_for("brightwater")].books
    statuses = {i.status_id for i in books.sales_invoices.values()}
    assert statuses == {"UNPAID", "PART_PAID", "PAID", "VOID", "DRAFT"}
    assert {p.transaction_type_id for p in books.contact_payments.values()} == {
        "CUSTOMER_RECEIPT",
        "VENDOR_PAYMENT",
        "CUSTOMER_REFUND",
    }


def test_revoking_the_lead_business_makes_another_the_lead(world: World) -> None:
    demo = world.users[DEMO_USER_ID]
    lead = demo.lead_business_id
    world.revoke_access(DEMO_USER_ID, lead)
    assert not world.user_can_access(DEMO_USER_ID, lead)
    assert demo.lead_business_id
    assert demo.lead_business_id != lead
    assert world.user_can_access(DEMO_USER_ID, demo.lead_business_id)


def test_access_can_be_granted_and_the_lead_moved(world: World) -> None:
    solo_business = world.users[SOLO_USER_ID].lead_business_id
    assert not world.user_can_access(DEMO_USER_ID, solo_business)
    with pytest.raises(ValueError, match="cannot access"):
        world.set_lead_business(DEMO_USER_ID, solo_business)
    world.grant_access(DEMO_USER_ID, solo_business)
    world.set_lead_business(DEMO_USER_ID, solo_business)
    assert world.lead_business(DEMO_USER_ID) is world.businesses[solo_business]


def test_losing_every_business_leaves_no_lead(world: World) -> None:
    solo = world.users[SOLO_USER_ID]
    world.revoke_access(SOLO_USER_ID, solo.lead_business_id)
    assert solo.lead_business_id == ""
    assert world.lead_business(SOLO_USER_ID) is None
