"""The interactive connect flow, free of any web framework.

``start`` → Sage's authorize URL with a signed single-use ``state`` and PKCE (S256);
``complete`` (the callback) → burn the state, exchange the code, discover the user's
businesses, select the only one or leave the choice open, and only then store anything;
``select`` and ``disconnect`` finish and end a connection.
"""

from __future__ import annotations

import logging
import secrets
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


@dataclass(frozen=True, slots=True)
class ConnectResult:
    connection: Connection

    @property
    def needs_choice(self) -> bool:
        return self.connection.business is None


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

    async def start(self, tenant: TenantId) -> str:
        nonce = secrets.token_urlsafe(24)
        verifier, challenge = pkce_pair()
        await self._kv.set(keys.connect_state(nonce), verifier.encode(), ttl=self._state_ttl)
        state = self._signer.sign(
            STATE_PURPOSE, {"tenant": tenant, "nonce": nonce}, ttl=self._state_ttl
        )
        return self._oauth.authorize_url(
            redirect_uri=self.redirect_uri, state=state, code_challenge=challenge
        )

    async def complete(
        self, *, state: str | None, code: str | None, error: str | None = None
    ) -> ConnectResult:
        tenant, verifier = await self._burn_state(state)
        if error:
            raise ConnectFlowError(
                f"Sage did not authorize the connection ({error}). Nothing was stored; "
                "start again from /connect/sage.",
                tenant=tenant,
            )
        if not code:
            raise ConnectFlowError("The callback carries no authorization code.", tenant=tenant)
        try:
            tokens = await self._oauth.exchange_code(
                code=code, redirect_uri=self.redirect_uri, verifier=verifier
            )
        except OAuthError as exc:
            raise ConnectFlowError(
                f"Sage refused the authorization code ({exc.error}); start again from "
                "/connect/sage.",
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
            raise ConnectFlowError(
                f"Connected to Sage, but could not read the user's businesses ({exc.message}); "
                "nothing was stored. Try again.",
                tenant=tenant,
            ) from exc
        if not available:
            await self._revoke_quietly(tokens)
            raise ConnectFlowError(
                "This Sage user has no Accounting business to connect.", tenant=tenant
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
        return ConnectResult(connection)

    async def create_link(self, tenant: TenantId, *, ttl: float | None = None) -> str:
        """A single-use token that lets a browser (which cannot send the tenant's JWT) start
        the connect flow: ``/connect/sage?link=<token>``."""
        nonce = secrets.token_urlsafe(18)
        lifetime = ttl or self._state_ttl
        await self._kv.set(keys.connect_link(nonce), tenant.encode(), ttl=lifetime)
        return self._signer.sign(LINK_PURPOSE, {"tenant": tenant, "nonce": nonce}, ttl=lifetime)

    async def redeem_link(self, token: str) -> TenantId:
        try:
            payload = self._signer.verify(LINK_PURPOSE, token)
        except BadSignature as exc:
            raise ConnectFlowError(
                "This connect link is invalid or has expired; ask the app for a new one."
            ) from exc
        if not await self._kv.delete(keys.connect_link(str(payload["nonce"]))):
            raise ConnectFlowError("This connect link was already used; ask the app for a new one.")
        return TenantId(str(payload["tenant"]))

    def chooser_token(self, tenant: TenantId) -> str:
        return self._signer.sign(CHOOSER_PURPOSE, {"tenant": tenant}, ttl=self._state_ttl)

    def tenant_from_chooser(self, token: str) -> TenantId:
        try:
            return TenantId(self._signer.verify(CHOOSER_PURPOSE, token)["tenant"])
        except BadSignature as exc:
            raise ConnectFlowError(
                "This business chooser has expired; start again from /connect/sage."
            ) from exc

    async def select(self, tenant: TenantId, business_id: str) -> Connection:
        stored = await self._tokens.load(tenant)
        if stored is None:
            raise NotConnected("Connect to Sage before selecting a business (/connect/sage).")
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

    async def _burn_state(self, state: str | None) -> tuple[TenantId, str]:
        if not state:
            raise ConnectFlowError("The callback carries no state; start from /connect/sage.")
        try:
            payload = self._signer.verify(STATE_PURPOSE, state)
        except Expired as exc:
            raise ConnectFlowError(
                "This connect attempt expired; start again from /connect/sage."
            ) from exc
        except BadSignature as exc:
            raise ConnectFlowError(
                "The callback's state is not one LedgerGraph issued; start from /connect/sage."
            ) from exc
        key = keys.connect_state(str(payload["nonce"]))
        verifier = await self._kv.get(key)
        if verifier is None or not await self._kv.delete(key):
            raise ConnectFlowError(
                "This connect attempt was already used; start again from /connect/sage."
            )
        return TenantId(str(payload["tenant"])), verifier.decode()

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
