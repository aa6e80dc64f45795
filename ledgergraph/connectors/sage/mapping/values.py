"""Reading Sage's scalar encodings: decimal strings, dates, timestamps, embedded references.

On the path of every cold request (a page of 100 invoices is ~2,000 decimals and ~1,400
references), so each reader checks the common case first — the exact JSON types ``orjson``
gives, ``dict``, ``list`` and ``str`` — before the general (and slower, ABC-based) checks,
and the immutable values Sage repeats most (decimal strings, references) are shared from
small bounded tables instead of being built again. What each returns and raises is the same
either way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, TypeAlias

from ledgergraph.connectors.sage.mapping.errors import PayloadError
from ledgergraph.model import Address, Money, Ref

Payload: TypeAlias = Mapping[str, Any]

# Shared immutable values, by the exact text Sage sent: bounded (emptied when full), since
# amounts vary without limit while ids, names and round amounts repeat across a page.
_TABLE_LIMIT = 8192
_DECIMALS: dict[str, Decimal] = {}
_REFS: dict[tuple[str, str | None], Ref] = {}


def obj(data: Payload, key: str) -> Payload | None:
    value = data.get(key)
    if value is None or type(value) is dict:
        return value
    if not isinstance(value, Mapping):
        raise PayloadError(f"{key}: expected an object, got {type(value).__name__}")
    return value


def objects(data: Payload, key: str) -> list[Payload]:
    value = data.get(key)
    if value is None:
        return []
    if type(value) is list and all(type(item) is dict for item in value):
        return list(value)
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        raise PayloadError(f"{key}: expected a list, got {type(value).__name__}")
    items: list[Payload] = []
    for index, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise PayloadError(f"{key}[{index}]: expected an object, got {type(item).__name__}")
        items.append(item)
    return items


def text(data: Payload, key: str) -> str | None:
    """An optional string; Sage sends ``""`` and ``null`` alike for "not set"."""
    value = data.get(key)
    if type(value) is str:
        return value or None
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise PayloadError(f"{key}: expected a string, got {type(value).__name__}")
    return str(value)


def flag(data: Payload, key: str, default: bool = False) -> bool:
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise PayloadError(f"{key}: expected a boolean, got {type(value).__name__}")
    return value


def integer(data: Payload, key: str) -> int | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise PayloadError(f"{key}: expected an integer, got a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise PayloadError(f"{key}: expected an integer, got {value!r}")


def to_decimal(value: object, key: str) -> Decimal | None:
    if type(value) is str:
        known = _DECIMALS.get(value)
        if known is not None:
            return known
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise PayloadError(f"{key}: expected a decimal string, got a boolean")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        # Sage sends decimal strings; a float only arrives from a caller that parsed JSON
        # numbers itself. Its repr is the shortest round-trip text, so no binary noise leaks in.
        number = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise PayloadError(f"{key}: {value!r} is not a decimal") from None
    else:
        raise PayloadError(f"{key}: expected a decimal string, got {type(value).__name__}")
    if not number.is_finite():
        raise PayloadError(f"{key}: {value!r} is not a finite decimal")
    if type(value) is str:
        if len(_DECIMALS) >= _TABLE_LIMIT:
            _DECIMALS.clear()
        _DECIMALS[value] = number
    return number


def decimal(data: Payload, key: str) -> Decimal | None:
    return to_decimal(data.get(key), key)


def decimal_or_zero(data: Payload, key: str) -> Decimal:
    number = decimal(data, key)
    return Decimal(0) if number is None else number


def date(data: Payload, key: str) -> dt.date | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise PayloadError(f"{key}: expected a YYYY-MM-DD string, got {type(value).__name__}")
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise PayloadError(f"{key}: {value!r} is not a date") from None


def timestamp(data: Payload, key: str) -> dt.datetime | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise PayloadError(f"{key}: expected an ISO-8601 string, got {type(value).__name__}")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise PayloadError(f"{key}: {value!r} is not a timestamp") from None
    # Sage stamps are UTC; a naive one is read as UTC rather than as local time.
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


def ref(data: Payload, key: str) -> Ref | None:
    """An embedded ``{id, displayed_as, $path}`` object as a ``Ref`` (None when absent)."""
    value = obj(data, key)
    if value is None:
        return None
    ident = value.get("id")
    shown = value.get("displayed_as")
    if type(ident) is str and ident and (shown is None or type(shown) is str):
        found = _REFS.get((ident, shown))
        if found is None:
            if len(_REFS) >= _TABLE_LIMIT:
                _REFS.clear()
            found = _REFS[ident, shown] = Ref(ident, shown)
        return found
    if ident is None or ident == "":
        return None
    if isinstance(ident, bool) or not isinstance(ident, str | int):
        raise PayloadError(f"{key}.id: expected a string, got {type(ident).__name__}")
    return Ref(str(ident), shown if isinstance(shown, str) else None)


def ref_id(data: Payload, key: str) -> str | None:
    reference = ref(data, key)
    return None if reference is None else reference.id


def path_kind(data: Payload) -> str | None:
    """The collection an embedded object lives in: ``/products/x`` → ``products``."""
    path = data.get("$path")
    if not isinstance(path, str):
        return None
    parts = [part for part in path.split("/") if part]
    return parts[0] if parts else None


def money(amount: Decimal | None, currency: str | None) -> Money | None:
    if amount is None or currency is None:
        return None
    return Money(amount, currency)


_ADDRESS_FIELDS = ("address_line_1", "address_line_2", "city", "region", "postal_code", "country")


def address(data: Payload | None) -> Address | None:
    """A full address object; a bare reference (``{id, displayed_as}``) carries no address."""
    if data is None or not any(data.get(name) for name in _ADDRESS_FIELDS):
        return None
    return Address(
        line1=text(data, "address_line_1"),
        line2=text(data, "address_line_2"),
        city=text(data, "city"),
        region=text(data, "region"),
        postal_code=text(data, "postal_code"),
        country_code=ref_id(data, "country"),
    )


def required_id(data: Payload, resource: str) -> str:
    ident = data.get("id")
    if ident is None or ident == "" or isinstance(ident, bool) or not isinstance(ident, str | int):
        raise PayloadError(f"{resource}: missing or invalid id {ident!r}")
    return str(ident)
