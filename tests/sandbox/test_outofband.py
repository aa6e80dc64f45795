"""Out-of-band edits: the books changed as a person in Sage's web app would change them.

``/__sandbox/businesses/{business_id}/{resource}[/{id}]`` takes the API's write bodies
without a token; the change shows up to API clients polling with ``updated_or_created_since``
and ``deleted_since``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox, SandboxConfig, create_sandbox_app, serve_app
from ledgergraph.sandbox.books import SOLO_USER_ID
from tests.sandbox.sage_api import (
    SMALL_BOOKS,
    business_id,
    error_of,
    in_business,
    invoice_body,
    ok,
    payment_body,
    refs,
)

Json = dict[str, Any]


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    return SMALL_BOOKS


def edits(sandbox: RunningSandbox, country: str = "GB") -> str:
    return f"/__sandbox/businesses/{business_id(sandbox, country)}"


async def since(api: httpx.AsyncClient, collection: str, moment: str, **headers: str) -> set[str]:
    page = ok(
        await api.get(
            collection,
            params={"updated_or_created_since": moment, "items_per_page": 200},
            headers=headers,
        )
    )
    return {item["id"] for item in page["$items"]}


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_a_contact_added_in_sage_appears_to_a_polling_client(
    api: httpx.AsyncClient, http: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    cursor = now()
    assert not await since(api, "contacts", cursor)
    body = {"contact": {"name": "Walk-in Customer", "contact_type_ids": ["CUSTOMER"]}}
    created = ok(await http.post(f"{edits(sandbox)}/contacts", json=body), 201)
    assert await since(api, "contacts", cursor) == {created["id"]}
    assert ok(await api.get(f"contacts/{created['id']}"))["name"] == "Walk-in Customer"


async def test_an_edit_in_sage_moves_updated_at(
    api: httpx.AsyncClient, http: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    r = refs(sandbox)
    before = ok(await api.get(f"contacts/{r.customer}"))
    cursor = now()
    changed = ok(
        await http.put(
            f"{edits(sandbox)}/contacts/{r.customer}", json={"contact": {"notes": "Phoned in"}}
        )
    )
    assert changed["updated_at"] > before["updated_at"]
    assert await since(api, "contacts", cursor) == {r.customer}
    assert ok(await api.get(f"contacts/{r.customer}"))["notes"] == "Phoned in"


async def test_a_deletion_in_sage_shows_in_deleted_since(
    api: httpx.AsyncClient, http: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    contact = ok(
        await api.post(
            "contacts", json={"contact": {"name": "Soon Gone", "contact_type_ids": ["VENDOR"]}}
        ),
        201,
    )
    assert (await http.delete(f"{edits(sandbox)}/contacts/{contact['id']}")).status_code == 204
    deleted = ok(await api.get("contacts", params={"deleted_since": contact["created_at"][:10]}))
    assert contact["id"] in {item["id"] for item in deleted["$items"]}
    error_of(await api.get(f"contacts/{contact['id']}"), 404)


async def test_a_payment_recorded_in_sage_settles_the_invoice(
    api: httpx.AsyncClient, http: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    r = refs(sandbox)
    invoice = ok(
        await api.post(
            "sales_invoices", json=invoice_body(r, {"unit_price": 50, "tax_rate_id": "GB_NO_TAX"})
        ),
        201,
    )
    cursor = invoice["updated_at"]
    ok(
        await http.post(
            f"{edits(sandbox)}/contact_payments", json=payment_body(r, "50", (invoice["id"], "50"))
        ),
        201,
    )
    paid = ok(await api.get(f"sales_invoices/{invoice['id']}"))
    assert paid["status"]["id"] == "PAID"
    assert invoice["id"] in await since(api, "sales_invoices", cursor)


async def test_a_void_in_sage_keeps_the_invoice_listed_as_void(
    api: httpx.AsyncClient, http: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    invoice = ok(
        await api.post("sales_invoices", json=invoice_body(refs(sandbox), {"unit_price": 5})), 201
    )
    voided = ok(
        await http.delete(
            f"{edits(sandbox)}/sales_invoices/{invoice['id']}", params={"void_reason": "Duplicate"}
        )
    )
    assert voided["status"]["id"] == "VOID"
    assert ok(await api.get(f"sales_invoices/{invoice['id']}"))["void_reason"] == "Duplicate"


async def test_settings_changed_in_sage_are_served(
    api: httpx.AsyncClient, http: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    body = {"financial_settings": {"tax_return_frequency_id": "ANNUALLY"}}
    ok(await http.put(f"{edits(sandbox, 'IE')}/financial_settings", json=body))
    settings = ok(await api.get("financial_settings", headers=in_business(sandbox, "IE")))
    assert settings["tax_return_frequency"]["id"] == "ANNUALLY"


async def test_out_of_band_edits_validate_like_the_api(
    http: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    response = await http.post(f"{edits(sandbox)}/contacts", json={"contact": {"name": "No Types"}})
    assert error_of(response, 422)["$source"] == "contact_type_ids"


async def test_out_of_band_edits_ignore_idempotency(
    http: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    body = {
        "contact": {
            "name": "Twice Typed",
            "contact_type_ids": ["CUSTOMER"],
            "idempotency_id": "a" * 32,
        }
    }
    first = ok(await http.post(f"{edits(sandbox)}/contacts", json=body), 201)
    second = ok(await http.post(f"{edits(sandbox)}/contacts", json=body), 201)
    assert first["id"] != second["id"]


async def test_an_unknown_business_or_record_is_not_found(
    http: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    body = {"contact": {"name": "Nobody", "contact_type_ids": ["CUSTOMER"]}}
    error_of(await http.post(f"/__sandbox/businesses/{'0' * 32}/contacts", json=body), 404)
    error_of(await http.put(f"{edits(sandbox)}/contacts/{'0' * 32}", json=body), 404)


async def test_out_of_band_edits_reach_businesses_of_any_user(
    http: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    solo = sandbox.world.users[SOLO_USER_ID].lead_business_id
    body = {"contact": {"name": "Solo's Customer", "contact_type_ids": ["CUSTOMER"]}}
    ok(await http.post(f"/__sandbox/businesses/{solo}/contacts", json=body), 201)


async def test_out_of_band_routes_exist_only_with_controls_on() -> None:
    async with (
        serve_app(create_sandbox_app(SandboxConfig(controls=False, scale=0))) as running,
        httpx.AsyncClient(base_url=running.url) as client,
    ):
        business = business_id(running, "GB")
        response = await client.post(f"/__sandbox/businesses/{business}/contacts", json={})
        assert response.status_code == 404
