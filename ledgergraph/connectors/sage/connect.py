"""The interactive connect flow, free of any web framework.

``create_link``/``redeem_link`` → a one-time link a browser opens without the tenant's JWT;
``start`` → Sage's authorize URL with a signed single-use ``state`` and PKCE (S256);
``complete`` (the callback) → burn the state, exchange the code, discover the user's
businesses, select the only one or leave the choice open, and only then store anything;
``select`` and ``disconnect`` finish and end a connection.

A return URL (where the browser goes afterwards) only ever travels inside signed tokens: the
link, then the OAuth ``state``, then the business chooser. Callers check it against the
allow-list before minting a link (``links.py``).
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass, replace
from typing import Any

import httpx

from ledgergraph.cache import KeyValue, keys
from ledgergraph.connectors.sage.connections import Connection, Connections
from ledgergraph.connectors.sage.errors import error_from_response
from ledgergraph.connectors.sage.oauth import OAuthError, SageOAuth, pkce_pair
from ledgergraph.connectors.sage.tokens import TokenManager
from ledgergraph.connectors.sage.tokenset import TokenSet
from ledgergraph.errors import (
    BusinessUnavailable,
    ConnectFlowError,
    LedgerGraphError,
    NotConnected,
    UpstreamError,
)
from ledgergraph.events import EventLog
from ledgergraph.signing import BadSignature, Expired, Signer
from ledgergraph.types import BusinessId, BusinessRef, ConnectionStatus, TenantId

log = logging.getLogger(__name__)

STATE_PURPOSE = "sage-connect-state"
CHOOSER_PURPOSE = "sage-business-chooser"
LINK_PURPOSE = "sage-connect-link"
# Browsers arrive with a one-time link, so "go to /connect/sage" would not help them.
START_AGAIN = "start again from the app (it gives you a new connect link)"


@dataclass(frozen=True, slots=True)
class ConnectResult:
    connection: Connection
    # Where the browser goes afterwards, as the (signed) link asked; None: the default.
    return_url: str | None = None

    @property
    def needs_choice(self) -> bool:
        return self.connection.business is None


@dataclass(frozen=True, slots=True)
class Attempt:
    """Who a browser round trip is for, read from a signed token."""

    tenant: TenantId
    return_url: str | None = None


@dataclass(frozen=True, slots=True)
class IssuedLink:
    token: str
    expires_at: float  # Unix time


class ConnectAttemptFailed(ConnectFlowError):
    """The flow failed after its state was verified: the browser may be sent back to the
    attempt's return URL with the error."""

    def __init__(self, message: str, *, return_url: str | None, **extensions: Any) -> None:
        super().__init__(message, **extensions)
        self.return_url = return_url


