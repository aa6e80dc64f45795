"""``/businesses``, ``/user`` and how ``X-Business`` (or the lead business) picks the books."""

from __future__ import annotations

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox, SandboxConfig
from ledgergraph.sandbox.books import DEMO_USER_ID, SOLO_USER_ID, business_id_for
from tests.sandbox.sage_api import COUNTRIES, SMALL_BOOKS, business_id, error_of, in_business, ok
from tests.sandbox_client import authorize, bearer


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    return SMALL_BOOKS


BRIGHTWATER = business_id_for("brightwater")
OLD_MILL = business_id_for("old-mill")
SOLO_BUSINESS = business_id_for("carter-plumbing")


async def test_businesses_lists_every_business_the_user_can_reach(api: httpx.AsyncClient) -> None:
    response = await api.get("businesses")
    page = ok(response)
    assert "X-Business" not in response.headers
    assert page["$total"] == 8
    assert page["$items_per_page"] == 2_147_483_647
    assert "$itemsPerPage" not in page
    assert page["$next"] is None
    assert page["$back"] is None
    first = page["$items"][0]
    assert set(first) == {"id", "displayed_as", "$path"}
    assert first["$path"] == f"/businesses/{first['id']}"
    assert {item["id"] for item in page["$items"]} >= {BRIGHTWATER, OLD_MILL}


async def test_businesses_pages_when_asked(api: httpx.AsyncClient) -> None:
    page = ok(await api.get("businesses", params={"items_per_page": 3, "page": 2}))
    assert page["$items_per_page"] == 3
    assert len(page["$items"]) == 3
    assert page["$next"] == "/businesses?page=3&items_per_page=3"
    assert page["$back"] == "/businesses?page=1&items_per_page=3"


async def test_active_only_leaves_out_ended_subscriptions(api: httpx.AsyncClient) -> None:
    page = ok(await api.get("businesses", params={"active_only": "true"}))
    assert page["$total"] == 7
    assert OLD_MILL not in {item["id"] for item in page["$items"]}


async def test_businesses_filter_by_name(api: httpx.AsyncClient) -> None:
    page = ok(await api.get("businesses", params={"name": "joinery"}))
    assert [item["id"] for item in page["$items"]] == [BRIGHTWATER]


async def test_the_lead_business_has_full_details(api: httpx.AsyncClient) -> None:
    response = await api.get("businesses/lead")
    business = ok(response)
    assert "X-Business" not in response.headers
    assert business["id"] == BRIGHTWATER
    assert business["name"] == business["displayed_as"] == "Brightwater Joinery Ltd"
    assert business["country"] == {"id": "GB", "displayed_as": "United Kingdom"}
    assert business["city"] == "Leeds"
    assert business["subscriptions"][0]["active"] is True
    assert business["subscriptions"][0]["id"] == "ACCOUNTING"
    assert business["ni_based"] is False


@pytest.mark.parametrize("country", COUNTRIES)
async def test_each_business_reports_its_country(
    api: httpx.AsyncClient, sandbox: RunningSandbox, country: str
) -> None:
    business = ok(await api.get(f"businesses/{business_id(sandbox, country)}"))
    assert business["country"]["id"] == country
    assert business["subscriptions"][0]["active"] is True


async def test_a_business_of_another_user_is_not_found(api: httpx.AsyncClient) -> None:
    error = error_of(await api.get(f"businesses/{SOLO_BUSINESS}"), 404)
    assert error["$dataCode"] == "RecordNotFound"


async def test_business_details_can_be_changed(api: httpx.AsyncClient) -> None:
    changed = ok(
        await api.put("businesses/lead", json={"business": {"telephone": "0113 000 0000"}})
    )
    assert changed["telephone"] == "0113 000 0000"
    assert ok(await api.get(f"businesses/{BRIGHTWATER}"))["telephone"] == "0113 000 0000"


