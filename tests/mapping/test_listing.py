"""A whole list's objects are built as they are looked up (``reads.Listing``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledgergraph.connectors.sage.reads import Listing


@dataclass(frozen=True)
class _Built:
    remote_id: str
    name: str


def _listing(payloads: list[dict[str, Any]], key: str = "id") -> tuple[Listing, list[str]]:
    built: list[str] = []

    def build(payload: Any) -> _Built:
        built.append(payload["id"])
        return _Built(str(payload[key]), payload["name"])

    return Listing(payloads, build), built


CHART = [{"id": "a", "name": "Sales"}, {"id": "b", "name": "Bank"}, {"id": "c", "name": "VAT"}]


def test_looking_up_one_object_builds_that_one_only() -> None:
    listing, built = _listing(CHART)
    assert listing.get("b") == _Built("b", "Bank")
    assert listing.get("b") == _Built("b", "Bank")
    assert built == ["b"]


def test_an_id_the_list_lacks_is_none() -> None:
    listing, _ = _listing(CHART)
    assert listing.get("z") is None


def test_all_is_every_object_in_list_order() -> None:
    listing, _ = _listing(CHART)
    assert [obj.remote_id for obj in listing.all()] == ["a", "b", "c"]


def test_objects_keyed_by_another_field_than_the_payload_id_are_found() -> None:
    # Reference data: a currency's remote id is its code, not its payload's id.
    listing, _ = _listing([{"id": "1", "code": "GBP", "name": "Pound"}], key="code")
    assert listing.get("GBP") == _Built("GBP", "Pound")
    assert listing.get("1") is None


def test_a_later_duplicate_wins() -> None:
    listing, _ = _listing([{"id": "a", "name": "Old"}, {"id": "a", "name": "New"}])
    assert listing.get("a") == _Built("a", "New")
