"""Seeding of tax returns: the business's last quarterly VAT/GST returns.

Sage v3.1 serves ``/tax_returns`` in GB, IE and CA only (the Nov-2025 taxes module); other
countries' books get none. The four quarters before the current one: the older three
SUBMITTED and paid, the latest still a DRAFT — in GB a Making Tax Digital draft, which Sage
keeps apart (``/draft_tax_returns``, GB only). A return's total is the books' own: output tax
on the quarter's sales less input tax on its purchases (credit notes the other way), in the
base currency. Canada's are GST/HST returns.

Draws from its own ``Random(f"{business id}:tax_returns")`` so every record seeded before
stays as it was.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from random import Random

from ledgergraph.sandbox.books.money import ZERO, round_money
from ledgergraph.sandbox.books.records import ArtefactState, TaxReturn
from ledgergraph.sandbox.books.store import Books

WITH_TAX_RETURNS = ("GB", "IE", "CA")
QUARTERS = 4
# Where drafts are a list of their own.
WITH_DRAFTS = ("GB",)
RETURN_TYPES = {"CA": "GST_HST"}


def _quarters(today: date, count: int) -> list[tuple[date, date]]:
    start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    periods = []
    for _ in range(count):
        end = start - timedelta(days=1)
        start = date(end.year, end.month - 2, 1)
        periods.append((start, end))
    return sorted(periods)


def tax_due(books: Books, start: date, end: date) -> Decimal:
    """Output tax less input tax of the documents dated in [start, end], base currency."""
    due = ZERO
    for artefact in books.all_artefacts():
        kind = artefact.kind
        if artefact.deleted or kind.is_quote or artefact.state is not ArtefactState.POSTED:
            continue
        if not start <= artefact.date <= end:
            continue
        sign = (1 if kind.is_sales else -1) * (-1 if kind.is_credit_note else 1)
        due += sign * artefact.tax_amount / artefact.exchange_rate
    return round_money(due)


def seed_tax_returns(books: Books, business_id: str, epoch: datetime) -> None:
    country = books.country.code
    if country not in WITH_TAX_RETURNS:
        return
    rng = Random(f"{business_id}:tax_returns")
    periods = _quarters(epoch.date(), QUARTERS)
    for n, (start, end) in enumerate(periods):
        latest = n == len(periods) - 1
        made = datetime.combine(end + timedelta(days=1), time(10), tzinfo=UTC) + timedelta(
            seconds=rng.randrange(20 * 24 * 3600)
        )
        made = min(made, epoch - timedelta(seconds=60))
        record = TaxReturn(
            id=f"{rng.getrandbits(128):032x}",
            created_at=made,
            updated_at=made,
            tax_return_number=f"{end:%m%y}",
            period_start_date=start,
            period_end_date=end,
            total_amount=tax_due(books, start, end),
            paid=not latest,
            status_id="DRAFT" if latest else "SUBMITTED",
            tax_return_type_id=RETURN_TYPES.get(country),
        )
        apart = latest and country in WITH_DRAFTS
        (books.draft_tax_returns if apart else books.tax_returns)[record.id] = record
