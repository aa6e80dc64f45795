"""``/bank_reconciliations``, ``/tax_returns``, ``/draft_tax_returns`` and ``/exchange_rates``:
seeded per country as Sage has them, listed, filtered, paged and read one by one like Sage's."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books.reconciliations import bank_flows
from tests.sandbox.sage_api import (
    COUNTRIES,
    books_of,
    dec,
    error_of,
    in_business,
    ok,
    shared_sandbox_fixtures,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")
shared, sandbox, http, api = shared_sandbox_fixtures()


@pytest.mark.parametrize("country", COUNTRIES)
async def test_reconciliations_follow_each_account_month_by_month_except_in_germany(
    api: httpx.AsyncClient, sandbox: RunningSandbox, country: str
) -> None:
    books = books_of(sandbox, country)
    page = ok(
        await api.get(
            "bank_reconciliations",
            params={"attributes": "all", "items_per_page": "200"},
            headers=in_business(sandbox, country),
        )
    )
    if country == "DE":
        assert page["$items"] == []
        return
    by_account: dict[str, list[dict[str, object]]] = {}
    for item in page["$items"]:
        by_account.setdefault(item["bank_account"]["id"], []).append(item)
    assert by_account
    for account_id, items in by_account.items():
        flows = bank_flows(books, account_id)
        for before, after in itertools.pairwise(items):
            assert after["starting_balance"] == before["closing_balance"]
        for item in items:
            start = dec(str(item["starting_balance"]))
            received, paid = dec(str(item["total_received"])), dec(str(item["total_paid"]))
            assert dec(str(item["closing_balance"])) == start + received - paid
            end = str(item["statement_date"])
            assert start + received - paid == books.bank_accounts[account_id].opening_balance + sum(
                (a for on, a in flows if on.isoformat() <= end), Decimal(0)
            )


async def test_reconciliations_filter_by_bank_account_and_page(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    headers = in_business(sandbox, "GB")
    everything = ok(await api.get("bank_reconciliations", headers=headers))["$items"]
    assert len(everything) >= 4
    account = next(iter(books_of(sandbox, "GB").bank_reconciliations.values())).bank_account_id
    one = ok(
        await api.get(
            "bank_reconciliations",
            params={"bank_account_id": account, "attributes": "bank_account"},
            headers=headers,
        )
    )["$items"]
    assert one
    assert {item["bank_account"]["id"] for item in one} == {account}
    assert len(one) < len(everything)
    first = ok(
        await api.get("bank_reconciliations", params={"items_per_page": "3"}, headers=headers)
    )
    assert len(first["$items"]) == 3
    assert first["$next"] is not None
    second = ok(await api.get(first["$next"].lstrip("/"), headers=headers))
    assert {i["id"] for i in first["$items"]}.isdisjoint(i["id"] for i in second["$items"])
    missing = await api.get("bank_reconciliations/nope", headers=headers)
    assert error_of(missing, 404)["$dataCode"] == "RecordNotFound"


@pytest.mark.parametrize("country", COUNTRIES)
async def test_tax_returns_exist_in_britain_ireland_and_canada_with_drafts_apart_in_britain(
    api: httpx.AsyncClient, sandbox: RunningSandbox, country: str
) -> None:
    headers = in_business(sandbox, country)
    page = ok(await api.get("tax_returns", params={"attributes": "all"}, headers=headers))
    drafts = ok(await api.get("draft_tax_returns", params={"attributes": "all"}, headers=headers))
    if country not in ("GB", "IE", "CA"):
        assert page["$items"] == drafts["$items"] == []
        return
    items = page["$items"] + drafts["$items"]
    assert len(drafts["$items"]) == (1 if country == "GB" else 0)
    statuses = [item["status"]["id"] for item in items]
    assert statuses == ["SUBMITTED", "SUBMITTED", "SUBMITTED", "DRAFT"]
    assert [item["paid"] for item in items] == [True, True, True, False]
    ends = [item["period_end_date"] for item in items]
    starts = [item["period_start_date"] for item in items]
    assert ends == sorted(ends)
    for (end, _), (_, start) in itertools.pairwise(zip(ends, starts, strict=True)):
        assert date.fromisoformat(start) - date.fromisoformat(end) == timedelta(days=1)
    types = {None if t is None else t["id"] for t in (i["tax_return_type"] for i in items)}
    assert types == ({"GST_HST"} if country == "CA" else {None})


async def test_tax_returns_filter_by_the_start_of_their_period(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    headers = in_business(sandbox, "IE")
    starts = sorted(r.period_start_date for r in books_of(sandbox, "IE").tax_returns.values())
    params = {
        "from_period_start_date": starts[1].isoformat(),
        "to_period_start_date": starts[2].isoformat(),
        "attributes": "period_start_date",
    }
    page = ok(await api.get("tax_returns", params=params, headers=headers))
    assert [i["period_start_date"] for i in page["$items"]] == [d.isoformat() for d in starts[1:3]]


@pytest.mark.parametrize("country", COUNTRIES)
async def test_exchange_rates_run_from_the_base_currency_to_every_currency(
    api: httpx.AsyncClient, sandbox: RunningSandbox, country: str
) -> None:
    headers = in_business(sandbox, country)
    base = books_of(sandbox, country).base_currency_id()
    page = ok(
        await api.get(
            "exchange_rates", params={"attributes": "all", "items_per_page": "100"}, headers=headers
        )
    )
    assert page["$total"] == len(page["$items"]) == 34
    for item in page["$items"]:
        assert item["base_currency"]["id"] == base
        assert item["displayed_as"] == f"{base} -> {item['currency']['id']}"
        product = dec(item["rate"]) * dec(item["inverse_rate"])
        assert abs(product - 1) < Decimal("0.000001")
    own = ok(await api.get(f"exchange_rates/{base}", headers=headers))
    assert dec(own["rate"]) == 1
    assert error_of(await api.get("exchange_rates/XXX", headers=headers), 404)
    assert error_of(await api.post("exchange_rates", json={}, headers=headers), 405)
