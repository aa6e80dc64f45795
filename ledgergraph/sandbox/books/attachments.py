"""Attachments: files a business keeps on its invoices, bills, contacts and other records.

Sage stores the file itself (``POST /attachments`` sends it base64-encoded, at most
2,621,440 bytes by the spec's ``file_size`` maximum) and serves it from
``GET /attachments/{key}/file``. Which media types Sage accepts is not in its spec; the
sandbox accepts the documents and images its web app offers to attach (``ACCEPTED``).

Seeding draws from its own ``Random(f"{business id}:attachments")`` so every record seeded
before stays as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from random import Random
from typing import TYPE_CHECKING

from ledgergraph.sandbox.books.records import Record

if TYPE_CHECKING:
    from ledgergraph.sandbox.books.store import Books

# The spec's ``file_size`` maximum (2.5 MiB).
MAX_FILE_BYTES = 2_621_440

# Media type → the file extensions it may carry.
ACCEPTED: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/gif": (".gif",),
    "image/tiff": (".tif", ".tiff"),
    "text/plain": (".txt",),
    "text/csv": (".csv",),
    "application/rtf": (".rtf",),
    "application/msword": (".doc",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.ms-excel": (".xls",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "application/vnd.oasis.opendocument.text": (".odt",),
    "application/vnd.oasis.opendocument.spreadsheet": (".ods",),
}

# Sage's attachment context types, and the sandbox's store of each (None: the business).
CONTEXT_TYPES: dict[str, tuple[str, str | None]] = {
    "BANK_TRANSFER": ("Bank Transfer", "bank_transfers"),
    "CONTACT": ("Contact", "contacts"),
    "JOURNAL": ("Journal", "journals"),
    "OTHER_PAYMENT": ("Other Payment", "other_payments"),
    "PURCHASE_CORRECTIVE_INVOICE": ("Purchase Corrective Invoice", "purchase_corrective_invoices"),
    "PURCHASE_CREDIT_NOTE": ("Purchase Credit Note", "purchase_credit_notes"),
    "PURCHASE_INVOICE": ("Purchase Invoice", "purchase_invoices"),
    "SALES_CORRECTIVE_INVOICE": ("Sales Corrective Invoice", "sales_corrective_invoices"),
    "SALES_CREDIT_NOTE": ("Sales Credit Note", "sales_credit_notes"),
    "SALES_ESTIMATE": ("Sales Estimate", "sales_estimates"),
    "SALES_INVOICE": ("Sales Invoice", "sales_invoices"),
    "SALES_QUOTE": ("Sales Quote", "sales_quotes"),
    "BUSINESS": ("Business", None),
}


@dataclass(slots=True, kw_only=True)
class Attachment(Record):
    file_name: str
    mime_type: str
    file_extension: str | None
    description: str | None
    content: bytes
    context_type: str
    context_id: str
    is_public: bool = False

    @property
    def file_size(self) -> int:
        return len(self.content)


# Small but real files: a one-page PDF and a 1x1 PNG.
_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8ffff3f0005fe02fea7d6a4ad0000000049454e44ae426082"
)
# (context type, the store it is in, how many of its oldest records get one, file)
_SEEDS = (
    ("SALES_INVOICE", "sales_invoices", 2, ("receipt.pdf", "application/pdf", ".pdf", _PDF)),
    ("PURCHASE_INVOICE", "purchase_invoices", 1, ("scan.png", "image/png", ".png", _PNG)),
    ("CONTACT", "contacts", 1, ("terms.txt", "text/plain", ".txt", b"Payment terms: 30 days.\n")),
)


def seed_attachments(books: Books, business_id: str) -> None:
    rng = Random(f"{business_id}:attachments")
    for context_type, store, count, (name, mime, extension, content) in _SEEDS:
        records: dict[str, Record] = getattr(books, store)
        oldest = sorted((r for r in records.values() if not r.deleted), key=lambda r: r.created_at)
        for parent in oldest[:count]:
            created = parent.created_at + timedelta(minutes=5)
            attachment = Attachment(
                id=f"{rng.getrandbits(128):032x}",
                created_at=created,
                updated_at=created,
                file_name=name,
                mime_type=mime,
                file_extension=extension,
                description=f"{name} for {parent.id[:8]}",
                content=content,
                context_type=context_type,
                context_id=parent.id,
            )
            books.attachments[attachment.id] = attachment