async def test_user_describes_the_token_owner(api: httpx.AsyncClient) -> None:
    response = await api.get("user")
    user = ok(response)
    assert "X-Business" not in response.headers
    assert user["id"] == DEMO_USER_ID
    assert user["displayed_as"] == f"{user['first_name']} {user['last_name']}"
    assert user["initials"] == "DW"
    assert user["locale"] == "en-GB"


async def test_the_user_can_change_their_locale(api: httpx.AsyncClient) -> None:
    assert ok(await api.put("user", json={"user": {"locale": "fr-CA"}}))["locale"] == "fr-CA"
    error = error_of(await api.put("user", json={"user": {"locale": "xx-XX"}}), 422)
    assert error["$source"] == "locale"


async def test_without_x_business_the_lead_business_is_served(api: httpx.AsyncClient) -> None:
    response = await api.get("financial_settings")
    assert response.headers["X-Business"] == BRIGHTWATER
    assert ok(response)["base_currency"]["id"] == "GBP"


@pytest.mark.parametrize("country", COUNTRIES)
async def test_x_business_selects_the_books_and_is_echoed(
    api: httpx.AsyncClient, sandbox: RunningSandbox, country: str
) -> None:
    response = await api.get("contacts", headers=in_business(sandbox, country))
    ok(response)
    assert response.headers["X-Business"] == business_id(sandbox, country)


async def test_errors_still_echo_the_business_served(api: httpx.AsyncClient) -> None:
    response = await api.get("contacts/no-such-contact")
    error_of(response, 404)
    assert response.headers["X-Business"] == BRIGHTWATER


@pytest.mark.parametrize("requested", [SOLO_BUSINESS, "0" * 32, "not-a-business"])
async def test_a_business_the_user_cannot_reach_is_refused(
    api: httpx.AsyncClient, requested: str
) -> None:
    response = await api.get("contacts", headers={"X-Business": requested})
    error = error_of(response, 403)
    assert error["$dataCode"] == "MultiUserAccessDenied"
    assert error["$source"] == "X-Business"
    assert "X-Business" not in response.headers


async def test_a_business_without_an_active_subscription_refuses_access(
    api: httpx.AsyncClient,
) -> None:
    error = error_of(await api.get("contacts", headers={"X-Business": OLD_MILL}), 401)
    assert error["$dataCode"] == "AuthorizationFailure"
    assert error["$message"] == "No active subscription. (MSE)"


async def test_changing_the_lead_business_changes_what_is_served(
    api: httpx.AsyncClient, http: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    canada = business_id(sandbox, "CA")
    ok(await http.post("/__sandbox/lead-business", json={"business_id": canada}))
    response = await api.get("financial_settings")
    assert response.headers["X-Business"] == canada
    assert ok(response)["base_currency"]["id"] == "CAD"
    assert ok(await api.get("businesses/lead"))["id"] == canada


async def test_revoked_access_refuses_the_business(
    api: httpx.AsyncClient, http: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    germany = business_id(sandbox, "DE")
    ok(await http.delete(f"/__sandbox/users/{DEMO_USER_ID}/businesses/{germany}"))
    error_of(await api.get("contacts", headers={"X-Business": germany}), 403)
    page = ok(await api.get("businesses"))
    assert germany not in {item["id"] for item in page["$items"]}


async def test_the_solo_user_sees_only_their_business(
    http: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    token = (await authorize(http, sandbox.url, user_id=SOLO_USER_ID))["access_token"]
    headers = bearer(token)
    page = ok(await http.get("/v3.1/businesses", headers=headers))
    assert [item["id"] for item in page["$items"]] == [SOLO_BUSINESS]
    response = await http.get("/v3.1/business_settings", headers=headers)
    assert response.headers["X-Business"] == SOLO_BUSINESS
    assert ok(response)["business_type"]["id"] == "SOLE"
    error_of(await http.get("/v3.1/contacts", headers=headers | {"X-Business": BRIGHTWATER}), 403)
