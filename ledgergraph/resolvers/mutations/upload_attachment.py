"""``uploadAttachment``: a file attached in Sage to an invoice, a bill or a contact, exactly
once per idempotency key.

The file arrives as a GraphQL multipart request (read within ``attachment_max_bytes`` by
``ledgergraph.http.uploads``). Its media type must be one Sage takes (the part's
Content-Type, or, when a client sends none or ``application/octet-stream``, the name's
extension); otherwise it is refused here, naming ``input.file``. The idempotency record
fingerprints the file by its SHA-256 and keeps Sage's answer without the file.
"""

from __future__ import annotations

import base64
import hashlib
import posixpath
from typing import Any

from ledgergraph import kinds
from ledgergraph.connectors.sage.mapping.attachments import ACCEPTED_TYPES, MAX_FILE_BYTES
from ledgergraph.errors import BadUserInput
from ledgergraph.events import EventKind
from ledgergraph.http.uploads import UploadedFile
from ledgergraph.ids import GlobalId
from ledgergraph.resolvers.context import Info
from ledgergraph.resolvers.mutations.runner import SagePayload, Write, key_for, run_write
from ledgergraph.schema.attachment import UploadAttachmentInput

FILE = "input.file"
DOCUMENT = "input.documentId"
# Kinds that take attachments, by GraphQL type name.
_PARENTS = tuple(k.type_name for k in kinds.KINDS if k.attachment_context is not None)
_GENERIC_TYPES = ("", "application/octet-stream", "binary/octet-stream")
MAX_DESCRIPTION = 255


class FileTypeNotAccepted(BadUserInput):
    code = "FILE_TYPE_NOT_ACCEPTED"


class FileTooLarge(BadUserInput):
    code = "PAYLOAD_TOO_LARGE"


def media_type(file: UploadedFile) -> tuple[str, str]:
    """The file's media type and extension, both ones Sage accepts."""
    declared = (file.content_type or "").split(";")[0].strip().lower()
    extension = posixpath.splitext(file.filename)[1].lower()
    if declared in _GENERIC_TYPES:
        declared = next((t for t, exts in ACCEPTED_TYPES.items() if extension in exts), declared)
    if declared not in ACCEPTED_TYPES:
        raise FileTypeNotAccepted(
            f"{FILE}: Sage does not accept {declared or 'files without a type'!r}; send one of "
            f"{', '.join(sorted(ACCEPTED_TYPES))}.",
            field=FILE,
            accepted=sorted(ACCEPTED_TYPES),
        )
    accepted = ACCEPTED_TYPES[declared]
    return declared, extension if extension in accepted else accepted[0]


def _file(value: object, limit: int) -> UploadedFile:
    if not isinstance(value, UploadedFile):
        raise BadUserInput(f"{FILE}: send the file as a GraphQL multipart request.", field=FILE)
    if value.size == 0:
        raise BadUserInput(f"{FILE} is empty.", field=FILE)
    if value.size > min(limit, MAX_FILE_BYTES):
        raise FileTooLarge(f"{FILE} is larger than {min(limit, MAX_FILE_BYTES)} bytes.", field=FILE)
    return value


async def upload_attachment(info: Info, input: UploadAttachmentInput) -> Any:
    context = info.context
    key = key_for(context, input.idempotency_key)
    file = _file(input.file, context.runtime.settings.attachment_max_bytes)
    mime_type, extension = media_type(file)
    if input.description is not None and len(input.description) > MAX_DESCRIPTION:
        raise BadUserInput(
            f"input.description is longer than {MAX_DESCRIPTION} characters.",
            field="input.description",
        )
    try:
        parent = GlobalId.decode(str(input.document_id), expect=_PARENTS)
    except BadUserInput as exc:
        raise BadUserInput(f"{DOCUMENT}: {exc.message}", field=DOCUMENT) from exc
    kind = kinds.kind_named(parent.type_name)
    context_type = kind.attachment_context if kind is not None else None
    if context_type is None:  # decode() allowed only kinds that have one
        raise BadUserInput(f"{DOCUMENT}: it takes no attachments.", field=DOCUMENT)
    business_id = (await context.runtime.sage.business_for(context.tenant, parent.business_id)).id
    file_name = posixpath.basename(file.filename.replace("\\", "/")) or f"attachment{extension}"
    body: dict[str, Any] = {
        "file": base64.b64encode(file.data).decode(),
        "file_name": file_name,
        "mime_type": mime_type,
        "file_extension": extension,
        "file_size": file.size,
        "attachment_context_type_id": context_type,
        "attachment_context_id": parent.remote_id,
    }
    if input.description is not None:
        body["description"] = input.description
    write = Write(
        operation="uploadAttachment",
        business_id=business_id,
        # What the fingerprint covers: the file by its digest, never its bytes.
        payload={
            "input": {
                "documentId": str(input.document_id),
                "description": input.description,
                "file": {
                    "name": file_name,
                    "type": mime_type,
                    "size": file.size,
                    "sha256": hashlib.sha256(file.data).hexdigest(),
                },
            }
        },
        object_kind=kinds.ATTACHMENT,
        event=EventKind.CREATED,
    )
    writes, tenant = context.runtime.writes, context.tenant

    async def execute(idempotency_id: str) -> SagePayload:
        created = await writes.write(
            "POST", tenant, business_id, "/attachments", "attachment", body, idempotency_id
        )
        # Stored for replays: without the file, should Sage echo it.
        return {k: v for k, v in created.items() if k != "file"}

    async def build(payload: SagePayload) -> Any:
        mapper = await context.loaders.reads.mapper(business_id)
        return kinds.ATTACHMENTS.build(mapper, payload)

    return await run_write(context, key, write, execute, build)
