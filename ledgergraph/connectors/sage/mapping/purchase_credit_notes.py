"""Sage purchase credit notes → ``SupplierCreditNote``: a bill's counterpart, as the
unified model's documents are (``mapping.documents`` does the mapping; this names it).

A purchase credit note has no number of Sage's making: like a bill, its ``reference`` (what
Sage displays when there is one) is its number.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledgergraph.connectors.sage.mapping.documents import document
from ledgergraph.connectors.sage.mapping.values import Payload, text
from ledgergraph.model import Document

__all__ = ["SupplierCreditNote", "supplier_credit_note"]


@dataclass(frozen=True, slots=True)
class SupplierCreditNote(Document):
    """A credit note from a supplier: money the business is owed back against its bills."""

    vendor_reference: str | None = None


def supplier_credit_note(
    data: Payload, business_id: str, *, currency: str | None = None
) -> SupplierCreditNote:
    """A ``SupplierCreditNote`` from a ``/purchase_credit_notes`` item; ``currency``: the base
    currency fallback."""
    return document(
        SupplierCreditNote,
        data,
        business_id,
        resource="purchase credit note",
        number=text(data, "reference"),
        lines_key="credit_note_lines",
        fallback_currency=currency,
        vendor_reference=text(data, "vendor_reference"),
    )