class ConnectService:
    def __init__(
        self,
        *,
        oauth: SageOAuth,
        http: httpx.AsyncClient,
        api_url: str,
        tokens: TokenManager,
        connections: Connections,
        kv: KeyValue,
        signer: Signer,
        redirect_uri: str,
        state_ttl: float = 600.0,
        events: EventLog | None = None,
    ) -> None:
        self._oauth = oauth
        self._http = http
        self._api_url = api_url.rstrip("/")
        self._tokens = tokens
        self._connections = connections
        self._kv = kv
        self._signer = signer
        self.redirect_uri = redirect_uri
        self._state_ttl = state_ttl
        self._events = events

    async def start(self, tenant: TenantId, *, return_url: str | None = None) -> str:
        nonce = secrets.token_urlsafe(24)
        verifier, challenge = pkce_pair()
        await self._kv.set(keys.connect_state(nonce), verifier.encode(), ttl=self._state_ttl)
        state = self._signer.sign(
            STATE_PURPOSE, _payload(tenant, return_url, nonce=nonce), ttl=self._state_ttl
        )
        return self._oauth.authorize_url(
            redirect_uri=self.redirect_uri, state=state, code_challenge=challenge
        )

    async def complete(
        self, *, state: str | None, code: str | None, error: str | None = None
    ) -> ConnectResult:
        attempt, verifier = await self._burn_state(state)
        tenant, back = attempt.tenant, attempt.return_url
        if error:
            raise ConnectAttemptFailed(
                f"Sage did not authorize the connection ({error}). Nothing was stored; "
                f"{START_AGAIN}.",
                return_url=back,
                tenant=tenant,
            )
        if not code:
            raise ConnectAttemptFailed(
                "The callback carries no authorization code.", return_url=back, tenant=tenant
            )
        try:
            tokens = await self._oauth.exchange_code(
                code=code, redirect_uri=self.redirect_uri, verifier=verifier
            )
        except OAuthError as exc:
            raise ConnectAttemptFailed(
                f"Sage refused the authorization code ({exc.error}); {START_AGAIN}.",
                return_url=back,
                tenant=tenant,
            ) from exc
        try:
            available = await self._discover(tokens.access_token)
            selected = (
                await self._details(tokens.access_token, available[0])
                if len(available) == 1
                else None
            )
        except LedgerGraphError as exc:
            await self._revoke_quietly(tokens)
            raise ConnectAttemptFailed(
                f"Connected to Sage, but could not read the user's businesses ({exc.message}); "
                "nothing was stored. Try again.",
                return_url=back,
                tenant=tenant,
            ) from exc
        if not available:
            await self._revoke_quietly(tokens)
            raise ConnectAttemptFailed(
                "This Sage user has no Accounting business to connect.",
                return_url=back,
                tenant=tenant,
            )
        await self._tokens.save_new(tenant, tokens)
        connection = await self._connections.update(
            tenant,
            lambda c: replace(
                c,
                status=ConnectionStatus.CONNECTED if selected else ConnectionStatus.NOT_CONNECTED,
                business=selected,
                available=tuple(
                    selected if selected and b.id == selected.id else b for b in available
                ),
                sage_user_id=tokens.requested_by_id,
                reason=None if selected else "Choose which Sage business to use.",
            ),
        )
        await self._announce(tenant, connection)
        return ConnectResult(connection, back)

    async def create_link(
        self, tenant: TenantId, *, ttl: float | None = None, return_url: str | None = None
    ) -> IssuedLink:
        """A single-use token that lets a browser (which cannot send the tenant's JWT) start
        the connect flow: ``/connect/sage?link=<token>``. ``return_url`` must already be
        checked against the allow-list."""
        nonce = secrets.token_urlsafe(18)
        lifetime = ttl or self._state_ttl
        expires_at = time.time() + lifetime
        await self._kv.set(keys.connect_link(nonce), tenant.encode(), ttl=lifetime)
        token = self._signer.sign(
            LINK_PURPOSE, _payload(tenant, return_url, nonce=nonce), ttl=lifetime
        )
        return IssuedLink(token, expires_at)

    async def redeem_link(self, token: str) -> Attempt:
        """Burn a link: it starts one connect flow, then never again."""
        try:
            payload = self._signer.verify(LINK_PURPOSE, token)
        except Expired as exc:
            raise ConnectFlowError(
                "This connect link has expired; ask the app for a new one."
            ) from exc
        except BadSignature as exc:
            raise ConnectFlowError(
                "This connect link is not valid (it may be incomplete); ask the app for a new one."
            ) from exc
        if not await self._kv.delete(keys.connect_link(str(payload["nonce"]))):
            raise ConnectFlowError("This connect link was already used; ask the app for a new one.")
        return _attempt(payload)

    def chooser_token(self, tenant: TenantId, *, return_url: str | None = None) -> str:
        return self._signer.sign(CHOOSER_PURPOSE, _payload(tenant, return_url), ttl=self._state_ttl)

    def open_chooser(self, token: str) -> Attempt:
        try:
            return _attempt(self._signer.verify(CHOOSER_PURPOSE, token))
        except BadSignature as exc:
            raise ConnectFlowError(f"This business chooser has expired; {START_AGAIN}.") from exc

    async def select(self, tenant: TenantId, business_id: str) -> Connection:
        stored = await self._tokens.load(tenant)
        if stored is None:
            raise NotConnected(
                "Connect to Sage before selecting a business: open a connect link "
                "(createConnectLink or connection.connectUrl) in a browser."
            )
        token = await self._tokens.access_token(tenant)
        available = await self._discover(token)
        match = next((b for b in available if b.id == business_id), None)
        if match is None:
            raise BusinessUnavailable(
                f"Business {business_id!r} is not among this Sage user's businesses; "
                "pick one of availableBusinesses."
            )
        selected = await self._details(token, match)
        connection = await self._connections.update(
            tenant,
            lambda c: replace(
                c,
                status=ConnectionStatus.CONNECTED,
                business=selected,
                available=tuple(b if b.id != selected.id else selected for b in available),
                reason=None,
            ),
        )
        await self._announce(tenant, connection)
        return connection

    async def disconnect(self, tenant: TenantId) -> Connection:
        tokens = await self._tokens.forget(tenant)
        if tokens is not None:
            await self._revoke_quietly(tokens)
        connection = await self._connections.update(
            tenant,
            lambda c: replace(
                c,
                status=ConnectionStatus.NOT_CONNECTED,
                business=None,
                available=(),
                reason="Disconnected.",
            ),
        )
        await self._announce(tenant, connection)
        return connection

    # -- internals ---------------------------------------------------------------------------

    async def _burn_state(self, state: str | None) -> tuple[Attempt, str]:
        if not state:
            raise ConnectFlowError(f"The callback carries no state; {START_AGAIN}.")
        try:
            payload = self._signer.verify(STATE_PURPOSE, state)
        except Expired as exc:
            raise ConnectFlowError(f"This connect attempt expired; {START_AGAIN}.") from exc
        except BadSignature as exc:
            raise ConnectFlowError(
                f"The callback's state is not one LedgerGraph issued; {START_AGAIN}."
            ) from exc
        key = keys.connect_state(str(payload["nonce"]))
        verifier = await self._kv.get(key)
        if verifier is None or not await self._kv.delete(key):
            raise ConnectFlowError(f"This connect attempt was already used; {START_AGAIN}.")
        return _attempt(payload), verifier.decode()

    async def _get(
        self,
        access_token: str,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        business: str | None = None,
    ) -> Any:
        headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
        if business is not None:
            headers["X-Business"] = business
        try:
            response = await self._http.get(
                f"{self._api_url}{path}", params=params, headers=headers
            )
        except httpx.HTTPError as exc:
            raise UpstreamError("Could not reach Sage.") from exc
        if response.status_code >= 400:
            raise error_from_response(response)
        return response.json()

    async def _discover(self, access_token: str) -> list[BusinessRef]:
        found: list[BusinessRef] = []
        page = 1
        while True:
            body = await self._get(
                access_token, "/businesses", {"page": page, "items_per_page": 200}
            )
            items = body.get("$items", [])
            found.extend(
                BusinessRef(id=BusinessId(str(i["id"])), name=str(i.get("displayed_as", "")))
                for i in items
            )
            if not body.get("$next") or not items:
                return found
            page += 1

    async def _details(self, access_token: str, business: BusinessRef) -> BusinessRef:
        """Name and country from ``/businesses/{id}``; the currency is the business's base
        currency, which only its ``financial_settings`` tell."""
        body = await self._get(access_token, f"/businesses/{business.id}")
        settings = await self._get(access_token, "/financial_settings", business=business.id)
        country = body.get("country") or {}
        currency = settings.get("base_currency") or {}
        return BusinessRef(
            id=business.id,
            name=str(body.get("name") or business.name),
            country_code=str(country["id"]) if country.get("id") else None,
            currency=str(currency["id"]) if currency.get("id") else None,
        )

    async def _revoke_quietly(self, tokens: TokenSet) -> None:
        try:
            await self._oauth.revoke(tokens.refresh_token)
        except UpstreamError as exc:
            log.warning("could not revoke a Sage refresh token: %s", exc.message)

    async def _announce(self, tenant: TenantId, connection: Connection) -> None:
        if self._events is not None:
            await self._events.connection_changed(tenant, connection.status)


def _payload(tenant: TenantId, return_url: str | None, **extra: str) -> dict[str, Any]:
    payload: dict[str, Any] = {"tenant": tenant, **extra}
    if return_url:
        payload["return_url"] = return_url
    return payload


def _attempt(payload: dict[str, Any]) -> Attempt:
    back = payload.get("return_url")
    return Attempt(TenantId(str(payload["tenant"])), str(back) if back else None)
