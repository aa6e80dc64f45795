"""Injected faults: latency, canned failures before processing, and writes whose answer is lost."""

from __future__ import annotations

import asyncio
import socket
import struct
from dataclasses import asdict, dataclass, field
from fnmatch import fnmatchcase
from typing import Any, TypeVar

from aiohttp import web
from aiohttp.typedefs import Handler

from ledgergraph.sandbox.auth import is_api_request, sage_error
from ledgergraph.sandbox.keys import FAULTS, STATS
from ledgergraph.sandbox.stats import CONTROLS_PREFIX

_SAGE_ERRORS: dict[int, tuple[str, str]] = {
    401: ("AuthorizationFailure", "Access denied."),
    403: (
        "MultiUserAccessDenied",
        "The current user is not allowed to access that resource with that method.",
    ),
    404: ("RecordNotFound", "Couldn't find record."),
    429: ("TooManyRequests", "Too many requests. Please retry later."),
    503: ("ServiceUnavailable", "The service is temporarily unavailable. Please retry later."),
}
_UNEXPECTED = ("UnexpectedError", "An unexpected error occurred.")


@dataclass(slots=True)
class Rule:
    """Matches the next ``count`` requests whose method and path fit; ``*`` globs as in fnmatch."""

    path: str
    method: str = "*"
    count: int = 1

    def matches(self, method: str, path: str) -> bool:
        return fnmatchcase(method, self.method.upper()) and fnmatchcase(path, self.path)


R = TypeVar("R", bound=Rule)


@dataclass(slots=True)
class FailRule(Rule):
    status: int = 503
    retry_after: int = 1


@dataclass(slots=True)
class Faults:
    latency_ms: float = 0.0
    fail: list[FailRule] = field(default_factory=list)
    commit_then_drop: list[Rule] = field(default_factory=list)

    def configure(self, body: object) -> None:
        """Add what a ``POST /__sandbox/faults`` body asks for; raises ValueError if malformed."""
        if not isinstance(body, dict) or not body:
            raise ValueError("expected a JSON object with latency_ms, fail or commit_then_drop")
        unknown = set(body) - {"latency_ms", "fail", "commit_then_drop"}
        if unknown:
            raise ValueError(f"unknown fault kinds: {sorted(unknown)}")
        latency = body.get("latency_ms", self.latency_ms)
        if isinstance(latency, bool) or not isinstance(latency, int | float) or latency < 0:
            raise ValueError("latency_ms must be a number >= 0")
        fail = [_rule(FailRule, spec) for spec in _as_list(body.get("fail"))]
        drop = [_rule(Rule, spec) for spec in _as_list(body.get("commit_then_drop"))]
        if any(not 400 <= rule.status <= 599 for rule in fail):
            raise ValueError("fail.status must be an HTTP error status (400-599)")
        self.latency_ms = float(latency)
        self.fail += fail
        self.commit_then_drop += drop

    def clear(self) -> None:
        self.latency_ms = 0.0
        self.fail.clear()
        self.commit_then_drop.clear()

    def snapshot(self) -> dict[str, Any]:
        return asdict(self)

    def take_failure(self, method: str, path: str) -> FailRule | None:
        return _take(self.fail, method, path)

    def take_drop(self, method: str, path: str) -> Rule | None:
        return _take(self.commit_then_drop, method, path)


def _as_list(spec: object) -> list[object]:
    if spec is None:
        return []
    return list(spec) if isinstance(spec, list) else [spec]


def _rule(kind: type[R], spec: object) -> R:
    if not isinstance(spec, dict) or not isinstance(spec.get("path"), str):
        raise ValueError("each rule must be an object with a string path")
    try:
        rule = kind(**spec)
    except TypeError as exc:
        raise ValueError(f"bad rule {spec}: {exc}") from None
    numbers = [value for name, value in asdict(rule).items() if name not in ("path", "method")]
    if not isinstance(rule.method, str) or any(
        isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in numbers
    ):
        raise ValueError(f"bad rule {spec}: method is a string, count/status/retry_after ints > 0")
    return rule


def _take(rules: list[R], method: str, path: str) -> R | None:
    for rule in rules:
        if rule.matches(method, path):
            rule.count -= 1
            if rule.count == 0:
                rules.remove(rule)
            return rule
    return None


def failure_response(request: web.Request, rule: FailRule) -> web.Response:
    headers = {"Retry-After": str(rule.retry_after)} if rule.status in (429, 503) else None
    if is_api_request(request):
        data_code, message = _SAGE_ERRORS.get(rule.status, _UNEXPECTED)
        return sage_error(rule.status, data_code, message, headers=headers)
    # The OAuth endpoints answer in OAuth's own error shape.
    error = "temporarily_unavailable" if rule.status in (429, 503) else "server_error"
    body = {"error": error, "error_description": "Injected fault."}
    return web.json_response(body, status=rule.status, headers=headers)


def _reset_connection(request: web.Request) -> None:
    """Close the socket with an RST, so the client sees a reset instead of an answer."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


@web.middleware
async def faults_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith(CONTROLS_PREFIX):
        return await handler(request)
    faults = request.app[FAULTS]
    # ``latency_ms`` is how long Sage takes to answer, its own work included: the sandbox's
    # work (10-25 ms to build a page of 200 contacts with every attribute) counts toward it
    # rather than coming on top, and a write is applied at once, its answer sent at the end.
    answer_at = asyncio.get_running_loop().time() + faults.latency_ms / 1000
    rule = faults.take_failure(request.method, request.path)
    if rule is not None:
        response = failure_response(request, rule)
        await _until(answer_at)
        return response
    if faults.take_drop(request.method, request.path) is None:
        return await _answer(request, handler, answer_at)
    request.app[STATS].dropped += 1
    try:
        return await _answer(request, handler, answer_at)
    finally:
        # aiohttp finds the transport gone when it writes the answer, and drops it quietly.
        _reset_connection(request)


async def _answer(request: web.Request, handler: Handler, answer_at: float) -> web.StreamResponse:
    """The handler's answer (or error), not before ``answer_at``."""
    try:
        response = await handler(request)
    except web.HTTPException:
        await _until(answer_at)
        raise
    await _until(answer_at)
    return response


async def _until(moment: float) -> None:
    delay = moment - asyncio.get_running_loop().time()
    if delay > 0:
        await asyncio.sleep(delay)
