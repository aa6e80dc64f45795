"""``/ledger_entries``: the books' double-entry postings, listed and filtered like Sage's."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox, SandboxConfig
from ledgergraph.sandbox.books.records import ArtefactState
from tests.sandbox.sage_api import COUNTRIES, SMALL_BOOKS, books_of, dec, in_business, ok, refs

Json = dict[str, Any]


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    return SMALL_BOOKS


async def all_entries(api: httpx.AsyncClient, headers: dict[str, str], **params: str) -> list[Json]:
    items: list[Json] = []
    page = 1
    while True:
        body = ok(
            await api.get(
                "ledger_entries",
                params={"items_per_page": "200", "page": str(page), "attributes": "all", **params},
                headers=headers,
            )
        )
        items += body["$items"]
        if body["$next"] is None:
            return items
        page += 1


@pytest.mark.parametrize("country", COUNTRIES)
async def test_every_transaction_of_the_seeded_books_balances(
    api: httpx.AsyncClient, sandbox: RunningSandbox, country: str
) -> None:
    entries = await all_entries(api, in_business(sandbox, country))
    books = books_of(sandbox, country)
    posted = [
        a
        for a in books.all_artefacts()
        if a.state is ArtefactState.POSTED and not a.deleted and not a.kind.is_quote
    ]
    by_transaction: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for entry in entries:
        totals = by_transaction[entry["transaction"]["id"]]
        totals[0] += dec(entry["debit"])
        totals[1] += dec(entry["credit"])
        assert entry["ledger_account"]["id"] in books.ledger_accounts
    assert posted
    assert len(by_transaction) >= len(posted) + len(books.journals)
    assert all(debits == credits for debits, credits in by_transaction.values())
    # An invoice's entries carry its total on the sales ledger control.
    invoice = next(a for a in posted if a.kind.is_sales and not a.kind.is_credit_note)
    assert by_transaction[str(invoice.transaction_id)][0] == invoice.total_amount


async def test_the_list_filters_by_date_account_and_transaction(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    headers = in_business(sandbox, "GB")
    everything = await all_entries(api, headers)
    dates = sorted({entry["date"] for entry in everything})
    middle = dates[len(dates) // 2]
    dated = await all_entries(api, headers, from_date=middle, to_date=middle)
    assert dated
    assert len(dated) < len(everything)
    assert {entry["date"] for entry in dated} == {middle}
    sales = refs(sandbox).sales_ledger
    on_sales = await all_entries(api, headers, ledger_account_id=sales)
    assert on_sales == [e for e in everything if e["ledger_account"]["id"] == sales]
    transaction = everything[0]["transaction"]["id"]
    one = await all_entries(api, headers, transaction_id=transaction)
    assert one == [e for e in everything if e["transaction"]["id"] == transaction]
    detail = ok(await api.get(f"ledger_entries/{one[0]['id']}", headers=headers))
    assert detail["id"] == one[0]["id"]
    assert detail["debit"] == one[0]["debit"]
    assert (await api.get("ledger_entries/nope", headers=headers)).status_code == 404


async def test_a_created_journal_posts_its_lines_and_balance_details_agree(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    headers = in_business(sandbox, "GB")
    r = refs(sandbox)
    body = {
        "journal": {
            "date": "2030-06-30",
            "reference": "Accrual",
            "journal_lines": [
                {"ledger_account_id": r.purchase_ledger, "debit": "70.00", "credit": "0"},
                {"ledger_account_id": r.sales_ledger, "debit": "0", "credit": "70.00"},
            ],
        }
    }
    created = ok(await api.post("journals", json=body, headers=headers), 201)
    posted = await all_entries(api, headers, transaction_id=created["transaction"]["id"])
    assert [(e["debit"], e["credit"]) for e in posted] == [("70.0", "0.0"), ("0.0", "70.0")]
    params = {"show_balance_details": "true", "from_date": "2030-06-30", "to_date": "2030-06-30"}
    accounts = ok(
        await api.get(
            "ledger_accounts",
            params={**params, "items_per_page": "200", "attributes": "all"},
            headers=headers,
        )
    )["$items"]
    moved = {
        a["id"]: a["balance_details"]
        for a in accounts
        if dec(a["balance_details"]["debits"]) or dec(a["balance_details"]["credits"])
    }
    assert set(moved) == {r.purchase_ledger, r.sales_ledger}
    assert dec(moved[r.purchase_ledger]["debits"]) == Decimal("70.00")
