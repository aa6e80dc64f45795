"""Sage's error bodies: a JSON array of ``{$severity, $dataCode, $message, $source}``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import wraps

import orjson
from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Problem:
    data_code: str
    message: str
    source: str = ""

    def as_json(self) -> dict[str, str]:
        return {
            "$severity": "error",
            "$dataCode": self.data_code,
            "$message": self.message,
            "$source": self.source,
        }


class SageError(Exception):
    """Raised anywhere below a handler; ``sage_errors`` turns it into Sage's response."""

    def __init__(self, status: int, problems: list[Problem]) -> None:
        super().__init__(problems[0].message if problems else str(status))
        self.status = status
        self.problems = problems

    def response(self) -> web.Response:
        return web.Response(
            status=self.status,
            body=orjson.dumps([p.as_json() for p in self.problems]),
            content_type="application/json",
        )


def record_not_found() -> SageError:
    return SageError(404, [Problem("RecordNotFound", "Couldn't find record.")])


def record_invalid(message: str, source: str) -> SageError:
    return SageError(422, [Problem("RecordInvalid", message, source)])


def invalid(problems: list[Problem]) -> SageError:
    return SageError(422, problems)


def route_not_found() -> SageError:
    return SageError(404, [Problem("RouteNotFound", "The requested route does not exist.")])


def method_not_allowed(method: str) -> SageError:
    return SageError(
        405, [Problem("MethodNotAllowed", f"The {method} method is not allowed for this resource.")]
    )


def access_denied(message: str, source: str = "") -> SageError:
    return SageError(403, [Problem("MultiUserAccessDenied", message, source)])


def authorization_failure(message: str = "Access denied.") -> SageError:
    return SageError(401, [Problem("AuthorizationFailure", message)])


def sage_errors(handler: Handler) -> Handler:
    @wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except SageError as error:
            return error.response()

    return wrapped
