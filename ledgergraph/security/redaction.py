"""Secrets never reach a log: bearer tokens, JWTs, Sage access/refresh tokens, the client
secret, authorization codes, connect links, Fernet keys and ciphertexts, the admin key, the
secret part of tenant API keys.

``install_log_redaction()`` (run by the CLI's logging setup and by ``create_app``) wraps the
log-record factory, so every record of every logger — LedgerGraph's, aiohttp's access log,
httpx's — is redacted once, as it is created, before any handler or formatter sees it:
message, exception text and stack. Secrets LedgerGraph is configured with are registered
(``register_secret``) and removed wherever they appear; the patterns catch the rest by shape.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import Any

__all__ = [
    "REDACTED",
    "RedactingFilter",
    "install_log_redaction",
    "redact",
    "register_secret",
]

REDACTED = "[REDACTED]"
# Shorter values are too likely to be ordinary words to be replaced everywhere.
MIN_SECRET_LENGTH = 8

_SENSITIVE_NAMES = (
    "access_token|refresh_token|id_token|client_secret|code_verifier|password|passwd|secret|"
    "api_key|apikey|admin_key|x-admin-key|jwt|token|assertion"
)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # An Authorization header's whole value, whatever its scheme.
    (re.compile(r"(?i)(\bauthorization\b[\"']?\s*[:=]\s*[\"']?)[^\"'\r\n,}]+"), rf"\1{REDACTED}"),
    # (not a WWW-Authenticate challenge: ``Bearer realm="..."``)
    (
        re.compile(r"(?i)\b(bearer|basic)\s+(?![A-Za-z]+=\")[A-Za-z0-9\-._~+/]+=*"),
        rf"\1 {REDACTED}",
    ),
    # Tenant API keys: the public prefix stays readable, the secret never does.
    (re.compile(r"\b(lgk_[A-Za-z0-9]{8}_)[A-Za-z0-9_-]+"), rf"\1{REDACTED}"),
    # JWTs (Sage's access tokens are JWTs too).
    (re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*)?"), REDACTED),
    # Fernet ciphertexts and keys (32 bytes, url-safe base64).
    (re.compile(r"\bgAAAAA[A-Za-z0-9_-]{20,}=*"), REDACTED),
    (re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}=(?![A-Za-z0-9_=-])"), REDACTED),
    # name=value / "name": "value" for names that hold secrets.
    (
        re.compile(
            rf"(?i)([\"']?\b[\w-]*?(?:{_SENSITIVE_NAMES})\b[\"']?\s*[:=]\s*[\"']?)"
            r"([^\"'&\s,;}]+)"
        ),
        rf"\1{REDACTED}",
    ),
    # One-time values in URLs and form bodies: OAuth codes and states, connect links, the
    # business chooser's token (``"code": "NOT_FOUND"`` in an error body is left alone).
    (re.compile(r"(?i)((?:^|[?&\s])(?:code|state|link|chooser)=)[^&\s\"']+"), rf"\1{REDACTED}"),
)

_secrets: set[str] = set()
_secrets_pattern: re.Pattern[str] | None = None
_lock = threading.Lock()
_installed = False


def register_secret(value: str | None) -> None:
    """Redact ``value`` verbatim wherever it appears from now on."""
    global _secrets_pattern
    if not value or len(value) < MIN_SECRET_LENGTH:
        return
    with _lock:
        if value in _secrets:
            return
        _secrets.add(value)
        # Longest first, so a secret containing another is removed whole.
        ordered = sorted(_secrets, key=len, reverse=True)
        _secrets_pattern = re.compile("|".join(re.escape(s) for s in ordered))


def redact(text: str) -> str:
    pattern = _secrets_pattern
    if pattern is not None:
        text = pattern.sub(REDACTED, text)
    for shape, replacement in _PATTERNS:
        text = shape.sub(replacement, text)
    return text


def redact_record(record: logging.LogRecord) -> None:
    """Replace the record's message, exception text and stack with redacted text."""
    if getattr(record, "_ledgergraph_redacted", False):
        return
    try:
        message = record.getMessage()
    except Exception:  # a malformed record: logging reports it itself
        return
    record.msg, record.args = redact(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    record._ledgergraph_redacted = True


class RedactingFilter(logging.Filter):
    """For handlers (e.g. one configured by a host application): redacts, never drops."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def install_log_redaction() -> None:
    """Redact every log record of this process from now on (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        previous: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            redact_record(record)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
