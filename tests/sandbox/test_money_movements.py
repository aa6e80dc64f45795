"""``/bank_transfers``, ``/bank_deposits`` and ``/other_payments``: seeded in every country,
listed and filtered like Sage's, created only when Sage would, moving bank balances."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox, SandboxConfig
from ledgergraph.sandbox.books import Books
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
COLLECTIONS = ["bank_transfers", "bank_deposits", "other_payments"]


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    return SMALL_BOOKS


def bank(books: Books, type_id: str) -> str:
    return next(a.id for a in books.bank_accounts.values() if a.bank_account_type_id == type_id)


def transfer_body(sandbox: RunningSandbox, **fields: Any) -> Json:
    books = books_of(sandbox, "GB")
    return {
        "bank_transfer": {
            "from_bank_account_id": bank(books, "CHECKING"),
            "to_bank_account_id": bank(books, "SAVINGS"),
            "date": "2025-02-01",
            "amount": "300.00",
            "reference": "Save",
            **fields,
        }
    }


def deposit_body(sandbox: RunningSandbox, **fields: Any) -> Json:
    books = books_of(sandbox, "GB")
    return {
        "bank_deposit": {
            "from_bank_account_id": bank(books, "CASH_IN_HAND"),
            "to_bank_account_id": bank(books, "CHECKING"),
            "date": "2025-02-01",
            "reference": "Takings",
            "cash_amount": "80.00",
            "cheque_amount": "20.00",
            **fields,
        }
    }


def other_body(sandbox: RunningSandbox, *lines: Json, **fields: Any) -> Json:
    r = refs(sandbox)
    return {
        "other_payment": {
            "transaction_type_id": "OTHER_PAYMENT",
            "date": "2025-02-01",
            "bank_account_id": r.bank,
            "total_amount": "36.00",
            "payment_lines": list(lines)
            or [
                {
                    "ledger_account_id": r.purchase_ledger,
                    "net_amount": "30.00",
                    "tax_amount": "6.00",
                    "total_amount": "36.00",
                }
            ],
            **fields,
        }
    }


@pytest.mark.parametrize("country", COUNTRIES)
async def test_every_business_has_seeded_money_movements(
    api: httpx.AsyncClient, sandbox: RunningSandbox, country: str
) -> None:
    headers = in_business(sandbox, country)
    params = {"attributes": "all", "items_per_page": "200"}
    transfers = ok(await api.get("bank_transfers", params=params, headers=headers))["$items"]
    deposits = ok(await api.get("bank_deposits", params=params, headers=headers))["$items"]
    others = ok(await api.get("other_payments", params=params, headers=headers))["$items"]
    assert min(len(transfers), len(deposits), len(others)) >= 3
    for t in transfers:
        assert t["from_bank_account"]["id"] != t["to_bank_account"]["id"]
        assert dec(t["amount"]) > 0
        assert t["transaction_type"]["id"] == "BANK_TRANSFER"
    for d in deposits:
        assert dec(d["total_amount"]) == dec(d["cash_amount"]) + dec(d["cheque_amount"])
    for o in others:
        assert o["transaction_type"]["id"] in ("OTHER_PAYMENT", "OTHER_RECEIPT")
        lines = o["payment_lines"]
        assert sum(dec(line["total_amount"]) for line in lines) == dec(o["total_amount"])
        assert dec(o["net_amount"]) + dec(o["tax_amount"]) == dec(o["total_amount"])


@pytest.mark.parametrize("collection", COLLECTIONS)
async def test_lists_page_filter_by_date_and_read_by_path(
    api: httpx.AsyncClient, sandbox: RunningSandbox, collection: str
) -> None:
    every = ok(await api.get(collection, params={"items_per_page": "200", "attributes": "date"}))
    first = ok(await api.get(collection, params={"items_per_page": "2"}))
    second = ok(await api.get(collection, params={"items_per_page": "2", "page": "2"}))
    assert first["$next"] is not None
    assert {i["id"] for i in first["$items"]}.isdisjoint(i["id"] for i in second["$items"])
    dates = sorted(i["date"] for i in every["$items"])
    inside = ok(
        await api.get(
            collection,
            params={
                "from_date": dates[1],
                "to_date": dates[-2],
                "items_per_page": "200",
                "attributes": "date",
            },
        )
    )["$items"]
    assert {i["id"] for i in inside} == {
        i["id"] for i in every["$items"] if dates[1] <= i["date"] <= dates[-2]
    }
    detail = ok(await api.get(first["$items"][0]["$path"].lstrip("/")))
    assert detail["id"] == first["$items"][0]["id"]


async def test_other_payments_filter_by_type_bank_account_and_contact(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    books = books_of(sandbox, "GB")
    receipts = ok(await api.get("other_payments", params={"transaction_type_id": "OTHER_RECEIPT"}))[
        "$items"
    ]
    assert {i["id"] for i in receipts} == {
        o.id for o in books.other_payments.values() if o.money_in
    }
    somebody = refs(sandbox).vendor
    ok(await api.post("other_payments", json=other_body(sandbox, contact_id=somebody)), 201)
    theirs = ok(await api.get("other_payments", params={"contact_id": somebody}))["$items"]
    assert {i["id"] for i in theirs} == {
        o.id for o in books.other_payments.values() if o.contact_id == somebody
    }
    cash = ok(
        await api.get("other_payments", params={"bank_account_id": bank(books, "CASH_IN_HAND")})
    )
    assert cash["$items"] == []


async def test_a_transfer_moves_both_balances_and_can_be_changed_and_deleted(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    books = books_of(sandbox, "GB")
    checking, savings = bank(books, "CHECKING"), bank(books, "SAVINGS")
    before = books.bank_balance(checking), books.bank_balance(savings)
    made = ok(await api.post("bank_transfers", json=transfer_body(sandbox)), 201)
    assert (books.bank_balance(checking), books.bank_balance(savings)) == (
        before[0] - 300,
        before[1] + 300,
    )
    changed = ok(
        await api.put(f"bank_transfers/{made['id']}", json={"bank_transfer": {"amount": "5"}})
    )
    assert dec(changed["amount"]) == Decimal("5")
    ok(await api.delete(f"bank_transfers/{made['id']}"), 204)
    assert books.bank_balance(checking) == before[0]
    gone = ok(await api.get("bank_transfers", params={"deleted_since": "2000-01-01"}))
    assert [i["id"] for i in gone["$items"]] == [made["id"]]


async def test_a_deposit_and_an_other_payment_move_the_bank_balance(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    books = books_of(sandbox, "GB")
    checking = bank(books, "CHECKING")
    before = books.bank_balance(checking)
    deposit = ok(await api.post("bank_deposits", json=deposit_body(sandbox)), 201)
    assert dec(deposit["total_amount"]) == Decimal("100.00")
    other = ok(await api.post("other_payments", json=other_body(sandbox)), 201)
    assert other["transaction_type"]["id"] == "OTHER_PAYMENT"
    assert books.bank_balance(checking) == before + 100 - 36


async def test_an_other_payment_line_with_only_a_total_is_split_by_its_tax_rate(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    r = refs(sandbox)
    books = books_of(sandbox, "GB")
    rate = books.ledger_accounts[r.purchase_ledger].tax_rate_id
    line = {"ledger_account_id": r.purchase_ledger, "tax_rate_id": rate, "total_amount": "36.00"}
    made = ok(await api.post("other_payments", json=other_body(sandbox, line)), 201)
    pct = books.tax_percentage(rate, books.other_payments[made["id"]].date) if rate else 0
    assert dec(made["net_amount"]) == (Decimal("3600") / (100 + pct)).quantize(Decimal("0.01"))


@pytest.mark.parametrize(
    ("collection", "body", "source"),
    [
        ("bank_transfers", lambda s: transfer_body(s, amount="0"), "amount"),
        (
            "bank_transfers",
            lambda s: transfer_body(s, to_bank_account_id=uuid.uuid4().hex),
            "to_bank_account_id",
        ),
        (
            "bank_transfers",
            lambda s: transfer_body(s, to_bank_account_id=bank(books_of(s, "GB"), "CHECKING")),
            "to_bank_account_id",
        ),
        ("bank_transfers", lambda s: {"bank_transfer": {"amount": "1"}}, "from_bank_account_id"),
        (
            "bank_deposits",
            lambda s: deposit_body(s, from_bank_account_id=bank(books_of(s, "GB"), "SAVINGS")),
            "from_bank_account_id",
        ),
        ("bank_deposits", lambda s: deposit_body(s, total_amount="1.00"), "total_amount"),
        ("bank_deposits", lambda s: deposit_body(s, reference=None), "reference"),
        ("other_payments", lambda s: other_body(s, total_amount="35.00"), "total_amount"),
        (
            "other_payments",
            lambda s: other_body(s, transaction_type_id="JOURNAL"),
            "transaction_type_id",
        ),
        ("other_payments", lambda s: other_body(s, payment_lines=[]), "payment_lines"),
        (
            "other_payments",
            lambda s: other_body(s, {"ledger_account_id": uuid.uuid4().hex, "total_amount": "36"}),
            "payment_lines.ledger_account_id",
        ),
        (
            "other_payments",
            lambda s: other_body(
                s,
                {
                    "ledger_account_id": refs(s).purchase_ledger,
                    "net_amount": "30",
                    "tax_amount": "1",
                    "total_amount": "36",
                },
            ),
            "payment_lines.total_amount",
        ),
    ],
    ids=[
        "zero transfer",
        "unknown account",
        "same account",
        "no accounts",
        "deposit not from cash",
        "deposit total",
        "deposit reference",
        "other total",
        "other type",
        "no lines",
        "unknown ledger",
        "line sum",
    ],
)
async def test_what_sage_refuses_is_refused_with_its_source_and_not_stored(
    api: httpx.AsyncClient, sandbox: RunningSandbox, collection: str, body: Any, source: str
) -> None:
    books = books_of(sandbox, "GB")
    store: dict[str, Any] = getattr(books, collection)
    before = len(store)
    problem = error_of(await api.post(collection, json=body(sandbox)), 422)
    assert problem["$dataCode"] == "RecordInvalid"
    assert problem["$source"] == source
    assert len(store) == before
