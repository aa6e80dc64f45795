"""Drive the sandbox's OAuth flow over real HTTP, as a browser and an app backend would."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import httpx
from aiohttp import web

from ledgergraph.sandbox.books import DEMO_USER_ID
from ledgergraph.sandbox.keys import REQUEST_BUSINESS, REQUEST_USER, WORLD

CLIENT_ID = "sandbox-client"
CLIENT_SECRET = "sandbox-secret"
REDIRECT_URI = "http://127.0.0.1/callback"
AUTHORIZE_PATH = "/oauth2/auth/central"


class FakeClock:
    """A monotonic clock that moves only when told to; pass it as ``clock=`` to the sandbox."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class _FormFields(HTMLParser):
    """Collects the consent form's hidden inputs, the fields a browser would post back."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        name = values.get("name")
        if tag == "input" and values.get("type") == "hidden" and name:
            self.fields[name] = values.get("value") or ""


def pkce_pair() -> tuple[str, str]:
    """A fresh ``(code_verifier, S256 code_challenge)``."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


async def consent(
    client: httpx.AsyncClient,
    base_url: str,
    *,
    user_id: str = DEMO_USER_ID,
    approve: bool = True,
    client_id: str = CLIENT_ID,
    redirect_uri: str = REDIRECT_URI,
    scope: str = "full_access",
    state: str | None = None,
    code_challenge: str | None = None,
    code_challenge_method: str = "S256",
) -> dict[str, str]:
    """Open the consent page, answer it, and return the query the callback receives."""
    state = state if state is not None else secrets.token_urlsafe(16)
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": state,
        "filter": "apiv3.1",
    }
    if code_challenge is not None:
        params |= {"code_challenge": code_challenge, "code_challenge_method": code_challenge_method}
    page = await client.get(f"{base_url}{AUTHORIZE_PATH}", params=params)
    if page.status_code == 302:
        return _callback_query(page, redirect_uri)
    assert page.status_code == 200, page.text
    parser = _FormFields()
    parser.feed(page.text)
    form = parser.fields | {"user_id": user_id, "approve": "yes" if approve else "no"}
    # A form without an action posts back to the page's own URL.
    decision = await client.post(str(page.url), data=form)
    query = _callback_query(decision, redirect_uri)
    assert query.get("state") == state
    return query


def _callback_query(response: httpx.Response, redirect_uri: str) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = httpx.URL(response.headers["Location"])
    assert str(location.copy_with(query=None)) == redirect_uri
    return dict(location.params)


async def exchange_code(
    client: httpx.AsyncClient,
    base_url: str,
    code: str,
    *,
    client_id: str = CLIENT_ID,
    client_secret: str = CLIENT_SECRET,
    redirect_uri: str = REDIRECT_URI,
    code_verifier: str | None = None,
) -> httpx.Response:
    form = {
        "grant_type": "authorization_code",
        "client_id": client_id,
        "client_secret": client_secret,
        "code": code,
        "redirect_uri": redirect_uri,
    }
    if code_verifier is not None:
        form["code_verifier"] = code_verifier
    return await client.post(f"{base_url}/token", data=form)


async def refresh(
    client: httpx.AsyncClient,
    base_url: str,
    refresh_token: str,
    *,
    client_id: str = CLIENT_ID,
    client_secret: str = CLIENT_SECRET,
) -> httpx.Response:
    form = {
        "grant_type": "refresh_token",
        "client_id": client_id,
        "client_secret": client_secret,
        "refresh_token": refresh_token,
    }
    return await client.post(f"{base_url}/token", data=form)


async def authorize(
    client: httpx.AsyncClient,
    base_url: str,
    *,
    user_id: str = DEMO_USER_ID,
    client_id: str = CLIENT_ID,
    client_secret: str = CLIENT_SECRET,
    redirect_uri: str = REDIRECT_URI,
    scope: str = "full_access",
) -> dict[str, Any]:
    """Run the whole authorization-code flow (with PKCE) and return the token response JSON."""
    verifier, challenge = pkce_pair()
    query = await consent(
        client,
        base_url,
        user_id=user_id,
        client_id=client_id,
        redirect_uri=redirect_uri,
        scope=scope,
        code_challenge=challenge,
    )
    response = await exchange_code(
        client,
        base_url,
        query["code"],
        client_id=client_id,
        client_secret=client_secret,
        redirect_uri=redirect_uri,
        code_verifier=verifier,
    )
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


@dataclass
class Probe:
    """Stand-in ``/v3.1/`` routes that let the middleware be tested apart from the books.

    ``GET /v3.1/probes[/{key}]`` answers who is calling for which business, ``POST /v3.1/probes``
    records its JSON body in ``writes``, ``GET /v3.1/held_probes`` waits until ``release()``, and
    ``GET /v3.1/user/probe`` is a user-scoped (no X-Business) route.
    """

    writes: list[Any] = field(default_factory=list)
    held: int = 0
    _gate: asyncio.Event = field(default_factory=asyncio.Event)
    _held_changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    def install(self, app: web.Application) -> None:
        app.router.add_get("/v3.1/probes", self._read)
        app.router.add_get("/v3.1/probes/{key}", self._read)
        app.router.add_post("/v3.1/probes", self._write)
        app.router.add_get("/v3.1/held_probes", self._hold)
        app.router.add_get("/v3.1/user/probe", self._read)

    def release(self) -> None:
        self._gate.set()

    async def wait_held(self, count: int) -> None:
        """Wait (briefly) until ``count`` requests are held in flight."""
        async with asyncio.timeout(2), self._held_changed:
            await self._held_changed.wait_for(lambda: self.held >= count)

    async def _read(self, request: web.Request) -> web.Response:
        user_id = request[REQUEST_USER]
        world = request.app[WORLD]
        business = request.headers.get("X-Business") or world.users[user_id].lead_business_id
        if not request.path.startswith("/v3.1/user"):
            request[REQUEST_BUSINESS] = business
        return web.json_response({"user_id": user_id, "business_id": business})

    async def _write(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.writes.append(body)
        return web.json_response({"id": len(self.writes)}, status=201)

    async def _hold(self, request: web.Request) -> web.Response:
        async with self._held_changed:
            self.held += 1
            self._held_changed.notify_all()
        try:
            await self._gate.wait()
        finally:
            self.held -= 1
        return web.json_response({})
