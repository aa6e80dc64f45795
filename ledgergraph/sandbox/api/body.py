"""Reading Sage's root-wrapped write bodies (``{"contact": {...}}``) field by field.

Problems are collected rather than raised one at a time, so a 422 lists every bad field
the way Sage's validation does; ``$source`` is the dotted field path (``invoice_lines.unit_price``).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import orjson
from aiohttp import web

from ledgergraph.sandbox.api.errors import Problem, SageError, invalid, record_invalid
from ledgergraph.sandbox.books.money import parse_decimal

REQUIRED = "This field is required"
_IDEMPOTENCY_ID = re.compile(r"^[0-9a-fA-F]{32}$")


class Problems:
    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, message: str, source: str) -> None:
        self.items.append(Problem("RecordInvalid", message, source))

    def raise_if_any(self) -> None:
        if self.items:
            raise invalid(self.items)


class Body:
    def __init__(self, data: dict[str, Any], problems: Problems, prefix: str = "") -> None:
        self.data = data
        self.problems = problems
        self.prefix = prefix

    def source(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def has(self, name: str) -> bool:
        return name in self.data

    def problem(self, name: str, message: str) -> None:
        self.problems.add(message, self.source(name))

    def _value(self, name: str, required: bool) -> Any:
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                self.problem(name, REQUIRED)
            return None
        return value

    def string(
        self, name: str, *, required: bool = False, max_length: int | None = None
    ) -> str | None:
        value = self._value(name, required)
        if value is None:
            # An explicit empty string clears optional text, which Sage allows.
            return "" if self.data.get(name) == "" and not required else None
        if not isinstance(value, str):
            self.problem(name, "This field must be a string")
            return None
        if max_length is not None and len(value) > max_length:
            self.problem(name, f"This field is too long (maximum is {max_length} characters)")
        return value

    def boolean(self, name: str, *, required: bool = False) -> bool | None:
        value = self._value(name, required)
        if value is None:
            return None
        if not isinstance(value, bool):
            self.problem(name, "This field must be true or false")
            return None
        return value

    def integer(self, name: str, *, required: bool = False) -> int | None:
        value = self._value(name, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(name, "This field must be a whole number")
            return None
        return value

    def decimal(
        self, name: str, *, required: bool = False, minimum: Decimal | None = None
    ) -> Decimal | None:
        value = self._value(name, required)
        if value is None:
            return None
        number = parse_decimal(value)
        if number is None:
            self.problem(name, "This field must be a number")
            return None
        if minimum is not None and number < minimum:
            self.problem(name, f"This field must be greater than or equal to {minimum}")
        return number

    def day(self, name: str, *, required: bool = False) -> date | None:
        value = self._value(name, required)
        if value is None:
            return None
        if isinstance(value, str) and _is_date(value):
            return date.fromisoformat(value)
        self.problem(name, "This field must be a valid date (YYYY-MM-DD)")
        return None

    def strings(self, name: str, *, required: bool = False) -> list[str] | None:
        value = self._value(name, required)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(name, "This field must be a list of strings")
            return None
        if required and not value:
            self.problem(name, REQUIRED)
        return list(value)

    def child(self, name: str) -> Body | None:
        value = self._value(name, False)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.problem(name, "This field must be an object")
            return None
        return Body(value, self.problems, f"{self.source(name)}.")

    def children(self, name: str, *, required: bool = False) -> list[Body] | None:
        value = self._value(name, required)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.problem(name, "This field must be a list of objects")
            return None
        if required and not value:
            self.problem(name, REQUIRED)
        return [Body(v, self.problems, f"{self.source(name)}.") for v in value]


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


async def read_json(request: web.Request) -> Any:
    raw = await request.read()
    if request.content_type != "application/json":
        raise SageError(
            415,
            [Problem("UnsupportedMediaType", "Only application/json request bodies are accepted.")],
        )
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise record_invalid("The request body is not valid JSON.", "base") from None


def root_of(document: Any, root: str) -> dict[str, Any]:
    """The resource object under ``root``; Sage answers a missing root like a missing field."""
    value = document.get(root) if isinstance(document, dict) else None
    if not isinstance(value, dict):
        raise record_invalid(REQUIRED, root)
    return value


def idempotency_id_of(fields: dict[str, Any]) -> str | None:
    value = fields.pop("idempotency_id", None)
    if value is None:
        return None
    if not isinstance(value, str) or not _IDEMPOTENCY_ID.match(value):
        raise record_invalid("must be a 32 character hexadecimal GUID", "idempotency_id")
    return value.lower()
