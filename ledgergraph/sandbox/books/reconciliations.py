"""Seeding of bank reconciliations: the last few month-end statements of each bank account.

Sage's Feb-2025 spec lists ``/bank_reconciliations`` in every country but Germany (its DE
businesses had none in v3.1), so German books get none. Each account's reconciliations are
consecutive months: one starts where the one before closed; the older ones are COMPLETED
(the statement matches the books), the latest is a DRAFT still off by the unmatched items.
The amounts are the books' own: what moved through the account in the month.

Draws from its own ``Random(f"{business id}:bank_reconciliations")`` so every record seeded
before stays as it was.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from random import Random

from ledgergraph.sandbox.books.money import ZERO
from ledgergraph.sandbox.books.records import BankReconciliation
from ledgergraph.sandbox.books.store import Books

MONTHS = 3
# Cash in hand has no statement to reconcile with.
_RECONCILED_TYPES = ("CHECKING", "SAVINGS", "CREDIT_CARD")
WITHOUT_RECONCILIATIONS = ("DE",)


def _month_ends(epoch: date, months: int) -> list[date]:
    ends: list[date] = []
    end = epoch.replace(day=1) - timedelta(days=1)
    for _ in range(months):
        ends.append(end)
        end = end.replace(day=1) - timedelta(days=1)
    return sorted(ends)


def bank_flows(books: Books, bank_account_id: str) -> list[tuple[date, Decimal]]:
    """Every dated movement of one bank account: positive in, negative out."""
    flows: list[tuple[date, Decimal]] = []
    for p in books.contact_payments.values():
        if not p.deleted and p.bank_account_id == bank_account_id:
            flows.append((p.date, p.total_amount if p.money_in else -p.total_amount))
    for t in books.bank_transfers.values():
        if not t.deleted and bank_account_id in (t.to_bank_account_id, t.from_bank_account_id):
            flows.append(
                (t.date, t.amount if t.to_bank_account_id == bank_account_id else -t.amount)
            )
    for d in books.bank_deposits.values():
        if not d.deleted and bank_account_id in (d.to_bank_account_id, d.from_bank_account_id):
            amount = d.total_amount
            flows.append((d.date, amount if d.to_bank_account_id == bank_account_id else -amount))
    for o in books.other_payments.values():
        if not o.deleted and o.bank_account_id == bank_account_id:
            flows.append((o.date, o.total_amount if o.money_in else -o.total_amount))
    return flows


def seed_bank_reconciliations(books: Books, business_id: str, epoch: datetime) -> None:
    if books.country.code in WITHOUT_RECONCILIATIONS:
        return
    rng = Random(f"{business_id}:bank_reconciliations")
    ends = _month_ends(epoch.date(), MONTHS)
    for account in books.bank_accounts.values():
        if account.bank_account_type_id not in _RECONCILED_TYPES or account.deleted:
            continue
        flows = bank_flows(books, account.id)
        first_day = ends[0].replace(day=1)
        balance = account.opening_balance + sum(
            (amount for on, amount in flows if on < first_day), ZERO
        )
        start = first_day
        for n, end in enumerate(ends):
            month = [amount for on, amount in flows if start <= on <= end]
            received = sum((a for a in month if a > 0), ZERO)
            paid = -sum((a for a in month if a < 0), ZERO)
            latest = n == len(ends) - 1
            closing = balance + received - paid
            # A draft's statement still shows items the books have not matched yet.
            statement = closing + Decimal(rng.randrange(1, 50000)) / 100 if latest else closing
            done = datetime.combine(end + timedelta(days=1), time(9), tzinfo=UTC) + timedelta(
                seconds=rng.randrange(8 * 3600)
            )
            done = min(done, epoch - timedelta(seconds=60))
            reconciliation = BankReconciliation(
                id=f"{rng.getrandbits(128):032x}",
                created_at=done,
                updated_at=done,
                bank_account_id=account.id,
                statement_date=end,
                statement_end_balance=statement,
                starting_balance=balance,
                total_received=received,
                total_paid=paid,
                status_id="DRAFT" if latest else "COMPLETED",
                reference=f"STMT {end:%Y-%m}",
            )
            books.bank_reconciliations[reconciliation.id] = reconciliation
            balance, start = closing, end + timedelta(days=1)
