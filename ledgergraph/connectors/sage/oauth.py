"""Sage's OAuth 2.0 endpoints: authorize URL (with PKCE), code exchange, refresh, revoke."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from ledgergraph.connectors.sage.errors import retry_after
from ledgergraph.connectors.sage.tokenset import TokenSet
from ledgergraph.errors import RateLimited, UpstreamError, UpstreamUnavailable


class OAuthError(UpstreamError):
    """Sage's token endpoint refused the request (``error`` holds the OAuth error code)."""

    code = "UPSTREAM_OAUTH_ERROR"

    def __init__(self, error: str, description: str = "", *, status: int | None = None) -> None:
        super().__init__(
            f"Sage refused the token request: {error}"
            + (f" ({description})" if description else ""),
            status=status,
        )
        self.error = error
        self.description = description

    @property
    def invalid_grant(self) -> bool:
        return self.error == "invalid_grant"


class TokenAnswerLost(UpstreamUnavailable):
    """The token request reached Sage but its answer did not come back (reset, timeout).

    Sage may have rotated the refresh token already: the pair it issued is lost with the
    answer, and the old refresh token may no longer work.
    """


# Failures after which Sage may have received (and acted on) the request.
_SENT_BUT_UNANSWERED = (httpx.ReadError, httpx.ReadTimeout, httpx.RemoteProtocolError)


def pkce_pair() -> tuple[str, str]:
    """A fresh (verifier, S256 challenge) pair."""
    verifier = secrets.token_urlsafe(64)[:96]
    digest = hashlib.sha256(verifier.encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return verifier, challenge


@dataclass(frozen=True, slots=True)
class OAuthConfig:
    client_id: str
    client_secret: str
    auth_url: str
    token_url: str
    revoke_url: str
    scope: str = "full_access"


class SageOAuth:
    def __init__(self, config: OAuthConfig, http: httpx.AsyncClient) -> None:
        self.config = config
        self._http = http

    def authorize_url(self, *, redirect_uri: str, state: str, code_challenge: str) -> str:
        # Sage's default authorize URL already carries ?filter=apiv3.1; keep what is there.
        parts = urlsplit(self.config.auth_url)
        query = dict(parse_qsl(parts.query))
        query.update(
            {
                "response_type": "code",
                "client_id": self.config.client_id,
                "redirect_uri": redirect_uri,
                "scope": self.config.scope,
                "state": state,
                "code_challenge": code_challenge,
                "code_challenge_method": "S256",
            }
        )
        return urlunsplit(parts._replace(query=urlencode(query)))

    async def exchange_code(self, *, code: str, redirect_uri: str, verifier: str) -> TokenSet:
        return await self._token_request(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
            }
        )

    async def refresh(self, refresh_token: str) -> TokenSet:
        return await self._token_request(
            {"grant_type": "refresh_token", "refresh_token": refresh_token}
        )

    async def revoke(self, refresh_token: str) -> None:
        data = self._client_fields() | {"token": refresh_token}
        try:
            response = await self._http.post(
                self.config.revoke_url, data=data, headers={"Accept": "application/json"}
            )
        except httpx.HTTPError as exc:
            raise UpstreamUnavailable(
                "Could not reach Sage to revoke the connection; try again later."
            ) from exc
        if response.status_code >= 400:
            raise _oauth_error(response)

    def _client_fields(self) -> dict[str, str]:
        return {"client_id": self.config.client_id, "client_secret": self.config.client_secret}

    async def _token_request(self, fields: dict[str, str]) -> TokenSet:
        started = time.time()
        try:
            response = await self._http.post(
                self.config.token_url,
                data=self._client_fields() | fields,
                headers={"Accept": "application/json"},
            )
        except _SENT_BUT_UNANSWERED as exc:
            raise TokenAnswerLost(
                "Sage's token endpoint took the request but its answer was lost; retry shortly."
            ) from exc
        except httpx.HTTPError as exc:
            raise UpstreamUnavailable(
                "Could not reach Sage's token endpoint; the request can be retried."
            ) from exc
        if response.status_code == 429:
            raise RateLimited(
                "Sage's token endpoint is rate limiting this app; retry shortly.",
                retry_after=retry_after(response),
            )
        if response.status_code >= 500:
            raise UpstreamUnavailable(
                f"Sage's token endpoint failed with HTTP {response.status_code}; retry later.",
                status=response.status_code,
            )
        if response.status_code >= 400:
            raise _oauth_error(response)
        body: dict[str, Any] = response.json()
        return TokenSet.from_response(body, now=started)


def _oauth_error(response: httpx.Response) -> OAuthError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    return OAuthError(
        str(body.get("error", "unknown_error")),
        str(body.get("error_description", "")),
        status=response.status_code,
    )
