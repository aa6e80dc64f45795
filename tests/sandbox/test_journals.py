"""``/journals``: seeded per business, listed and read like Sage's, created only balanced."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox, SandboxConfig
from tests.sandbox.sage_api import (
    COUNTRIES,
    SMALL_BOOKS,
    books_of,
    dec,
    error_of,
    in_business,
    ok,
    refs,
)

Json = dict[str, Any]


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    return SMALL_BOOKS


def journal_body(sandbox: RunningSandbox, *lines: tuple[str, str], **fields: Any) -> Json:
    """A journal debiting purchases and crediting sales by each (debit, credit) pair given."""
    r = refs(sandbox)
    ledgers = [r.purchase_ledger, r.sales_ledger]
    return {
        "journal": {
            "date": "2025-01-31",
            "reference": "Year-end adjustment",
            "journal_lines": [
                {"ledger_account_id": ledgers[i % 2], "debit": debit, "credit": credit}
                for i, (debit, credit) in enumerate(lines)
            ],
            **fields,
        }
    }


BALANCED = (("100.00", "0"), ("0", "100.00"))


@pytest.mark.parametrize("country", COUNTRIES)
async def test_every_business_has_balanced_seeded_journals(
    api: httpx.AsyncClient, sandbox: RunningSandbox, country: str
) -> None:
    page = ok(
        await api.get(
            "journals",
            params={"attributes": "all", "items_per_page": "200"},
            headers=in_business(sandbox, country),
        )
    )
    assert page["$total"] >= 3
    for journal in page["$items"]:
        lines = journal["journal_lines"]
        assert len(lines) >= 2
        debits = sum(dec(line["debit"]) for line in lines)
        assert debits == sum(dec(line["credit"]) for line in lines) == dec(journal["total"])
        assert journal["transaction_type"]["id"] == "JOURNAL"


async def test_the_list_pages_and_a_journal_reads_by_its_path(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    first = ok(await api.get("journals", params={"items_per_page": "2"}))
    second = ok(await api.get("journals", params={"items_per_page": "2", "page": "2"}))
    assert first["$next"] is not None
    assert {j["id"] for j in first["$items"]}.isdisjoint(j["id"] for j in second["$items"])
    detail = ok(await api.get(first["$items"][0]["$path"].lstrip("/")))
    assert detail["id"] == first["$items"][0]["id"]
    assert detail["journal_lines"][0]["ledger_account"]["$path"].startswith("/ledger_accounts/")


async def test_a_balanced_journal_is_created_and_moves_its_ledger_accounts(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    created = ok(await api.post("journals", json=journal_body(sandbox, *BALANCED)), 201)
    assert dec(created["total"]) == Decimal("100.00")
    assert [dec(line["debit"]) for line in created["journal_lines"]] == [100, 0]
    stored = books_of(sandbox, "GB").journals[created["id"]]
    movements = books_of(sandbox, "GB").ledger_movements(stored.date, stored.date)
    assert movements[refs(sandbox).purchase_ledger][0] >= Decimal("100.00")
    listed = ok(await api.get("journals", params={"updated_or_created_since": "2100-01-01"}))
    assert listed["$items"] == []


@pytest.mark.parametrize(
    ("lines", "source"),
    [
        ((("100.00", "0"), ("0", "99.99")), "journal_lines"),
        ((("100.00", "0"),), "journal_lines"),
        ((("100.00", "100.00"), ("0", "0")), "journal_lines.debit"),
        ((("-5", "0"), ("0", "-5")), "journal_lines.debit"),
    ],
    ids=["unbalanced", "one line", "both sides", "negative"],
)
async def test_an_invalid_journal_is_refused_and_not_stored(
    api: httpx.AsyncClient, sandbox: RunningSandbox, lines: tuple[tuple[str, str], ...], source: str
) -> None:
    before = len(books_of(sandbox, "GB").journals)
    problem = error_of(await api.post("journals", json=journal_body(sandbox, *lines)), 422)
    assert problem["$dataCode"] == "RecordInvalid"
    assert problem["$source"] == source
    assert len(books_of(sandbox, "GB").journals) == before


async def test_a_journal_naming_an_unknown_ledger_account_is_refused(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    body = journal_body(sandbox, *BALANCED)
    body["journal"]["journal_lines"][0]["ledger_account_id"] = uuid.uuid4().hex
    problem = error_of(await api.post("journals", json=body), 422)
    assert problem["$source"] == "journal_lines.ledger_account_id"
    assert "Couldn't find ledger account" in problem["$message"]


async def test_a_repeated_idempotency_id_creates_one_journal(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    body = journal_body(sandbox, *BALANCED, idempotency_id=uuid.uuid4().hex)
    before = len(books_of(sandbox, "GB").journals)
    first = await api.post("journals", json=body)
    second = await api.post("journals", json=body)
    assert first.status_code == second.status_code == 201
    assert first.content == second.content
    assert len(books_of(sandbox, "GB").journals) == before + 1


async def test_a_deleted_journal_shows_in_deleted_since_and_journals_take_no_put(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    created = ok(await api.post("journals", json=journal_body(sandbox, *BALANCED)), 201)
    assert (await api.put(f"journals/{created['id']}", json={"journal": {}})).status_code == 405
    ok(await api.delete(f"journals/{created['id']}"), 204)
    assert (await api.get(f"journals/{created['id']}")).status_code == 404
    gone = ok(await api.get("journals", params={"deleted_since": "2000-01-01"}))
    assert [j["id"] for j in gone["$items"]] == [created["id"]]
