"""GraphQL multipart requests (github.com/jaydenseric/graphql-multipart-request-spec), read
with bounds: the parts are streamed in chunks and the request is refused as soon as its files
pass ``attachment_max_bytes`` or its other fields pass ``max_body_bytes`` — nothing is
buffered past the limits, whatever the Content-Length says (or leaves unsaid).

A browser can send a multipart form to any origin without a CORS preflight, so a multipart
request must carry a header no plain form can: ``GraphQL-Preflight`` or
``Apollo-Require-Preflight`` (any value; Apollo Server's and Strawberry's rule), or
``X-Apollo-Operation-Name``. Without one it is refused with ``CSRF_PREFLIGHT_REQUIRED``.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson
from aiohttp import BodyPartReader, web
from cross_web import FormData

PREFLIGHT_HEADERS = ("GraphQL-Preflight", "Apollo-Require-Preflight", "X-Apollo-Operation-Name")
CHUNK = 64 * 1024
# Most files one request may carry (the spec allows several; uploadAttachment takes one).
MAX_FILES = 10


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """One file of a multipart request: what an ``Upload`` argument receives."""

    filename: str
    content_type: str | None
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


def refusal(status: int, message: str, *, code: str) -> web.HTTPException:
    body = orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})
    error = web.HTTPException(text=body.decode(), content_type="application/json")
    error.set_status(status)
    return error


def too_large(limit: int, what: str) -> web.HTTPException:
    return refusal(
        413,
        code="PAYLOAD_TOO_LARGE",
        message=f"The request's {what} are larger than this server accepts ({limit} bytes); "
        "send less.",
    )


def require_preflight(request: web.Request) -> None:
    if not any(request.headers.get(name, "").strip() for name in PREFLIGHT_HEADERS):
        raise refusal(
            400,
            code="CSRF_PREFLIGHT_REQUIRED",
            message="Multipart requests need a GraphQL-Preflight (or Apollo-Require-Preflight) "
            "header with any value, so a cross-site form cannot send them.",
        )


async def read_multipart(
    request: web.Request, *, max_file_bytes: int, max_field_bytes: int
) -> FormData:
    """The request's fields (``operations``, ``map``) and files, read within the limits."""
    require_preflight(request)
    declared = request.content_length
    if declared is not None and declared > max_file_bytes + max_field_bytes:
        raise too_large(max_file_bytes, "files")
    try:
        reader = await request.multipart()
    except (AssertionError, ValueError, KeyError) as exc:
        raise refusal(
            400, code="BAD_REQUEST", message="The multipart body cannot be read."
        ) from exc
    form: dict[str, str] = {}
    files: dict[str, UploadedFile] = {}
    file_bytes = field_bytes = 0
    while True:
        try:
            part = await reader.next()
        except (AssertionError, ValueError) as exc:
            raise refusal(
                400, code="BAD_REQUEST", message="The multipart body is malformed."
            ) from exc
        if part is None:
            break
        if not isinstance(part, BodyPartReader) or not part.name:
            raise refusal(400, code="BAD_REQUEST", message="Every multipart part needs a name.")
        chunks: list[bytes] = []
        while chunk := await part.read_chunk(CHUNK):
            if part.filename is not None:
                file_bytes += len(chunk)
                if file_bytes > max_file_bytes:
                    raise too_large(max_file_bytes, "files")
            else:
                field_bytes += len(chunk)
                if field_bytes > max_field_bytes:
                    raise too_large(max_field_bytes, "fields")
            chunks.append(chunk)
        data = b"".join(chunks)
        if part.filename is not None:
            if len(files) >= MAX_FILES:
                raise refusal(
                    400, code="BAD_REQUEST", message=f"At most {MAX_FILES} files per request."
                )
            content_type = part.headers.get("Content-Type")
            files[part.name] = UploadedFile(part.filename, content_type, data)
        else:
            try:
                form[part.name] = data.decode()
            except UnicodeDecodeError as exc:
                raise refusal(
                    400, code="BAD_REQUEST", message=f"{part.name} is not UTF-8 text."
                ) from exc
    return FormData(files=files, form=form)
