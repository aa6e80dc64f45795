"""Calling Sage v3.1 directly, for what the unified model lacks, through a tenant's connection.

LedgerGraph adds the tenant's access token and ``X-Business`` (the selected business, or one
named with ``?business=`` that the tenant's Sage user can access) and answers with Sage's own
status and JSON body. It is never a way to reach anything else:

* the path is a relative v3.1 resource path under an allow-listed first segment
  (``LEDGERGRAPH_SAGE_PASSTHROUGH_PATHS``): letters, digits, ``_`` and ``-`` between single
  slashes — no ``..``, ``//``, scheme, host, backslash or percent-encoding at all;
* the host is always the configured Sage API, with the tenant's own token;
* query parameters have plain names and reach Sage as parameters, never as part of the URL;
* writes (POST, PUT, DELETE) need a write-capable credential and an ``Idempotency-Key``: the
  outcome is remembered per tenant and key like a mutation's, and POST/PUT bodies carry
  Sage's ``idempotency_id`` derived from it, so a retried write makes one object;
* every call spends from the business's Sage budget, like every other Sage call.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from ledgergraph.connectors.sage.client import SageClient, resource_kind
from ledgergraph.connectors.sage.retry import RETRYABLE_STATUSES, RetryPolicy
from ledgergraph.errors import BadUserInput, InsufficientScope
from ledgergraph.idempotency import Claim, Idempotency, Replay, check_key, sage_idempotency_id
from ledgergraph.ids import GlobalId
from ledgergraph.types import TenantId

__all__ = ["METHODS", "Passthrough", "PassthroughRequest", "SageAnswer", "check_path"]

METHODS = frozenset({"GET", "POST", "PUT", "DELETE"})
WRITES = frozenset({"POST", "PUT", "DELETE"})
OPERATION = "sagePassthrough"
_SEGMENT = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
_PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_RAW_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_SEGMENTS = 6
MAX_PARAMS = 30
MAX_PARAM_VALUE = 1000
# Parameters that carry credentials or would choose another business than ``business``.
_REFUSED_PARAMS = frozenset(
    {"access_token", "token", "key", "api_key", "apikey", "x_business", "business_id"}
)
# Stored as the outcome of a write: Sage decided it, so a retry must not send it again.
_TRANSIENT_STATUSES = frozenset({401, 408, 429}) | RETRYABLE_STATUSES


def check_path(raw: str, prefixes: Sequence[str]) -> str:
    """``raw`` (the undecoded path after ``/sage/``) as Sage's ``/<path>``, or ``BadUserInput``.

    Checked before decoding and strictly: anything that could be read as another path, host or
    scheme by some layer (``%2e%2e``, ``%2f``, ``\\``, ``//``, ``http:``) is refused outright.
    """
    segments = raw.split("/")
    if (
        not raw
        or len(segments) > MAX_SEGMENTS
        or not all(_SEGMENT.match(segment) for segment in segments)
    ):
        raise BadUserInput(
            "The Sage path must be a relative v3.1 resource path such as contacts or "
            "contacts/<id>: letters, digits, '_' and '-' between single slashes (no '..', "
            "'//', percent-encoding, backslashes, schemes or hosts).",
            field="path",
        )
    if not any(segments[: len(p.split("/"))] == p.split("/") for p in prefixes):
        raise BadUserInput(
            f"Sage path /{segments[0]} is not allowed through the passthrough; allowed: "
            f"{', '.join(sorted(prefixes))} (LEDGERGRAPH_SAGE_PASSTHROUGH_PATHS).",
            field="path",
        )
    return "/" + raw


def check_params(query: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    if len(query) > MAX_PARAMS:
        raise BadUserInput(f"At most {MAX_PARAMS} query parameters.", field="query")
    for name, value in query:
        if not _PARAM_NAME.match(name) or name.lower() in _REFUSED_PARAMS:
            raise BadUserInput(
                f"Query parameter {name[:64]!r} is not passed to Sage: names are letters, "
                "digits and '_', and never credentials (choose the business with ?business=).",
                field="query",
            )
        if len(value) > MAX_PARAM_VALUE or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
            raise BadUserInput(
                f"Query parameter {name!r} is too long or holds control characters.",
                field="query",
            )
    return tuple(query)


def business_argument(value: str | None) -> str | None:
    """``?business=``: a Business global ID or Sage's own id."""
    if value is None:
        return None
    try:
        return GlobalId.decode(value, expect="Business").remote_id
    except BadUserInput:
        if _RAW_ID.match(value):
            return value
        raise BadUserInput(
            "business must be a Business ID (or Sage's business id).", field="business"
        ) from None


def json_body(method: str, raw: bytes) -> dict[str, Any] | None:
    """A write's JSON body: empty, or Sage's ``{"<root>": {...}}`` without idempotency_id."""
    if not raw.strip():
        return None
    if method not in ("POST", "PUT"):
        raise BadUserInput(f"A {method} through the passthrough takes no body.", field="body")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise BadUserInput("The body must be JSON.", field="body") from None
    if not (isinstance(body, dict) and len(body) == 1 and isinstance(_root(body), dict)):
        raise BadUserInput(
            'The body must be Sage\'s shape: one root object, e.g. {"contact": {...}}.',
            field="body",
        )
    if "idempotency_id" in _root(body):
        raise BadUserInput(
            "Do not set idempotency_id: LedgerGraph derives it from the Idempotency-Key "
            "header, so retries with that key stay safe.",
            field="body",
        )
    return body


def _root(body: dict[str, Any]) -> Any:
    return next(iter(body.values()))


@dataclass(frozen=True, slots=True)
class PassthroughRequest:
    method: str
    path: str  # checked: ``/contacts/...``
    params: tuple[tuple[str, str], ...]
    business: str | None
    body: dict[str, Any] | None
    idempotency_key: str | None
    can_write: bool


@dataclass(frozen=True, slots=True)
class SageAnswer:
    status: int
    body: bytes
    business: str
    replayed: bool = False


class Passthrough:
    """Sage's own answers through the client's one transport (``SageClient.exchange``): the
    same budget, token refresh and retries as every other call, without error mapping."""

    def __init__(
        self,
        sage: SageClient,
        idempotency: Idempotency,
        *,
        read_retry: RetryPolicy,
        write_retry: RetryPolicy,
    ) -> None:
        self._sage = sage
        self._idempotency = idempotency
        self._read_retry = read_retry
        self._write_retry = write_retry

    async def call(self, tenant: TenantId, request: PassthroughRequest) -> SageAnswer:
        """Refusals (scope, key, business) come before anything is sent."""
        if request.method not in METHODS:
            raise BadUserInput(f"Method {request.method} is not passed to Sage.")
        if request.method not in WRITES:
            business = await self._sage.business_for(tenant, request.business)
            response = await self._exchange(tenant, business.id, request, None)
            return SageAnswer(response.status_code, response.content, business.id)
        if not request.can_write:
            raise InsufficientScope(
                "This API key is read-only: Sage writes through the passthrough need a key "
                "with scope 'write'.",
                required="write",
            )
        if request.idempotency_key is None:
            raise BadUserInput(
                "Writes through the passthrough need an Idempotency-Key header, unique to the "
                "operation and reused when retrying it.",
                field="Idempotency-Key",
            )
        key = check_key(request.idempotency_key)
        business = await self._sage.business_for(tenant, request.business)
        return await self._write(tenant, business.id, key, request)

    async def _write(
        self, tenant: TenantId, business: str, key: str, request: PassthroughRequest
    ) -> SageAnswer:
        described = {
            "business": business,
            "method": request.method,
            "path": request.path,
            "params": request.params,
            "body": request.body,
        }
        outcome = await self._idempotency.begin(tenant, key, OPERATION, described)
        if isinstance(outcome, Replay):
            stored = outcome.record.result
            return SageAnswer(
                int(stored["status"]), str(stored["body"]).encode(), business, replayed=True
            )
        claim: Claim = outcome
        payload = request.body
        if payload is not None:
            root, fields = next(iter(payload.items()))
            payload = {
                root: {
                    **fields,
                    "idempotency_id": sage_idempotency_id(tenant, business, key, claim.fingerprint),
                }
            }
        try:
            async with self._idempotency.held(claim):
                response = await self._exchange(tenant, business, request, payload)
        except Exception:
            await self._idempotency.release(claim)
            raise
        status = response.status_code
        if status in _TRANSIENT_STATUSES or status >= 500:
            await self._idempotency.release(claim)
        else:
            await self._idempotency.succeed(
                claim, {"status": status, "body": response.content.decode(errors="replace")}
            )
        if status < 400:
            await self._sage.invalidate(tenant, business, resource_kind(request.path))
        return SageAnswer(status, response.content, business)

    async def _exchange(
        self,
        tenant: TenantId,
        business: str,
        request: PassthroughRequest,
        payload: dict[str, Any] | None,
    ) -> httpx.Response:
        """Sage's answer, whatever its status. A write is repeated only when its body carries
        the ``idempotency_id``; a DELETE or a body-less POST/PUT gets one attempt."""
        return await self._sage.exchange(
            tenant,
            request.method,
            request.path,
            business=business,
            params=request.params,
            json=payload,
            retry=self._read_retry if request.method == "GET" else self._write_retry,
            idempotent=payload is not None,
        )
