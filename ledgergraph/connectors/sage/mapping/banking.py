"""Sage bank accounts → ``BankAccount``."""

from __future__ import annotations

from ledgergraph.connectors.sage.mapping.values import (
    Payload,
    decimal,
    flag,
    money,
    obj,
    ref,
    ref_id,
    required_id,
    text,
)
from ledgergraph.model import BankAccount, BankAccountKind

BANK_ACCOUNT_KINDS: dict[str, BankAccountKind] = {
    "CHECKING": BankAccountKind.CHECKING,
    "SAVINGS": BankAccountKind.SAVINGS,
    "CREDIT_CARD": BankAccountKind.CREDIT_CARD,
    "CASH_IN_HAND": BankAccountKind.CASH,
    "LOAN": BankAccountKind.LOAN,
    "OTHER": BankAccountKind.OTHER,
    # Sage's read-only system type for Stripe balances.
    "STRIPE": BankAccountKind.OTHER,
}


def bank_account(data: Payload, business_id: str, *, currency: str | None = None) -> BankAccount:
    """A ``BankAccount`` from a ``/bank_accounts`` item.

    Sage leaves ``currency`` null for accounts in the base currency; ``currency`` fills it in.
    """
    details = obj(data, "bank_account_details") or {}
    held_in = ref_id(data, "currency") or currency
    return BankAccount(
        business_id=business_id,
        remote_id=required_id(data, "bank account"),
        remote_data=dict(data),
        name=text(details, "account_name") or text(data, "displayed_as") or "",
        kind=BANK_ACCOUNT_KINDS.get(ref_id(data, "bank_account_type") or ""),
        account_number=text(details, "account_number"),
        sort_code=text(details, "sort_code"),
        iban=text(details, "iban"),
        bic=text(details, "bic"),
        balance=money(decimal(data, "balance"), held_in),
        currency=held_in,
        ledger_account=ref(data, "ledger_account"),
        is_active=flag(data, "is_active", default=True),
    )
