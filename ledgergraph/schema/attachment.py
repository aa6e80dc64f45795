"""Files kept on invoices, bills and contacts; the field that lists them and the input that
uploads one (a GraphQL multipart request)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from strawberry.file_uploads import Upload

from ledgergraph import kinds, model
from ledgergraph.schema.node import Node, recognises
from ledgergraph.schema.request import Info
from ledgergraph.security.cost import list_size


def _download_url(root: strawberry.Parent[model.Record], info: Info) -> str:
    return info.context.attachment_download_url(root)


@strawberry.type(description="A file kept in Sage on an invoice, a bill or a contact.")
class Attachment(Node):
    file_name: str
    mime_type: str | None
    size: int | None = strawberry.field(description="The file's size in bytes.")
    description: str | None
    created_at: dt.datetime | None
    updated_at: dt.datetime | None
    download_url: str = strawberry.field(
        resolver=_download_url,
        description="A short-lived signed URL that serves the file (no Authorization header "
        "needed; LEDGERGRAPH_ATTACHMENT_URL_TTL seconds, 300 by default). Ask again for a "
        "fresh one once it has expired.",
    )

    is_type_of = recognises(kinds.ATTACHMENT)


def attachments_field() -> Any:
    """A parent's field: its attachments, oldest first, read for every parent asking at once
    (one Sage call per distinct parent)."""

    async def resolve(root: strawberry.Parent[model.Record], info: Info) -> Any:
        return await info.context.attachments_of(root)

    return strawberry.field(
        resolver=resolve,
        description="The files attached to it in Sage, oldest first. The parents of a page "
        "share one round of reads: one Sage call per distinct parent.",
        metadata=list_size(5),
    )


@strawberry.input(
    description="A file to attach to an invoice, a bill or a contact. Send it as a GraphQL "
    "multipart request (with a GraphQL-Preflight or Apollo-Require-Preflight header)."
)
class UploadAttachmentInput:
    document_id: strawberry.ID = strawberry.field(
        description="The invoice, bill or contact to attach the file to."
    )
    file: Upload = strawberry.field(
        description="The file: PDF, PNG, JPEG, GIF, TIFF, plain text, CSV, RTF, Word, Excel "
        "or OpenDocument, at most LEDGERGRAPH_ATTACHMENT_MAX_BYTES (2,621,440 by default, "
        "Sage's limit)."
    )
    description: str | None = None
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Unique to this upload and reused when retrying it (or the "
        "Idempotency-Key header).",
    )
