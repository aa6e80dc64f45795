"""Sage's OAuth 2.0 endpoints: ``/oauth2/auth/central`` (consent), ``/token`` and ``/revoke``."""

from __future__ import annotations

import ipaddress
import re
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from aiohttp import web
from yarl import URL

from ledgergraph.sandbox.books import DEMO_USER_ID, World
from ledgergraph.sandbox.config import SandboxConfig
from ledgergraph.sandbox.consent import BusinessRow, consent_page, error_page
from ledgergraph.sandbox.keys import CONFIG, STATS, TOKENS, WORLD
from ledgergraph.sandbox.tokens import (
    PKCE_METHODS,
    SCOPES,
    Grant,
    OAuthError,
    TokenPair,
    TokenRegistry,
)

AUTHORIZE_PATH = "/oauth2/auth/central"
TOKEN_PATH = "/token"
REVOKE_PATH = "/revoke"

_PKCE_CHALLENGE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


class _PageError(Exception):
    """The request cannot be trusted with a redirect (bad client or redirect_uri)."""


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """The query of ``/oauth2/auth/central``; the consent form posts it back in hidden fields."""

    client_id: str
    redirect_uri: str
    response_type: str
    scope: str
    state: str
    code_challenge: str
    code_challenge_method: str
    country: str
    locale: str
    filter: str

    @classmethod
    def parse(cls, params: Mapping[str, str], config: SandboxConfig) -> AuthorizationRequest:
        fields = {name: params.get(name, "") for name in cls.__dataclass_fields__}
        fields["scope"] = fields["scope"] or "full_access"
        request = cls(**fields)
        request._validate(config)
        return request

    def _validate(self, config: SandboxConfig) -> None:
        """Raise _PageError while the redirect_uri is untrusted, then redirect errors back."""
        if not self.client_id or self.client_id != config.client_id:
            raise _PageError("Unknown client_id. Check the application's credentials.")
        if not _redirect_uri_allowed(self.redirect_uri, config):
            raise _PageError("redirect_uri is not registered for this application.")
        if self.response_type != "code":
            raise self.error("unsupported_response_type", "response_type must be code.")
        if self.scope not in SCOPES:
            raise self.error("invalid_scope", "scope must be full_access or readonly.")
        if self.code_challenge_method and not self.code_challenge:
            raise self.error("invalid_request", "code_challenge_method without code_challenge.")
        if self.code_challenge and not _PKCE_CHALLENGE.fullmatch(self.code_challenge):
            raise self.error("invalid_request", "code_challenge must be 43-128 characters.")
        if self.code_challenge and self.code_challenge_method not in {"", *PKCE_METHODS}:
            raise self.error("invalid_request", "code_challenge_method must be S256 or plain.")

    def error(self, error: str, description: str) -> web.HTTPFound:
        return self.redirect(error=error, error_description=description)

    def redirect(self, **params: str) -> web.HTTPFound:
        if self.state:
            params["state"] = self.state
        return web.HTTPFound(URL(self.redirect_uri).update_query(params))


def _redirect_uri_allowed(uri: str, config: SandboxConfig) -> bool:
    if config.redirect_uris:
        return uri in config.redirect_uris
    try:
        url = URL(uri)
    except ValueError:
        return False
    if url.scheme not in ("http", "https") or not url.host or url.fragment:
        return False
    if url.host == "localhost":
        return True
    try:
        return ipaddress.ip_address(url.host).is_loopback
    except ValueError:
        return False


# -- /oauth2/auth/central ------------------------------------------------------------------------


async def authorize_page(request: web.Request) -> web.StreamResponse:
    try:
        auth = AuthorizationRequest.parse(request.query, request.app[CONFIG])
    except _PageError as exc:
        return error_page(str(exc))
    world = request.app[WORLD]
    user_id = request.query.get("user_id", "")
    if user_id not in world.users:
        user_id = _default_user(world)
    return consent_page(
        client_id=auth.client_id,
        scope=auth.scope,
        hidden={k: v for k, v in asdict(auth).items() if v},
        users=[(u.id, f"{u.first_name} {u.last_name} <{u.email}>") for u in world.users.values()],
        selected_user_id=user_id,
        businesses=_business_rows(world, user_id),
    )


