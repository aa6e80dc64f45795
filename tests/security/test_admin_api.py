"""The operator endpoints: only with the admin API key, only from a header, and not at all
when no key is configured."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from ledgergraph.ids import encode
from ledgergraph.sandbox.books import SOLO_USER_ID
from ledgergraph.settings import Settings
from tests.security.helpers import ADMIN_KEY, Tenant, connect_tenant
from tests.support.browser import connect_with_link, open_link
from tests.support.server import LiveServer

pytestmark = pytest.mark.redis

ROUTES = [
    ("GET", "/admin/tenants"),
    ("GET", "/admin/tenants/acme"),
    ("POST", "/admin/tenants/acme/disconnect"),
    ("POST", "/admin/tenants/acme/connect-link"),
    ("GET", "/admin/sage-usage"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_without_a_configured_key_the_endpoints_do_not_exist(
    server: LiveServer, http: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await http.request(
        method, f"{server.url}{path}", headers={"Authorization": f"Bearer {ADMIN_KEY}"}
    )
    assert response.status_code == 404


REFUSED = {
    "no-key": ({}, {}, 401),
    "wrong-key": ({"Authorization": "Bearer not-the-admin-key-at-all"}, {}, 401),
    "wrong-x-admin-key": ({"X-Admin-Key": ADMIN_KEY[:-1]}, {}, 401),
    "key-prefix": ({"Authorization": f"Bearer {ADMIN_KEY[:16]}"}, {}, 401),
    "basic-scheme": ({"Authorization": f"Basic {ADMIN_KEY}"}, {}, 401),
    "query-string": ({}, {"key": ADMIN_KEY}, 400),
    "query-string-too": ({"X-Admin-Key": ADMIN_KEY}, {"api_key": ADMIN_KEY}, 400),
}


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize(("headers", "params", "status"), REFUSED.values(), ids=REFUSED)
async def test_the_endpoints_refuse_anything_but_the_key_in_a_header(
    admin_server: LiveServer,
    http: httpx.AsyncClient,
    method: str,
    path: str,
    headers: dict[str, str],
    params: dict[str, str],
    status: int,
) -> None:
    response = await http.request(
        method, f"{admin_server.url}{path}", headers=headers, params=params
    )
    assert response.status_code == status
    assert response.json()["errors"][0]["extensions"]["code"] in {
        "UNAUTHENTICATED",
        "BAD_USER_INPUT",
    }
    assert response.headers["Cache-Control"] == "no-store"


async def test_a_tenant_token_is_not_an_admin_key(
    admin_server: LiveServer, http: httpx.AsyncClient
) -> None:
    token = admin_server.token("acme")
    response = await http.get(
        f"{admin_server.url}/admin/tenants", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    "header",
    [{"Authorization": f"Bearer {ADMIN_KEY}"}, {"X-Admin-Key": ADMIN_KEY}],
    ids=["bearer", "x-admin-key"],
)
async def test_operators_list_tenants_and_their_connection_status(
    admin_server: LiveServer, http: httpx.AsyncClient, header: dict[str, str]
) -> None:
    acme = await connect_tenant(http, admin_server, "acme", user_id=SOLO_USER_ID)

    listed = (await http.get(f"{admin_server.url}/admin/tenants", headers=header)).json()
    one = (await http.get(f"{admin_server.url}/admin/tenants/acme", headers=header)).json()

    assert [t["tenant"] for t in listed["tenants"]] == ["acme"]
    assert listed["tenants"][0] == one
    assert one["status"] == "CONNECTED"
    assert one["business"]["id"] == encode("Business", acme.business_id, acme.business_id)
    assert one["business"]["remoteId"] == acme.business_id
    assert "token" not in str(one).lower()


async def test_an_operator_disconnects_a_tenant(
    admin_server: LiveServer, http: httpx.AsyncClient
) -> None:
    acme: Tenant = await connect_tenant(http, admin_server, "acme", user_id=SOLO_USER_ID)
    header = {"X-Admin-Key": ADMIN_KEY}

    response = await http.post(f"{admin_server.url}/admin/tenants/acme/disconnect", headers=header)

    assert response.status_code == 200
    assert response.json()["status"] == "NOT_CONNECTED"
    body = await admin_server.graphql(http, acme.name, "{ contacts { totalCount } }")
    assert body["errors"][0]["extensions"]["code"] == "NOT_CONNECTED"


async def test_an_operator_mints_a_connect_link_that_connects_the_tenant(
    admin_server: LiveServer, http: httpx.AsyncClient
) -> None:
    before = dt.datetime.now(dt.UTC)
    response = await http.post(
        f"{admin_server.url}/admin/tenants/acme/connect-link",
        json={"returnUrl": "http://localhost:5173/connected", "ttlSeconds": 120},
        headers={"X-Admin-Key": ADMIN_KEY},
    )
    link = response.json()

    result = await connect_with_link(http, link["url"], user_id=SOLO_USER_ID)

    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    expires = dt.datetime.fromisoformat(link["expiresAt"])
    assert before + dt.timedelta(seconds=110) < expires <= before + dt.timedelta(seconds=121)
    assert result.response.status_code == 302
    assert result.response.headers["Location"].startswith(
        "http://localhost:5173/connected?connected=1&business="
    )
    body = await admin_server.graphql(http, "acme", "{ connection { status } }")
    assert body["data"]["connection"]["status"] == "CONNECTED"


async def test_an_admin_link_without_a_body_works_once(
    admin_server: LiveServer, http: httpx.AsyncClient
) -> None:
    response = await http.post(
        f"{admin_server.url}/admin/tenants/acme/connect-link", headers={"X-Admin-Key": ADMIN_KEY}
    )
    url = response.json()["url"]

    assert response.status_code == 201
    assert (await open_link(http, url)).status_code == 302
    assert (await open_link(http, url)).status_code == 400


BAD_LINK_REQUESTS: dict[str, dict[str, Any]] = {
    "return-url-not-allowed": {"json": {"returnUrl": "https://evil.example/"}},
    "return-url-not-a-string": {"json": {"returnUrl": 42}},
    "ttl-zero": {"json": {"ttlSeconds": 0}},
    "ttl-over-a-week": {"json": {"ttlSeconds": 8 * 24 * 3600}},
    "ttl-not-a-number": {"json": {"ttlSeconds": "soon"}},
    "not-json": {"content": b"returnUrl=x"},
    "not-an-object": {"json": ["https://app.example/"]},
}


@pytest.mark.parametrize("request_args", BAD_LINK_REQUESTS.values(), ids=BAD_LINK_REQUESTS)
async def test_a_bad_connect_link_request_is_bad_user_input(
    admin_server: LiveServer, http: httpx.AsyncClient, request_args: dict[str, Any]
) -> None:
    response = await http.post(
        f"{admin_server.url}/admin/tenants/acme/connect-link",
        headers={"X-Admin-Key": ADMIN_KEY},
        **request_args,
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/admin/tenants/nobody", 404),
        ("POST", "/admin/tenants/nobody/disconnect", 404),
        ("GET", "/admin/tenants/-acme", 400),
        ("GET", "/admin/tenants/acme/disconnect", 405),
    ],
    ids=["unknown-tenant", "disconnect-unknown", "malformed-tenant", "disconnect-via-get"],
)
async def test_unknown_or_malformed_tenants_are_answered_plainly(
    admin_server: LiveServer, http: httpx.AsyncClient, method: str, path: str, status: int
) -> None:
    response = await http.request(
        method, f"{admin_server.url}{path}", headers={"X-Admin-Key": ADMIN_KEY}
    )
    assert response.status_code == status


def test_a_short_admin_key_is_refused_at_startup() -> None:
    with pytest.raises(ValidationError, match="at least 16 characters"):
        Settings(_env_file=None, admin_api_key="short")
