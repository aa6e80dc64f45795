"""Sage's scalar readers: the fast paths for orjson's own types answer exactly as the general
ones, the shared tables only ever share equal immutable values, and stay bounded."""

from __future__ import annotations

from collections import UserDict
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import pytest

from ledgergraph.connectors.sage.mapping import values
from ledgergraph.connectors.sage.mapping.errors import PayloadError
from ledgergraph.model import Ref


class Text(str):
    """A str that is not exactly ``str``: takes the general path."""


def _general(data: Any) -> Any:
    """The same payload as types that are not orjson's: the readers' general path."""
    if isinstance(data, dict):
        return MappingProxyType({k: _general(v) for k, v in data.items()})
    if isinstance(data, list):
        return tuple(_general(v) for v in data)
    if type(data) is str:
        return Text(data)
    return data


PAYLOAD: dict[str, Any] = {
    "name": "Acme Ltd",
    "blank": "",
    "amount": " 12.50 ",
    "zero": "0.00",
    "contact": {"id": "c1", "displayed_as": "Acme (ACM)", "$path": "/contacts/c1"},
    "bare": {"id": "t1"},
    "numbered": {"id": 7, "displayed_as": "Seven"},
    "empty_ref": {"id": "", "displayed_as": "nothing"},
    "lines": [{"id": "l1"}, {"id": "l2"}],
}


@pytest.mark.parametrize("key", ["name", "blank", "missing"])
def test_text_reads_alike_on_both_paths(key: str) -> None:
    assert values.text(PAYLOAD, key) == values.text(_general(PAYLOAD), key)


@pytest.mark.parametrize("key", ["amount", "zero", "missing", "blank"])
def test_decimals_read_alike_on_both_paths(key: str) -> None:
    fast = values.decimal(PAYLOAD, key)
    general = values.decimal(_general(PAYLOAD), key)
    assert fast == general
    assert str(fast) == str(general)  # the same digits: "0.00" stays "0.00"


@pytest.mark.parametrize("key", ["contact", "bare", "numbered", "empty_ref", "missing"])
def test_references_read_alike_on_both_paths(key: str) -> None:
    assert values.ref(PAYLOAD, key) == values.ref(_general(PAYLOAD), key)


def test_objects_and_lists_read_alike_on_both_paths() -> None:
    assert values.obj(PAYLOAD, "contact") == dict(values.obj(_general(PAYLOAD), "contact") or {})
    fast = values.objects(PAYLOAD, "lines")
    assert [dict(i) for i in values.objects(_general(PAYLOAD), "lines")] == fast
    fast.append({})  # a list of its own: the payload is untouched
    assert len(PAYLOAD["lines"]) == 2


def test_equal_texts_share_one_decimal_and_one_reference() -> None:
    first = {"a": "3.10", "r": {"id": "x9", "displayed_as": "X"}}
    again = {"a": "3.10", "r": {"id": "x9", "displayed_as": "X"}}
    assert values.decimal(first, "a") is values.decimal(again, "a")
    assert values.ref(first, "r") is values.ref(again, "r")
    # Equal numbers written differently are different values: never shared.
    assert str(values.decimal({"a": "3.1"}, "a")) == "3.1"
    assert values.ref({"r": {"id": "x9"}}, "r") == Ref("x9", None)


@pytest.mark.parametrize(
    ("data", "key", "reader"),
    [
        ({"a": "NaN"}, "a", values.decimal),
        ({"a": "1,5"}, "a", values.decimal),
        ({"a": True}, "a", values.decimal),
        ({"r": {"id": True}}, "r", values.ref),
        ({"r": "x"}, "r", values.ref),
        ({"t": 1.5}, "t", values.text),
        ({"l": [{"id": "a"}, "b"]}, "l", values.objects),
        ({"l": "ab"}, "l", values.objects),
    ],
)
def test_bad_values_are_refused_as_before(data: dict[str, Any], key: str, reader: Any) -> None:
    with pytest.raises(PayloadError):
        reader(data, key)
    with pytest.raises(PayloadError):
        reader(data, key)  # and again: nothing bad was remembered


def test_the_tables_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(values, "_TABLE_LIMIT", 4)
    monkeypatch.setattr(values, "_DECIMALS", {"0.5": Decimal("0.5")})
    monkeypatch.setattr(values, "_REFS", {})
    for i in range(10):
        assert values.decimal({"a": f"{i}.5"}, "a") == Decimal(f"{i}.5")
        assert values.ref({"r": {"id": f"id{i}"}}, "r") == Ref(f"id{i}", None)
        assert len(values._DECIMALS) <= 4
        assert len(values._REFS) <= 4


def test_a_mapping_that_is_not_a_dict_is_read_too() -> None:
    data = UserDict({"r": UserDict({"id": "u1", "displayed_as": "U"})})
    assert values.ref(data, "r") == Ref("u1", "U")