async def authorize_decision(request: web.Request) -> web.StreamResponse:
    params = await _form(request)
    try:
        auth = AuthorizationRequest.parse(params, request.app[CONFIG])
    except _PageError as exc:
        return error_page(str(exc))
    world = request.app[WORLD]
    # No user_id is a form posted without the select: the page's default user signs in.
    user = world.users.get(params.get("user_id") or _default_user(world))
    if user is None:
        return error_page("Unknown user.")
    if params.get("approve") != "yes":
        raise auth.error("access_denied", "The user denied access.")
    country = _lead_country(world, user.id)
    grant = Grant(client_id=auth.client_id, user_id=user.id, scope=auth.scope, country=country)
    code = request.app[TOKENS].issue_code(
        grant,
        redirect_uri=auth.redirect_uri,
        code_challenge=auth.code_challenge or None,
        code_challenge_method=auth.code_challenge_method or "plain",
    )
    raise auth.redirect(code=code, country=country)


def _default_user(world: World) -> str:
    return DEMO_USER_ID if DEMO_USER_ID in world.users else next(iter(world.users))


def _business_rows(world: World, user_id: str) -> list[BusinessRow]:
    user = world.users[user_id]
    return [
        BusinessRow(b.name, b.country_code.upper(), b.id == user.lead_business_id)
        for b in (world.businesses[bid] for bid in user.business_ids if bid in world.businesses)
    ]


def _lead_country(world: World, user_id: str) -> str:
    lead = world.businesses.get(world.users[user_id].lead_business_id)
    return lead.country_code.upper() if lead is not None else "GB"


# -- /token and /revoke --------------------------------------------------------------------------


_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _oauth_error(error: str, description: str) -> web.Response:
    body = {"error": error, "error_description": description}
    return web.json_response(body, status=400, headers=_NO_STORE)


def _client_ok(form: Mapping[str, str], config: SandboxConfig) -> bool:
    client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
    return client_id == config.client_id and secrets.compare_digest(
        secret.encode(), config.client_secret.encode()
    )


async def _form(request: web.Request) -> dict[str, str]:
    """The form fields; a body that is not form-encoded reads as empty, as on Sage."""
    form = await request.post()
    return {name: value for name, value in form.items() if isinstance(value, str)}


async def token(request: web.Request) -> web.Response:
    config, registry = request.app[CONFIG], request.app[TOKENS]
    form = await _form(request)
    if not _client_ok(form, config):
        return _oauth_error("invalid_client", "Client authentication failed.")
    grant_type = form.get("grant_type", "")
    try:
        pair = _grant(registry, grant_type, form)
    except OAuthError as exc:
        if exc.error == "invalid_grant":
            request.app[STATS].invalid_grant += 1
        return _oauth_error(exc.error, exc.description)
    request.app[STATS].token_grants[grant_type] += 1
    return web.json_response(pair.response(config), headers=_NO_STORE)


def _grant(registry: TokenRegistry, grant_type: str, form: Mapping[str, str]) -> TokenPair:
    client_id = form["client_id"]
    if grant_type == "authorization_code":
        code, redirect_uri = form.get("code"), form.get("redirect_uri")
        if not code or not redirect_uri:
            raise OAuthError("invalid_request", "code and redirect_uri are required.")
        return registry.redeem_code(
            code,
            client_id=client_id,
            redirect_uri=redirect_uri,
            code_verifier=form.get("code_verifier"),
        )
    if grant_type == "refresh_token":
        refresh_token = form.get("refresh_token")
        if not refresh_token:
            raise OAuthError("invalid_request", "refresh_token is required.")
        return registry.refresh(refresh_token, client_id=client_id)
    if not grant_type:
        raise OAuthError("invalid_request", "grant_type is required.")
    raise OAuthError("unsupported_grant_type", f"grant_type {grant_type!r} is not supported.")


async def revoke(request: web.Request) -> web.Response:
    form = await _form(request)
    if not _client_ok(form, request.app[CONFIG]):
        return _oauth_error("invalid_client", "Client authentication failed.")
    refresh_token = form.get("token")
    if not refresh_token:
        return _oauth_error("invalid_request", "token is required.")
    request.app[TOKENS].revoke(refresh_token, client_id=form["client_id"])
    return web.json_response({"success": "ok"}, headers=_NO_STORE)


def add_oauth_routes(app: web.Application) -> None:
    app.router.add_get(AUTHORIZE_PATH, authorize_page)
    app.router.add_post(AUTHORIZE_PATH, authorize_decision)
    app.router.add_post(TOKEN_PATH, token)
    app.router.add_post(REVOKE_PATH, revoke)
