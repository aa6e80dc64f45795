"""The list filters each resource takes, per Sage's swagger."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from tests.sandbox.sage_api import books_of, error_of, in_business, ok, shared_sandbox_fixtures

pytestmark = pytest.mark.asyncio(loop_scope="module")
shared, sandbox, http, api = shared_sandbox_fixtures()

Json = dict[str, Any]


async def every(api: httpx.AsyncClient, path: str, **params: Any) -> list[Json]:
    """Every item of a filtered list, following ``$next``."""
    page = ok(await api.get(path, params={"items_per_page": 200, **params}))
    items: list[Json] = page["$items"]
    while page["$next"]:
        page = ok(await api.get(page["$next"].lstrip("/")))
        items += page["$items"]
    return items


async def ids(api: httpx.AsyncClient, path: str, **params: Any) -> set[str]:
    return {item["id"] for item in await every(api, path, **params)}


def zulu(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def product(sandbox: RunningSandbox) -> Callable[[str], Json]:
    books = books_of(sandbox, "GB")
    ledgers = {
        "sales_ledger_account_id": books.ledger_account_by_code(4000).id,
        "purchase_ledger_account_id": books.ledger_account_by_code(5000).id,
    }
    return lambda description: {"product": {"description": description, **ledgers}}


# -- incremental sync ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "collection",
    [
        "contacts",
        "sales_invoices",
        "purchase_invoices",
        "sales_credit_notes",
        "contact_payments",
        "products",
        "services",
        "bank_accounts",
        "ledger_accounts",
    ],
)
async def test_updated_or_created_since_is_inclusive(
    api: httpx.AsyncClient, sandbox: RunningSandbox, collection: str
) -> None:
    records = [r for r in getattr(books_of(sandbox, "GB"), collection).values() if not r.deleted]
    pivot = sorted(records, key=lambda r: r.updated_at)[len(records) // 2]
    since = pivot.updated_at.replace(microsecond=0)
    expected = {r.id for r in records if r.updated_at >= since or r.created_at >= since}
    found = await ids(api, collection, updated_or_created_since=zulu(since))
    assert pivot.id in found
    assert found == expected


@pytest.mark.parametrize(
    "since", ["{day}", "{day}T00:00:00Z", "{day}T01:00:00+01:00", "{day}T00:00:00"]
)
async def test_updated_or_created_since_takes_dates_and_date_times(
    api: httpx.AsyncClient, sandbox: RunningSandbox, since: str
) -> None:
    invoices = books_of(sandbox, "GB").sales_invoices.values()
    day = max(i.date for i in invoices) - timedelta(days=60)
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    expected = {i.id for i in invoices if i.updated_at >= midnight or i.created_at >= midnight}
    found = await ids(api, "sales_invoices", updated_or_created_since=since.format(day=day))
    assert found == expected


async def test_deleted_since_lists_only_deletions_and_keeps_them_out_of_lists(
    api: httpx.AsyncClient, product: Callable[[str], Json]
) -> None:
    created = [ok(await api.post("products", json=product(f"Doomed {n}")), 201) for n in range(2)]
    mine = [item["id"] for item in created]
    for item in created:
        ok(await api.delete(f"products/{item['id']}"), 204)
    deleted = await every(api, "products", deleted_since="2000-01-01")
    assert [item["id"] for item in deleted if item["id"] in mine] == mine
    assert all(set(item) == {"id", "displayed_as", "$path", "deleted_at"} for item in deleted)
    assert not await ids(api, "products", deleted_since="2999-01-01")
    assert not (await ids(api, "products")) & set(mine)


async def test_deleted_since_is_exclusive(
    api: httpx.AsyncClient, sandbox: RunningSandbox, product: Callable[[str], Json]
) -> None:
    item = ok(await api.post("products", json=product("Gone at once")), 201)
    ok(await api.delete(f"products/{item['id']}"), 204)
    deleted_at = books_of(sandbox, "GB").products[item["id"]].deleted_at
    assert deleted_at is not None
    assert not await ids(api, "products", deleted_since=deleted_at.isoformat())
    just_before = (deleted_at - timedelta(microseconds=1)).isoformat()
    assert await ids(api, "products", deleted_since=just_before) == {item["id"]}


@pytest.mark.parametrize("name", ["updated_or_created_since", "deleted_since"])
async def test_a_malformed_instant_is_refused(api: httpx.AsyncClient, name: str) -> None:
    error = error_of(await api.get("contacts", params={name: "last tuesday"}), 422)
    assert error["$source"] == name


# -- contacts ---------------------------------------------------------------------------


@pytest.mark.parametrize("contact_type", ["CUSTOMER", "VENDOR"])
async def test_contacts_filter_by_type(
    api: httpx.AsyncClient, sandbox: RunningSandbox, contact_type: str
) -> None:
    contacts = books_of(sandbox, "GB").contacts.values()
    expected = {c.id for c in contacts if c.is_a(contact_type) and not c.deleted}
    assert await ids(api, "contacts", contact_type_id=contact_type) == expected


async def test_contacts_search_name_and_reference(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    contact = next(c for c in books_of(sandbox, "GB").contacts.values() if not c.system)
    assert contact.reference is not None
    assert contact.id in await ids(api, "contacts", search=contact.name.upper())
    assert contact.id in await ids(api, "contacts", search=contact.reference.lower())


async def test_contacts_can_leave_out_system_and_inactive_ones(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    contacts = books_of(sandbox, "GB").contacts.values()
    system = {c.id for c in contacts if c.system}
    inactive = {c.id for c in contacts if not c.is_active}
    assert system
    assert inactive
    assert not (await ids(api, "contacts", exclude_system="true")) & system
    assert not (await ids(api, "contacts", filter_inactive_contacts="true")) & inactive


async def test_contacts_filter_by_email(api: httpx.AsyncClient, sandbox: RunningSandbox) -> None:
    contact = next(c for c in books_of(sandbox, "GB").contacts.values() if c.email)
    assert contact.email is not None
    assert contact.id in await ids(api, "contacts", email=contact.email.upper())


async def test_show_balance_adds_what_a_contact_owes(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    books = books_of(sandbox, "GB")
    invoice = next(i for i in books.sales_invoices.values() if i.status_id == "UNPAID")
    plain = ok(await api.get(f"contacts/{invoice.contact_id}"))
    shown = ok(await api.get(f"contacts/{invoice.contact_id}", params={"show_balance": "true"}))
    assert "balance" not in plain
    assert float(shown["balance"]) >= float(invoice.outstanding_amount) - sum(
        float(p.on_account_amount)
        for p in books.contact_payments.values()
        if p.contact_id == invoice.contact_id
    )


# -- artefacts --------------------------------------------------------------------------

ARTEFACTS = ["sales_invoices", "purchase_invoices", "sales_credit_notes"]


@pytest.mark.parametrize("collection", ARTEFACTS)
async def test_artefacts_filter_by_contact(
    api: httpx.AsyncClient, sandbox: RunningSandbox, collection: str
) -> None:
    artefacts = getattr(books_of(sandbox, "GB"), collection).values()
    contact_id = next(iter(artefacts)).contact_id
    expected = {a.id for a in artefacts if a.contact_id == contact_id and not a.deleted}
    assert await ids(api, collection, contact_id=contact_id) == expected


@pytest.mark.parametrize("status", ["UNPAID", "PART_PAID", "PAID", "VOID", "DRAFT"])
async def test_sales_invoices_filter_by_status(
    api: httpx.AsyncClient, sandbox: RunningSandbox, status: str
) -> None:
    invoices = books_of(sandbox, "GB").sales_invoices.values()
    expected = {i.id for i in invoices if i.status_id == status}
    assert expected
    assert await ids(api, "sales_invoices", status_id=status) == expected


@pytest.mark.parametrize("collection", ARTEFACTS)
async def test_artefacts_filter_by_date_range_inclusively(
    api: httpx.AsyncClient, sandbox: RunningSandbox, collection: str
) -> None:
    artefacts = list(getattr(books_of(sandbox, "GB"), collection).values())
    days = sorted(a.date for a in artefacts)
    start, end = days[len(days) // 4], days[len(days) // 2]
    expected = {a.id for a in artefacts if start <= a.date <= end}
    assert (
        await ids(api, collection, from_date=start.isoformat(), to_date=end.isoformat()) == expected
    )


async def test_sales_invoices_search_reference_number_or_contact_name(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    invoices = books_of(sandbox, "GB").sales_invoices.values()
    with_reference = next(i for i in invoices if i.reference)
    assert with_reference.reference is not None
    assert with_reference.id in await ids(api, "sales_invoices", search=with_reference.reference)
    by_contact = await ids(api, "sales_invoices", search=with_reference.contact_name)
    assert by_contact >= {i.id for i in invoices if i.contact_name == with_reference.contact_name}


@pytest.mark.parametrize("attribute", ["date", "due_date", "created_at", "updated_at"])
@pytest.mark.parametrize("direction", ["asc", "desc"])
async def test_artefacts_sort(api: httpx.AsyncClient, attribute: str, direction: str) -> None:
    items = await every(
        api, "sales_invoices", sort=f"{attribute}:{direction}", attributes=attribute
    )
    values = [item[attribute] for item in items]
    assert values == sorted(values, reverse=direction == "desc")


async def test_show_payments_allocations_lists_the_payments(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    invoice = next(
        i for i in books_of(sandbox, "GB").sales_invoices.values() if i.status_id == "PAID"
    )
    plain = ok(await api.get(f"sales_invoices/{invoice.id}"))
    shown = ok(
        await api.get(f"sales_invoices/{invoice.id}", params={"show_payments_allocations": "true"})
    )
    assert "payments_allocations" not in plain
    allocations = shown["payments_allocations"]
    assert [a["contact_payment"]["id"] for a in allocations] == [
        a.payment_id for a in invoice.allocations
    ]
    assert allocations[0]["type"] == "Customer Receipt"
    assert allocations[0]["amount"] == plain["total_paid"]


# -- payments ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["CUSTOMER_RECEIPT", "VENDOR_PAYMENT", "CUSTOMER_REFUND"])
async def test_payments_filter_by_transaction_type(
    api: httpx.AsyncClient, sandbox: RunningSandbox, kind: str
) -> None:
    payments = books_of(sandbox, "GB").contact_payments.values()
    expected = {p.id for p in payments if p.transaction_type_id == kind}
    assert await ids(api, "contact_payments", transaction_type_id=kind) == expected


async def test_payments_filter_by_contact_bank_account_and_dates(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    payments = list(books_of(sandbox, "GB").contact_payments.values())
    sample = payments[len(payments) // 2]
    assert await ids(api, "contact_payments", contact_id=sample.contact_id) == {
        p.id for p in payments if p.contact_id == sample.contact_id
    }
    assert await ids(api, "contact_payments", bank_account_id=sample.bank_account_id) == {
        p.id for p in payments if p.bank_account_id == sample.bank_account_id
    }
    assert await ids(api, "contact_payments", from_date=sample.date, to_date=sample.date) == {
        p.id for p in payments if p.date == sample.date
    }


# -- ledger accounts ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "area",
    ["sales", "expenses", "banking", "journals", "other_payments", "other_receipts", "reporting"],
)
async def test_ledger_accounts_filter_by_where_they_are_visible(
    api: httpx.AsyncClient, area: str
) -> None:
    shown = await every(api, "ledger_accounts", visible_in=area, attributes=f"visible_in_{area}")
    hidden = await every(
        api, "ledger_accounts", not_visible_in=area, attributes=f"visible_in_{area}"
    )
    assert shown
    assert all(item[f"visible_in_{area}"] for item in shown)
    assert not any(item[f"visible_in_{area}"] for item in hidden)
    assert len(shown) + len(hidden) == len(await every(api, "ledger_accounts"))


async def test_sales_ledger_accounts_are_income_accounts(api: httpx.AsyncClient) -> None:
    items = await every(
        api, "ledger_accounts", visible_in="sales", attributes="ledger_account_type"
    )
    assert {item["ledger_account_type"]["id"] for item in items} <= {"SALES", "OTHER_INCOME"}


async def test_ledger_accounts_filter_by_type_control_and_chart(api: httpx.AsyncClient) -> None:
    banks = await every(
        api, "ledger_accounts", ledger_account_type_id="BANK", attributes="nominal_code"
    )
    assert {item["nominal_code"] for item in banks} == {1200, 1210, 1230}
    control = await every(
        api, "ledger_accounts", show_control_accounts="true", attributes="control_name"
    )
    assert control
    assert all(item["control_name"] for item in control)
    others = await every(
        api, "ledger_accounts", show_control_accounts="false", attributes="control_name"
    )
    assert not any(item["control_name"] for item in others)
    assert not await every(api, "ledger_accounts", show_included_in_chart="false")


@pytest.mark.parametrize(
    ("search", "code"), [("1200", 1200), ("trade debtors", 1100), ("VAT on Sales", 2200)]
)
async def test_ledger_accounts_search_code_or_name(
    api: httpx.AsyncClient, search: str, code: int
) -> None:
    items = await every(api, "ledger_accounts", search=search, attributes="nominal_code")
    assert code in {item["nominal_code"] for item in items}


# -- tax rates ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("CA-BC", {"CA_GST", "CA_PST_BC", "CA_GST_PST_BC", "CA_ZERO", "CA_EXEMPT"}),
        ("CA-ON", {"CA_HST_ON", "CA_ZERO", "CA_EXEMPT"}),
        ("CA-QC", {"CA_GST", "CA_QST", "CA_GST_QST", "CA_ZERO", "CA_EXEMPT"}),
        ("CA-AB", {"CA_GST", "CA_ZERO", "CA_EXEMPT"}),
    ],
)
async def test_canadian_tax_rates_filter_by_province(
    api: httpx.AsyncClient, sandbox: RunningSandbox, region: str, expected: set[str]
) -> None:
    headers = in_business(sandbox, "CA")
    page = ok(
        await api.get(
            "tax_rates", params={"usage": "sales", "address_region_id": region}, headers=headers
        )
    )
    assert {item["id"] for item in page["$items"]} == expected
    everything = ok(await api.get("tax_rates", headers=headers))
    assert everything["$total"] == 16


@pytest.mark.parametrize("usage", ["sales", "purchase"])
async def test_tax_rates_filter_by_usage(api: httpx.AsyncClient, usage: str) -> None:
    assert ok(await api.get("tax_rates", params={"usage": usage}))["$total"] == 5


@pytest.mark.parametrize(
    ("on", "percentage", "periods"),
    [("2020-08-01", "16.0", 1), ("2019-01-01", "19.0", 1), (None, "19.0", 1)],
)
async def test_tax_rates_show_the_percentage_on_a_date(
    api: httpx.AsyncClient, sandbox: RunningSandbox, on: str | None, percentage: str, periods: int
) -> None:
    params = {"date": on} if on else {}
    rate = ok(
        await api.get("tax_rates/DE_STANDARD", params=params, headers=in_business(sandbox, "DE"))
    )
    assert rate["percentage"] == percentage
    assert len(rate["percentages"]) == periods


async def test_historical_data_shows_every_period(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    params = {"include_historical_data": "true"}
    rate = ok(
        await api.get("tax_rates/DE_STANDARD", params=params, headers=in_business(sandbox, "DE"))
    )
    assert [p["percentage"] for p in rate["percentages"]] == ["19.0", "16.0", "19.0"]
    assert rate["percentages"][1] == {
        "percentage": "16.0",
        "from_date": "2020-07-01",
        "to_date": "2020-12-31",
    }


# -- products and services -------------------------------------------------------------------


@pytest.mark.parametrize("collection", ["products", "services"])
async def test_catalogue_search_and_active(
    api: httpx.AsyncClient, sandbox: RunningSandbox, collection: str
) -> None:
    item = next(iter(getattr(books_of(sandbox, "GB"), collection).values()))
    assert await ids(api, collection, search=item.description[:8].lower()) >= {item.id}
    assert item.item_code is not None
    assert await ids(api, collection, search=item.item_code) == {item.id}
    assert item.id in await ids(api, collection, active="true")
    assert not await ids(api, collection, active="false")


# -- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "name", "value"),
    [
        ("sales_invoices", "status_id", "LOST"),
        ("sales_invoices", "from_date", "yesterday"),
        ("sales_invoices", "sort", "colour"),
        ("contacts", "contact_type_id", "FRIEND"),
        ("contacts", "exclude_system", "maybe"),
        ("ledger_accounts", "visible_in", "nowhere"),
        ("tax_rates", "usage", "both"),
        ("tax_rates", "address_region_id", "CA-XX"),
        ("contact_payments", "transaction_type_id", "GIFT"),
    ],
)
async def test_a_filter_value_sage_would_not_accept_is_refused(
    api: httpx.AsyncClient, path: str, name: str, value: str
) -> None:
    error = error_of(await api.get(path, params={name: value}), 422)
    assert error["$source"] == name


async def test_unknown_parameters_are_ignored(api: httpx.AsyncClient) -> None:
    assert ok(await api.get("contacts", params={"colour": "blue"}))["$total"] > 0
