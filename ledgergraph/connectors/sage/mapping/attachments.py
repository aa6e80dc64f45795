"""Sage's ``/attachments`` → ``Attachment``: a file kept on an invoice, a bill or a contact.

Sage's JSON describes the file (name, media type, size) and where it hangs
(``attachment_context_type`` and ``attachment_context``); the bytes are
``GET /attachments/{id}/file``. What Sage takes on upload: at most ``MAX_FILE_BYTES`` (the
spec's ``file_size`` maximum), of a media type in ``ACCEPTED_TYPES`` — Sage's spec lists none,
so these are the documents and images its web app offers to attach.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ledgergraph.connectors.sage.mapping.values import (
    Payload,
    flag,
    integer,
    ref,
    ref_id,
    required_id,
    text,
    timestamp,
)
from ledgergraph.model import Record, Ref

__all__ = ["ACCEPTED_TYPES", "MAX_FILE_BYTES", "Attachment", "attachment"]

# The spec's ``file_size`` maximum for ``POST /attachments`` (2.5 MiB).
MAX_FILE_BYTES = 2_621_440

# Media type → the file extensions it may carry (the first is the one sent when the upload's
# name has none).
ACCEPTED_TYPES: dict[str, tuple[str, ...]] = {
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


@dataclass(frozen=True, slots=True)
class Attachment(Record):
    file_name: str
    mime_type: str | None
    file_extension: str | None
    # Bytes, as Sage reports them.
    size: int | None
    description: str | None
    # Sage's attachment context type (SALES_INVOICE, PURCHASE_INVOICE, CONTACT...) and the
    # record it hangs on.
    context_type: str | None
    context: Ref | None
    is_public: bool
    created_at: dt.datetime | None
    updated_at: dt.datetime | None


def attachment(data: Payload, business_id: str) -> Attachment:
    remote_id = required_id(data, "attachment")
    return Attachment(
        business_id=business_id,
        remote_id=remote_id,
        # Never the file itself, should Sage send it: the raw payload stays small.
        remote_data={k: v for k, v in data.items() if k != "file"},
        file_name=text(data, "file_name") or remote_id,
        mime_type=text(data, "mime_type"),
        file_extension=text(data, "file_extension"),
        size=integer(data, "file_size"),
        description=text(data, "description"),
        context_type=ref_id(data, "attachment_context_type"),
        context=ref(data, "attachment_context"),
        is_public=flag(data, "is_public"),
        created_at=timestamp(data, "created_at"),
        updated_at=timestamp(data, "updated_at"),
    )
