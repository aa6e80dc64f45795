"""Every error LedgerGraph raises on purpose, each with a stable GraphQL ``extensions.code``.

    LedgerGraphError                       INTERNAL_SERVER_ERROR
    ├── BadUserInput                       BAD_USER_INPUT
    ├── Unauthenticated                    UNAUTHENTICATED
    │   └── ApiKeyRevoked                  API_KEY_REVOKED       (revoked, or rotated out)
    ├── InsufficientScope                  INSUFFICIENT_SCOPE    (a read-only API key writing)
    ├── ConnectionProblem
    │   ├── NotConnected                   NOT_CONNECTED
    │   ├── ReauthRequired                 REAUTH_REQUIRED
    │   └── BusinessUnavailable            BUSINESS_UNAVAILABLE
    ├── ServiceUnavailable                 SERVICE_UNAVAILABLE   (our own store is down)
    ├── CursorExpiredError                 CURSOR_EXPIRED        (syncEvents since: re-query)
    ├── ConnectFlowError                   CONNECT_FAILED        (OAuth connect/callback)
    └── UpstreamError                      UPSTREAM_ERROR        (Sage answered oddly)
        ├── UpstreamUnavailable            UPSTREAM_UNAVAILABLE  (5xx, timeouts, resets)
        ├── RateLimited                    RATE_LIMITED
        ├── SageQuotaExhausted             SAGE_QUOTA_EXHAUSTED  (the Sage app's day is spent)
        ├── NotFound                       NOT_FOUND
        ├── Forbidden                      FORBIDDEN
        └── ValidationFailed               VALIDATION_FAILED

Messages are written for the person reading the GraphQL response: they say what happened and
what to do next, and never carry tokens, secrets or stack traces.

``StartupError`` stands apart: the server cannot start as configured; its message is the one
line the operator sees, naming the setting and the fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class LedgerGraphError(Exception):
    code: ClassVar[str] = "INTERNAL_SERVER_ERROR"
    retryable: ClassVar[bool] = False

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra: dict[str, Any] = extensions

    @property
    def extensions(self) -> Mapping[str, Any]:
        return {"code": self.code, "retryable": self.retryable, **self.extra}


class BadUserInput(LedgerGraphError):
    code = "BAD_USER_INPUT"


class Unauthenticated(LedgerGraphError):
    code = "UNAUTHENTICATED"


class ApiKeyRevoked(Unauthenticated):
    """An API key that was revoked, or rotated and past its grace period: make a new one."""

    code = "API_KEY_REVOKED"


class InsufficientScope(LedgerGraphError):
    """The credential may not do this (a ``read`` API key and a mutation or a Sage write);
    refused before anything runs."""

    code = "INSUFFICIENT_SCOPE"


class ConnectionProblem(LedgerGraphError):
    """The tenant's Sage connection cannot serve requests until someone acts."""


class NotConnected(ConnectionProblem):
    code = "NOT_CONNECTED"


class ReauthRequired(ConnectionProblem):
    code = "REAUTH_REQUIRED"


class BusinessUnavailable(ConnectionProblem):
    code = "BUSINESS_UNAVAILABLE"

    def __init__(self, message: str, *, status: int | None = None, **extensions: Any) -> None:
        super().__init__(message, **extensions)
        self.status = status


class ServiceUnavailable(LedgerGraphError):
    code = "SERVICE_UNAVAILABLE"
    retryable = True


class CursorExpiredError(LedgerGraphError):
    """A ``syncEvents`` cursor older than the events still kept: the client must re-query."""

    code = "CURSOR_EXPIRED"


class ConnectFlowError(LedgerGraphError):
    code = "CONNECT_FAILED"


class UpstreamError(LedgerGraphError):
    code = "UPSTREAM_ERROR"

    def __init__(self, message: str, *, status: int | None = None, **extensions: Any) -> None:
        super().__init__(message, **extensions)
        self.status = status


class UpstreamUnavailable(UpstreamError):
    code = "UPSTREAM_UNAVAILABLE"
    retryable = True


class RateLimited(UpstreamError):
    code = "RATE_LIMITED"
    retryable = True

    def __init__(
        self, message: str, *, retry_after: float | None = None, **extensions: Any
    ) -> None:
        if retry_after is not None:
            extensions["retryAfter"] = retry_after
        super().__init__(message, status=429, **extensions)
        self.retry_after = retry_after


class SageQuotaExhausted(UpstreamError):
    """The Sage app's daily budget, which every tenant shares, is spent (or, for polling and
    background calls, what is left of it is kept for interactive requests): Sage was not
    called. Retrying helps only after ``resetsAt``."""

    code = "SAGE_QUOTA_EXHAUSTED"

    def __init__(
        self, message: str, *, resets_at: str, retry_after: float, **extensions: Any
    ) -> None:
        super().__init__(
            message, status=429, resetsAt=resets_at, retryAfter=retry_after, **extensions
        )
        self.resets_at = resets_at
        self.retry_after = retry_after


class NotFound(UpstreamError):
    code = "NOT_FOUND"


class Forbidden(UpstreamError):
    code = "FORBIDDEN"


class ValidationFailed(UpstreamError):
    code = "VALIDATION_FAILED"


class StartupError(Exception):
    """The configuration cannot work; ``str()`` names the setting and how to fix it."""

    def __init__(self, message: str, *, setting: str) -> None:
        super().__init__(message)
        self.setting = setting
