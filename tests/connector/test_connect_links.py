"""Connect links: a browser connects a tenant from a one-time URL, with no headers, and lands
back on an allow-listed return URL."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from ledgergraph.cache import keys
from ledgergraph.connectors.sage.links import ReturnUrls, return_to
from ledgergraph.errors import BadUserInput
from ledgergraph.ids import encode
from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import DEMO_USER_ID, SOLO_USER_ID
from ledgergraph.settings import Settings
from ledgergraph.types import TenantId
from tests.support.browser import connect_with_link, consent, open_link
from tests.support.server import LiveServer, serve_ledgergraph

CREATE_LINK = """mutation($returnUrl: String) {
  createConnectLink(returnUrl: $returnUrl) { url expiresAt } }"""
APP = "https://app.example/settings/"


async def _link(
    server: LiveServer, http: httpx.AsyncClient, tenant: str = "acme", **variables: Any
) -> dict[str, Any]:
    body = await server.graphql(http, tenant, CREATE_LINK, variables)
    assert "errors" not in body, body
    link: dict[str, Any] = body["data"]["createConnectLink"]
    return link


async def _status(server: LiveServer, http: httpx.AsyncClient, tenant: str = "acme") -> str:
    body = await server.graphql(http, tenant, "{ connection { status } }")
    status: str = body["data"]["connection"]["status"]
    return status


async def _nothing_stored(server: LiveServer, tenant: str = "acme") -> bool:
    assert server.runtime is not None
    return (
        await server.runtime.tokens.load(TenantId(tenant)) is None
        and await server.runtime.store.kv.get_versioned(keys.connection(tenant)) is None
    )


def _irish(sandbox: RunningSandbox) -> str:
    world = sandbox.world
    return next(
        b.id
        for b in world.businesses.values()
        if b.country_code == "IE" and b.id in world.users[DEMO_USER_ID].business_ids
    )


@pytest.fixture
async def app_server(
    sandbox: RunningSandbox, redis_url: str, key_prefix: str
) -> AsyncIterator[LiveServer]:
    async with serve_ledgergraph(
        sandbox, redis_url=redis_url, prefix=key_prefix, connect_return_urls=(APP,)
    ) as running:
        yield running


async def test_a_browser_connects_from_a_mutation_link_without_any_header(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    irish = _irish(server.sandbox)
    before = dt.datetime.now(dt.UTC)
    link = await _link(server, http)

    result = await connect_with_link(http, link["url"], user_id=DEMO_USER_ID, choose=irish)

    assert link["url"].startswith(f"{server.url}/connect/sage?link=")
    expires = dt.datetime.fromisoformat(link["expiresAt"])
    assert before + dt.timedelta(seconds=590) < expires <= before + dt.timedelta(seconds=601)
    assert result.response.status_code == 200
    assert "Connected to Sage" in result.response.text
    body = await server.graphql(http, "acme", "{ connection { status business { id } } }")
    assert body["data"]["connection"] == {
        "status": "CONNECTED",
        "business": {"id": encode("Business", irish, irish)},
    }


async def test_connect_url_is_a_fresh_one_time_link(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    query = "{ connection { connectUrl } }"
    first = (await server.graphql(http, "acme", query))["data"]["connection"]["connectUrl"]
    second = (await server.graphql(http, "acme", query))["data"]["connection"]["connectUrl"]

    opened = await open_link(http, first)
    again = await open_link(http, first)

    assert first != second
    assert first.startswith(f"{server.url}/connect/sage?link=")
    assert opened.status_code == 302
    assert opened.headers["Location"].startswith(server.sandbox.auth_url)
    assert again.status_code == 400
    result = await connect_with_link(http, second, user_id=SOLO_USER_ID)
    assert "Connected to Sage" in result.response.text
    assert await _status(server, http) == "CONNECTED"


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
async def test_a_replayed_link_is_refused_plainly_and_stores_nothing(
    server: LiveServer, http: httpx.AsyncClient, accept: str
) -> None:
    link = await _link(server, http)
    assert (await open_link(http, link["url"])).status_code == 302

    replay = await http.get(link["url"], headers={"Accept": accept})

    assert replay.status_code == 400
    assert replay.headers["Cache-Control"] == "no-store"
    if accept == "text/html":
        assert "already used" in replay.text
        assert "ask the app for a new one" in replay.text
    else:
        error = replay.json()["errors"][0]
        assert error["extensions"]["code"] == "CONNECT_FAILED"
        assert "already used" in error["message"]
    assert await _nothing_stored(server)


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda s: s[:-2] + ("AA" if not s.endswith("AA") else "BB"), id="forged"),
        pytest.param(lambda s: s.split(".")[0], id="truncated"),
    ],
)
async def test_a_tampered_link_is_refused(
    server: LiveServer, http: httpx.AsyncClient, tamper: Any
) -> None:
    link = await _link(server, http)
    token = parse_qs(urlsplit(link["url"]).query)["link"][0]

    page = await http.get(f"{server.url}/connect/sage", params={"link": tamper(token)})

    assert page.status_code == 400
    assert "not valid" in page.text
    assert await _nothing_stored(server)


async def test_an_expired_link_is_refused_plainly_and_stores_nothing(
    sandbox: RunningSandbox, redis_url: str, key_prefix: str, http: httpx.AsyncClient
) -> None:
    async with serve_ledgergraph(
        sandbox, redis_url=redis_url, prefix=key_prefix, connect_link_ttl=0.3
    ) as server:
        link = await _link(server, http)
        await asyncio.sleep(0.4)

        page = await open_link(http, link["url"])
        answer = await http.get(link["url"], headers={"Accept": "application/json"})

        assert page.status_code == 400
        assert "expired" in page.text
        assert answer.status_code == 400
        assert "expired" in answer.json()["errors"][0]["message"]
        assert await _nothing_stored(server)


async def test_the_browser_returns_to_the_links_allowed_return_url(
    app_server: LiveServer, http: httpx.AsyncClient
) -> None:
    irish = _irish(app_server.sandbox)
    link = await _link(app_server, http, returnUrl=f"{APP}sage?tab=accounts")

    result = await connect_with_link(http, link["url"], user_id=DEMO_USER_ID, choose=irish)

    assert result.response.status_code == 302
    assert result.response.headers["Location"] == (
        f"{APP}sage?tab=accounts&connected=1&business={encode('Business', irish, irish)}"
    )


async def test_a_failed_flow_returns_to_the_return_url_with_the_error(
    app_server: LiveServer, http: httpx.AsyncClient
) -> None:
    link = await _link(app_server, http, returnUrl=APP)
    opened = await open_link(http, link["url"])
    callback = await consent(http, opened.headers["Location"], user_id=SOLO_USER_ID, approve=False)

    back = await http.get(callback)

    assert back.status_code == 302
    location = urlsplit(back.headers["Location"])
    assert back.headers["Location"].startswith(APP)
    query = parse_qs(location.query)
    assert query["connected"] == ["0"]
    assert query["error"] == ["CONNECT_FAILED"]
    assert "access_denied" in query["message"][0]
    assert await _nothing_stored(app_server)


async def test_an_unsigned_return_url_parameter_is_ignored(
    app_server: LiveServer, http: httpx.AsyncClient
) -> None:
    link = await _link(app_server, http)  # no return URL: the success page

    result = await connect_with_link(
        http,
        link["url"] + "&returnUrl=https://evil.example/&return_url=https://evil.example/",
        user_id=SOLO_USER_ID,
    )

    assert result.response.status_code == 200
    assert "Connected to Sage" in result.response.text


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/settings/",
        "https://app.example/settingsx",
        "https://app.example/other",
        "http://app.example/settings/",
        "https://app.example:8443/settings/",
        "https://app.example.evil.example/settings/",
        "https://user@app.example/settings/",
        "javascript:alert(1)",
        "//app.example/settings/",
        "https://app.example\\@evil.example/settings/",
    ],
)
async def test_a_return_url_off_the_allow_list_is_bad_user_input(
    app_server: LiveServer, http: httpx.AsyncClient, url: str
) -> None:
    body = await app_server.graphql(http, "acme", CREATE_LINK, {"returnUrl": url})

    assert body["data"] is None
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "returnUrl" in error["message"]
    assert error["extensions"].get("field") == "returnUrl"


ALLOWED = ReturnUrls([APP, "https://shop.example"], loopback=False)
DEVELOPMENT = ReturnUrls([], loopback=True)


@pytest.mark.parametrize(
    ("policy", "url", "allowed"),
    [
        (ALLOWED, "https://app.example/settings/", True),
        (ALLOWED, "https://app.example/settings", False),
        (ALLOWED, "https://APP.example:443/settings/x?y=1#z", True),
        (ALLOWED, "https://shop.example/anything/at/all", True),
        (ALLOWED, "https://shop.example.evil/", False),
        (ALLOWED, "http://localhost:5173/", False),
        (DEVELOPMENT, "http://localhost:5173/connected", True),
        (DEVELOPMENT, "http://127.0.0.1:8080/", True),
        (DEVELOPMENT, "http://[::1]:3000/", True),
        (DEVELOPMENT, "http://localhost.evil.example/", False),
        (DEVELOPMENT, "https://app.example/settings/", False),
        (DEVELOPMENT, "ftp://localhost/", False),
    ],
)
def test_return_url_allow_list(policy: ReturnUrls, url: str, allowed: bool) -> None:
    if allowed:
        assert policy.check(url) == url
    else:
        with pytest.raises(BadUserInput) as refused:
            policy.check(url)
        assert refused.value.extensions["field"] == "returnUrl"


def test_return_parameters_are_added_to_the_url_query() -> None:
    assert return_to("https://a.example/p?x=1#frag", connected="1") == (
        "https://a.example/p?x=1&connected=1#frag"
    )


def test_the_allow_list_comes_from_settings_and_includes_the_servers_own_origin(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LEDGERGRAPH_CONNECT_RETURN_URLS", "https://a.example, https://b.example/x/")
    settings = Settings(
        _env_file=None, mode="production", connect_return_url="https://c.example/done"
    )
    policy = ReturnUrls.from_settings(settings, public_url="https://graph.example")

    for allowed in (
        "https://a.example/any",
        "https://b.example/x/y",
        "https://c.example/done?z=1",
        "https://graph.example/examples/",
    ):
        assert policy.check(allowed) == allowed
    for refused in ("https://b.example/y", "https://c.example/other", "http://localhost:3000/"):
        with pytest.raises(BadUserInput):
            policy.check(refused)
