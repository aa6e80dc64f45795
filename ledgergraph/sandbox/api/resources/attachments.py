"""``/attachments`` and ``/attachments/{key}/file``: files kept on a business's records.

Sage lists attachments with ``attachment_context_type_id`` and ``attachment_context_id``
(each "requires filtering by" the other), ``updated_or_created_since`` and ``deleted_since``;
creates one from a base64 ``file`` with ``file_name`` and ``mime_type`` (required),
``description``, ``file_extension``, ``is_public`` and the context it belongs to; updates and
deletes it. Its JSON carries ``file_size`` and ``$file_path`` but never the file: that is
``GET /attachments/{key}/file``, which needs ``Accept: application/octet-stream``.

Refused with 422 ``RecordInvalid``: a file that is not base64 or is larger than 2,621,440
bytes (``file``), a media type outside ``ACCEPTED`` (``mime_type``), an extension that does
not fit it (``file_extension``), an unknown context type or a context that does not exist in
the business (``attachment_context_id``).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from aiohttp import web

from ledgergraph.sandbox.api import query as q
from ledgergraph.sandbox.api.body import REQUIRED, Body
from ledgergraph.sandbox.api.errors import Problem, SageError, record_invalid
from ledgergraph.sandbox.api.resource import Predicate, Resource, ScopeOf, Wrap
from ledgergraph.sandbox.api.scope import Scope
from ledgergraph.sandbox.api.wire import JSON, instant, ref
from ledgergraph.sandbox.books import BooksError
from ledgergraph.sandbox.books.attachments import (
    ACCEPTED,
    CONTEXT_TYPES,
    MAX_FILE_BYTES,
    Attachment,
)

OCTET_STREAM = "application/octet-stream"
MAX_FILE_NAME = 255
MAX_DESCRIPTION = 255


def displayed_as(_: Scope, attachment: Attachment) -> str:
    return attachment.description or attachment.file_name


def _context_ref(scope: Scope, attachment: Attachment) -> JSON | None:
    _, store = CONTEXT_TYPES[attachment.context_type]
    if store is None:
        return ref("businesses", scope.business.id, scope.business.name)
    record = getattr(scope.books, store, {}).get(attachment.context_id)
    shown = getattr(record, "displayed_as", None) or getattr(record, "number", None)
    return ref(store, attachment.context_id, str(shown or attachment.context_id))


def serialise(scope: Scope, attachment: Attachment) -> JSON:
    context_name, _ = CONTEXT_TYPES[attachment.context_type]
    return {
        **ref("attachments", attachment.id, displayed_as(scope, attachment)),
        "mime_type": attachment.mime_type,
        "description": attachment.description,
        "file_extension": attachment.file_extension,
        "transaction": None,
        "file_size": attachment.file_size,
        "file_name": attachment.file_name,
        "$file_path": f"/attachments/{attachment.id}/file",
        "attachment_context_type": ref(
            "attachment_context_types", attachment.context_type, context_name
        ),
        "attachment_context": _context_ref(scope, attachment),
        "is_public": attachment.is_public,
        "created_at": instant(attachment.created_at),
        "updated_at": instant(attachment.updated_at),
    }


def _filters(scope: Scope) -> Predicate:
    context_type = q.text(scope.query, "attachment_context_type_id")
    context_id = q.text(scope.query, "attachment_context_id")
    # Sage: each of the two "requires filtering by" the other as well.
    if (context_type is None) != (context_id is None):
        missing = "attachment_context_id" if context_id is None else "attachment_context_type_id"
        raise record_invalid(REQUIRED, missing)

    def keep(attachment: Any) -> bool:
        return context_type is None or (
            attachment.context_type == context_type.upper() and attachment.context_id == context_id
        )

    return keep


def _decoded(body: Body) -> bytes | None:
    text = body.string("file", required=True)
    if not text:
        return None
    try:
        content = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        body.problem("file", "is not a valid base64 encoded file")
        return None
    if len(content) > MAX_FILE_BYTES:
        body.problem("file", f"is too large (maximum is {MAX_FILE_BYTES} bytes)")
        return None
    return content


def _context(scope: Scope, body: Body) -> tuple[str, str] | None:
    context_type = body.string("attachment_context_type_id", required=True)
    context_id = body.string("attachment_context_id")
    if context_type is None:
        return None
    context_type = context_type.upper()
    if context_type not in CONTEXT_TYPES:
        body.problem("attachment_context_type_id", "is not a valid attachment context type")
        return None
    _, store = CONTEXT_TYPES[context_type]
    if store is None:
        if context_id not in (None, scope.business.id):
            body.problem("attachment_context_id", "is not this business")
            return None
        return context_type, scope.business.id
    if context_id is None:
        body.problem("attachment_context_id", REQUIRED)
        return None
    record = getattr(scope.books, store, {}).get(context_id)
    if record is None or record.deleted:
        body.problem("attachment_context_id", "does not exist")
        return None
    return context_type, context_id


def create(scope: Scope, body: Body) -> Attachment:
    books = scope.books
    content = _decoded(body)
    file_name = body.string("file_name", required=True, max_length=MAX_FILE_NAME)
    mime_type = body.string("mime_type", required=True)
    extension = body.string("file_extension", max_length=10)
    description = body.string("description", max_length=MAX_DESCRIPTION)
    declared_size = body.integer("file_size")
    is_public = body.boolean("is_public")
    context = _context(scope, body)
    if mime_type is not None and mime_type.lower() not in ACCEPTED:
        body.problem("mime_type", f"'{mime_type}' is not a supported file type")
    elif mime_type is not None and extension and extension.lower() not in ACCEPTED[mime_type]:
        body.problem("file_extension", f"'{extension}' does not match the mime type")
    if content is not None and declared_size is not None and declared_size != len(content):
        body.problem("file_size", "does not match the size of the file")
    body.problems.raise_if_any()
    if content is None or file_name is None or mime_type is None or context is None:
        raise BooksError(REQUIRED, "file")
    now = books.now()
    attachment = Attachment(
        id=books.new_id(),
        created_at=now,
        updated_at=now,
        file_name=file_name,
        mime_type=mime_type.lower(),
        file_extension=extension or None,
        description=description or None,
        content=content,
        context_type=context[0],
        context_id=context[1],
        is_public=bool(is_public),
    )
    books.attachments[attachment.id] = attachment
    return attachment


def delete(scope: Scope, attachment: Attachment) -> JSON | None:
    scope.books.soft_delete(attachment)
    return None


ATTACHMENTS: Resource[Attachment] = Resource(
    name="attachments",
    root="attachment",
    store=lambda books: books.attachments,
    displayed_as=displayed_as,
    serialise=serialise,
    filters=_filters,
    deleted_since=True,
    create=create,
    delete=delete,
)


def _accepts_octet_stream(accept: str) -> bool:
    return any(part.split(";")[0].strip().lower() == OCTET_STREAM for part in accept.split(","))


def add_file_route(router: web.UrlDispatcher, prefix: str, scope_of: ScopeOf, wrap: Wrap) -> None:
    """``GET /attachments/{key}/file``: the file's bytes, in its own media type."""

    async def file_handler(request: web.Request) -> web.StreamResponse:
        scope = scope_of(request)
        attachment = ATTACHMENTS.find(scope, request.match_info["key"])
        if not _accepts_octet_stream(request.headers.get("Accept", "")):
            raise SageError(
                406,
                [
                    Problem(
                        "NotAcceptable",
                        f"The Accept header must be {OCTET_STREAM} to retrieve files.",
                        "Accept",
                    )
                ],
            )
        return web.Response(
            body=attachment.content,
            content_type=attachment.mime_type,
            headers={"Content-Disposition": f'attachment; filename="{attachment.id}"'},
        )

    router.add_resource(f"{prefix}/attachments/{{key}}/file").add_route("GET", wrap(file_handler))
