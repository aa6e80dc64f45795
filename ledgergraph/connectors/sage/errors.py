"""Sage's error answers, turned into LedgerGraph's error hierarchy (``ledgergraph.errors``).

Sage answers errors with a JSON list of ``{"$severity", "$dataCode", "$message", "$source"}``.
The first entry names the problem; ``$source`` names the field for validation errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from ledgergraph.errors import (
    Forbidden,
    NotFound,
    RateLimited,
    UpstreamError,
    UpstreamUnavailable,
    ValidationFailed,
)


@dataclass(frozen=True, slots=True)
class SageProblem:
    data_code: str
    message: str
    source: str


def problems(response: httpx.Response) -> list[SageProblem]:
    try:
        body: Any = response.json()
    except ValueError:
        return []
    if isinstance(body, dict):
        body = [body]
    if not isinstance(body, list):
        return []
    return [
        SageProblem(
            data_code=str(item.get("$dataCode", "")),
            message=str(item.get("$message", "")),
            source=str(item.get("$source", "")),
        )
        for item in body
        if isinstance(item, dict)
    ]


def retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def error_from_response(response: httpx.Response) -> UpstreamError:
    status = response.status_code
    found = problems(response)
    first = found[0] if found else SageProblem("", "", "")
    detail = first.message or response.reason_phrase
    sage = {"sageCode": first.data_code} if first.data_code else {}
    if status == 429:
        return RateLimited(
            "Sage's rate limit was reached; retry after the indicated delay.",
            retry_after=retry_after(response),
        )
    if status >= 500:
        return UpstreamUnavailable(
            f"Sage is unavailable (HTTP {status}); retry later.", status=status, **sage
        )
    if status == 404:
        return NotFound(f"Sage has no such record: {detail}", status=status, **sage)
    if status == 403:
        return Forbidden(
            f"The Sage user is not allowed to do this: {detail}", status=status, **sage
        )
    if status in (400, 409, 422):
        fields = [{"field": p.source, "message": p.message, "sageCode": p.data_code} for p in found]
        summary = (
            "; ".join(f"{p.source}: {p.message}" if p.source else p.message for p in found)
            or detail
        )
        return ValidationFailed(
            f"Sage rejected the request: {summary}", status=status, fields=fields
        )
    return UpstreamError(f"Sage answered HTTP {status}: {detail}", status=status, **sage)
