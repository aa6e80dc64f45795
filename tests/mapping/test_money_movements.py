"""Bank transfers, bank deposits and other payments of every country map through the JSON the
sandbox serves (``mapping.money_movements``) and agree with the books; what only Canada
(tax address region) and Spain (IRPF withholding) send maps where they send it."""

from __future__ import annotations

from typing import Any

import pytest

from ledgergraph.connectors.sage.mapping import money_movements as mapping
from ledgergraph.connectors.sage.mapping.errors import PayloadError
from ledgergraph.model import Money
from ledgergraph.sandbox.api.resources import money_movements as sandbox
from ledgergraph.sandbox.books import World
from tests.mapping.conftest import COUNTRIES
from tests.mapping.sandbox_json import businesses_in, scope_for


@pytest.mark.parametrize("country", COUNTRIES)
def test_every_seeded_money_movement_maps_with_its_accounts_and_amounts(
    world: World, country: str
) -> None:
    for business in businesses_in(world, country):
        scope = scope_for(world, business)
        books = business.books
        base = books.base_currency_id()
        assert books.bank_transfers
        assert books.bank_deposits
        assert books.other_payments
        for t in books.bank_transfers.values():
            found = mapping.bank_transfer(
                sandbox.serialise_transfer(scope, t), business.id, currency=base
            )
            assert found.amount == Money(t.amount, base)
            assert found.from_bank_account is not None
            assert found.to_bank_account is not None
            assert (found.from_bank_account.id, found.to_bank_account.id) == (
                t.from_bank_account_id,
                t.to_bank_account_id,
            )
        for d in books.bank_deposits.values():
            deposit = mapping.bank_deposit(
                sandbox.serialise_deposit(scope, d), business.id, currency=base
            )
            assert deposit.total_amount == Money(d.cash_amount + d.cheque_amount, base)
        for o in books.other_payments.values():
            other = mapping.other_payment(
                sandbox.serialise_other(scope, o), business.id, currency=base
            )
            assert other.direction is (
                mapping.MoneyDirection.IN if o.money_in else mapping.MoneyDirection.OUT
            )
            assert other.total_amount == Money(o.total_amount, base)
            assert [
                (line.ledger_account.id if line.ledger_account else None) for line in other.lines
            ] == [line.ledger_account_id for line in o.lines]
            assert other.withholding_tax_amount is None


def _other(**fields: Any) -> dict[str, Any]:
    return {
        "id": "op1",
        "transaction_type": {"id": "OTHER_PAYMENT", "displayed_as": "Other Payment"},
        "date": "2026-01-05",
        "total_amount": "113.00",
        "payment_lines": [],
        **fields,
    }


def test_canadas_tax_region_and_spains_withholding_map_where_sage_sends_them() -> None:
    canadian = mapping.other_payment(
        _other(tax_address_region={"id": "CA-ON", "displayed_as": "Ontario"}), "b", currency="CAD"
    )
    assert canadian.tax_address_region == "CA-ON"
    spanish = mapping.other_payment(
        _other(withholding_tax_rate="15.0", withholding_tax_amount="15.00"), "b", currency="EUR"
    )
    assert spanish.withholding_tax_amount is not None
    assert spanish.withholding_tax_amount.currency == "EUR"
    assert str(spanish.withholding_tax_amount.amount) == "15.00"


@pytest.mark.parametrize(
    ("payload", "currency"),
    [(_other(transaction_type={"id": "JOURNAL"}), "GBP"), (_other(), None)],
    ids=["not an other payment", "no base currency"],
)
def test_what_cannot_be_an_other_payment_is_a_payload_error(
    payload: dict[str, Any], currency: str | None
) -> None:
    with pytest.raises(PayloadError):
        mapping.other_payment(payload, "b", currency=currency)
