"""Drive the connect flow the way a browser does: follow redirects, read pages, post forms."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import httpx

_CHOOSER = re.compile(r"name=chooser value='([^']+)'")
_BUSINESS = re.compile(r"name=business_id value='([0-9a-f]+)'")


@dataclass(frozen=True, slots=True)
class Chooser:
    token: str
    business_ids: list[str]


@dataclass(frozen=True, slots=True)
class BrowserResult:
    response: httpx.Response

    @property
    def chooser(self) -> Chooser | None:
        match = _CHOOSER.search(self.response.text)
        if match is None:
            return None
        return Chooser(unescape(match.group(1)), _BUSINESS.findall(self.response.text))


async def start_connect(http: httpx.AsyncClient, server_url: str, tenant_token: str) -> str:
    """GET /connect/sage as the tenant; returns Sage's authorize URL it redirects to."""
    response = await http.get(
        f"{server_url}/connect/sage", headers={"Authorization": f"Bearer {tenant_token}"}
    )
    assert response.status_code == 302, response.text
    return response.headers["Location"]


async def consent(
    http: httpx.AsyncClient, authorize_url: str, *, user_id: str, approve: bool = True
) -> str:
    """Open Sage's consent page, then approve or deny; returns the callback URL Sage sends."""
    page = await http.get(authorize_url)
    assert page.status_code == 200, page.text
    parts = urlsplit(authorize_url)
    form = dict(parse_qsl(parts.query)) | {
        "user_id": user_id,
        "approve": "yes" if approve else "no",
    }
    decision = await http.post(f"{parts.scheme}://{parts.netloc}{parts.path}", data=form)
    assert decision.status_code == 302, decision.text
    return decision.headers["Location"]


async def connect(
    http: httpx.AsyncClient,
    server_url: str,
    tenant_token: str,
    *,
    user_id: str,
    choose: str | None = None,
) -> BrowserResult:
    """The whole flow; with several businesses, picks ``choose`` (or the first) in the chooser."""
    authorize_url = await start_connect(http, server_url, tenant_token)
    return await _consent_and_choose(
        http, server_url, authorize_url, user_id=user_id, choose=choose
    )


async def open_link(http: httpx.AsyncClient, link_url: str) -> httpx.Response:
    """Open a connect link as a browser does: no Authorization header, redirects not followed."""
    return await http.get(link_url, headers={"Accept": "text/html"})


async def connect_with_link(
    http: httpx.AsyncClient, link_url: str, *, user_id: str, choose: str | None = None
) -> BrowserResult:
    """The whole flow started from a connect link instead of the tenant's token."""
    response = await open_link(http, link_url)
    assert response.status_code == 302, response.text
    parts = urlsplit(link_url)
    return await _consent_and_choose(
        http,
        f"{parts.scheme}://{parts.netloc}",
        response.headers["Location"],
        user_id=user_id,
        choose=choose,
    )


async def _consent_and_choose(
    http: httpx.AsyncClient,
    server_url: str,
    authorize_url: str,
    *,
    user_id: str,
    choose: str | None,
) -> BrowserResult:
    callback_url = await consent(http, authorize_url, user_id=user_id)
    result = BrowserResult(await http.get(callback_url, headers={"Accept": "text/html"}))
    chooser = result.chooser
    if chooser is None:
        return result
    picked = choose or chooser.business_ids[0]
    return BrowserResult(
        await http.post(
            f"{server_url}/connect/sage/select",
            data={"chooser": chooser.token, "business_id": picked},
            headers={"Accept": "text/html"},
        )
    )
