"""Sage's list envelope: paging, ``$next``/``$back``, attribute selection, stable order."""

from __future__ import annotations

import httpx
import pytest

from tests.sandbox.sage_api import error_of, ok, shared_sandbox_fixtures

pytestmark = pytest.mark.asyncio(loop_scope="module")
shared, sandbox, http, api = shared_sandbox_fixtures()

LISTED = [
    "contacts",
    "sales_invoices",
    "purchase_invoices",
    "sales_credit_notes",
    "contact_payments",
    "ledger_accounts",
    "tax_rates",
    "products",
    "services",
    "bank_accounts",
    "currencies",
    "countries",
    "contact_types",
    "artefact_statuses",
    "ledger_account_types",
]


async def test_a_first_page_has_twenty_items_and_a_next_link(api: httpx.AsyncClient) -> None:
    page = ok(await api.get("contacts"))
    assert page["$page"] == 1
    assert page["$itemsPerPage"] == 20
    assert len(page["$items"]) == 20
    assert page["$total"] > 200
    assert page["$back"] is None
    assert page["$next"] == "/contacts?page=2&items_per_page=20"


async def test_a_middle_page_links_both_ways_keeping_other_parameters(
    api: httpx.AsyncClient,
) -> None:
    page = ok(
        await api.get(
            "sales_invoices", params={"page": 3, "items_per_page": 10, "status_id": "PAID"}
        )
    )
    assert page["$page"] == 3
    assert page["$next"] == "/sales_invoices?page=4&items_per_page=10&status_id=PAID"
    assert page["$back"] == "/sales_invoices?page=2&items_per_page=10&status_id=PAID"


async def test_a_page_past_the_end_gives_the_last_page(api: httpx.AsyncClient) -> None:
    last = ok(await api.get("contacts", params={"page": 9999, "items_per_page": 50}))
    total = last["$total"]
    assert last["$page"] == -(-total // 50)
    assert len(last["$items"]) == total - (last["$page"] - 1) * 50
    assert last["$next"] is None
    assert last["$back"] == f"/contacts?page={last['$page'] - 1}&items_per_page=50"


async def test_a_page_below_one_gives_the_first_page(api: httpx.AsyncClient) -> None:
    assert ok(await api.get("contacts", params={"page": 0}))["$page"] == 1


@pytest.mark.parametrize(("asked", "served"), [(500, 200), (200, 200), (0, 1), (-5, 1)])
async def test_items_per_page_is_clamped_between_one_and_two_hundred(
    api: httpx.AsyncClient, asked: int, served: int
) -> None:
    page = ok(await api.get("contacts", params={"items_per_page": asked}))
    assert page["$itemsPerPage"] == served
    assert len(page["$items"]) == served


@pytest.mark.parametrize("name", ["page", "items_per_page"])
async def test_a_non_numeric_paging_parameter_is_refused(api: httpx.AsyncClient, name: str) -> None:
    error = error_of(await api.get("contacts", params={name: "two"}), 422)
    assert error["$source"] == name


async def test_an_empty_result_has_an_empty_envelope(api: httpx.AsyncClient) -> None:
    page = ok(await api.get("contacts", params={"search": "no contact is called this"}))
    assert page == {
        "$total": 0,
        "$page": 1,
        "$next": None,
        "$back": None,
        "$itemsPerPage": 20,
        "$items": [],
    }


@pytest.mark.parametrize("collection", LISTED)
async def test_following_next_visits_every_item_once(
    api: httpx.AsyncClient, collection: str
) -> None:
    seen: list[str] = []
    path: str | None = f"/{collection}?items_per_page=200"
    total = None
    while path is not None:
        page = ok(await api.get(path.lstrip("/")))
        total = page["$total"]
        seen += [item["id"] for item in page["$items"]]
        path = page["$next"]
    assert len(seen) == len(set(seen)) == total
    assert total


@pytest.mark.parametrize("collection", LISTED)
async def test_items_show_only_the_base_attributes_by_default(
    api: httpx.AsyncClient, collection: str
) -> None:
    for item in ok(await api.get(collection))["$items"]:
        assert set(item) == {"id", "displayed_as", "$path"}
        assert item["$path"] == f"/{collection}/{item['id']}"


@pytest.mark.parametrize("collection", LISTED[:10])
async def test_attributes_all_shows_what_the_detail_shows(
    api: httpx.AsyncClient, collection: str
) -> None:
    items = ok(await api.get(collection, params={"attributes": "all", "items_per_page": 3}))[
        "$items"
    ]
    for item in items:
        assert item == ok(await api.get(item["$path"].lstrip("/")))


async def test_attributes_can_name_the_extra_fields(api: httpx.AsyncClient) -> None:
    items = ok(
        await api.get("sales_invoices", params={"attributes": "total_amount,status,nonsense"})
    )
    for item in items["$items"]:
        assert set(item) == {"id", "displayed_as", "$path", "total_amount", "status"}


async def test_the_order_is_stable_between_calls(api: httpx.AsyncClient) -> None:
    first = ok(await api.get("contacts", params={"items_per_page": 200}))
    second = ok(await api.get("contacts", params={"items_per_page": 200}))
    assert first == second


async def test_ledger_accounts_are_listed_by_nominal_code(api: httpx.AsyncClient) -> None:
    items = ok(
        await api.get(
            "ledger_accounts", params={"attributes": "nominal_code", "items_per_page": 200}
        )
    )
    codes = [item["nominal_code"] for item in items["$items"]]
    assert codes == sorted(codes)


async def test_new_records_arrive_at_the_end_of_transaction_lists(api: httpx.AsyncClient) -> None:
    before = ok(await api.get("contact_payments", params={"page": 9999, "items_per_page": 200}))
    customer = ok(
        await api.get("contacts", params={"contact_type_id": "CUSTOMER", "exclude_system": "true"})
    )
    bank = ok(await api.get("bank_accounts"))["$items"][0]
    created = ok(
        await api.post(
            "contact_payments",
            json={
                "contact_payment": {
                    "transaction_type_id": "CUSTOMER_RECEIPT",
                    "contact_id": customer["$items"][0]["id"],
                    "bank_account_id": bank["id"],
                    "date": "2025-01-02",
                    "total_amount": 10,
                }
            },
        ),
        201,
    )
    after = ok(await api.get("contact_payments", params={"page": 9999, "items_per_page": 200}))
    assert after["$total"] == before["$total"] + 1
    assert after["$items"][-1]["id"] == created["id"]


async def test_an_unknown_route_is_a_sage_404(api: httpx.AsyncClient) -> None:
    error = error_of(await api.get("journals_of_the_future"), 404)
    assert error["$dataCode"] == "RouteNotFound"


async def test_an_unknown_record_is_record_not_found(api: httpx.AsyncClient) -> None:
    error = error_of(await api.get("sales_invoices/0123456789abcdef0123456789abcdef"), 404)
    assert error == {
        "$severity": "error",
        "$dataCode": "RecordNotFound",
        "$message": "Couldn't find record.",
        "$source": "",
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "ledger_accounts/anything"),
        ("POST", "currencies"),
        ("PATCH", "contacts"),
        ("DELETE", "financial_settings"),
        ("POST", "businesses"),
    ],
)
async def test_a_method_a_resource_lacks_is_a_sage_405(
    api: httpx.AsyncClient, method: str, path: str
) -> None:
    error = error_of(await api.request(method, path, json={}), 405)
    assert error["$dataCode"] == "MethodNotAllowed"
