"""``GET /attachments/{token}``: an attachment's file, through a signed link.

``Attachment.downloadUrl`` hands out the link; whoever holds it gets the file for the link's
short life, without an Authorization header (an ``<a href>`` or ``<img src>`` works). The
link is bound to its tenant, business and attachment: a changed or forged link is 403
``DOWNLOAD_LINK_INVALID``, an expired one 410 ``DOWNLOAD_LINK_EXPIRED``, and a request that
does carry a token of another tenant is 403 too. The file streams from Sage's
``/attachments/{id}/file`` as it arrives, with the attachment's media type, as a download
(``Content-Disposition: attachment``) that browsers never sniff or run.
"""

from __future__ import annotations

from urllib.parse import quote

import httpx
from aiohttp import web

from ledgergraph import attachment_links
from ledgergraph.connectors.sage.errors import error_from_response
from ledgergraph.errors import (
    LedgerGraphError,
    NotFound,
    RateLimited,
    SageQuotaExhausted,
    UpstreamError,
    UpstreamUnavailable,
)
from ledgergraph.http.errors import error_body, http_error
from ledgergraph.http.keys import RUNTIME
from ledgergraph.http.uploads import refusal
from ledgergraph.runtime import Runtime
from ledgergraph.signing import BadSignature, Expired
from ledgergraph.types import TenantId

CHUNK = 64 * 1024


def add_routes(app: web.Application) -> None:
    app.router.add_get(f"{attachment_links.ROUTE}/{{token}}", download)


def content_disposition(file_name: str) -> str:
    """RFC 6266: an ASCII fallback and the UTF-8 name."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in file_name
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name, safe='')}"


async def download(request: web.Request) -> web.StreamResponse:
    runtime = request.app[RUNTIME]
    if runtime.signer is None:
        raise refusal(404, code="NOT_FOUND", message="Attachment downloads are not configured.")
    try:
        grant = attachment_links.verify(runtime.signer, request.match_info["token"])
    except Expired as exc:
        raise refusal(
            410,
            code="DOWNLOAD_LINK_EXPIRED",
            message="This download link has expired: ask for the attachment's downloadUrl again.",
        ) from exc
    except BadSignature as exc:
        raise _invalid() from exc
    tenant = TenantId(grant.tenant)
    try:
        if request.headers.get("Authorization"):
            # A client that does send its token must be the tenant the link was made for.
            principal = await runtime.authenticate(request.headers["Authorization"])
            if principal.tenant != tenant:
                raise _invalid()
        if runtime.requests is not None:
            await runtime.requests.admit(tenant)
        business = await runtime.sage.business_for(tenant, grant.business_id)
        upstream = await _open(runtime, tenant, business.id, grant.attachment_id)
    except LedgerGraphError as exc:
        raise _as_http(exc) from exc
    try:
        response = web.StreamResponse(
            headers={
                "Content-Type": grant.mime_type or "application/octet-stream",
                "Content-Disposition": content_disposition(grant.file_name),
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "sandbox; default-src 'none'",
                "Cache-Control": "private, no-store",
            }
        )
        length = upstream.headers.get("Content-Length")
        if length is not None and length.isdigit():
            response.content_length = int(length)
        await response.prepare(request)
        async for chunk in upstream.aiter_raw(CHUNK):
            await response.write(chunk)
        await response.write_eof()
        return response
    finally:
        await upstream.aclose()


async def _open(
    runtime: Runtime, tenant: TenantId, business: str, attachment_id: str
) -> httpx.Response:
    """Sage's answer to ``GET /attachments/{id}/file``, its body not read yet (the one binary
    read: the JSON client buffers, so this one streams). A 401 refreshes the token once."""
    url = (
        f"{runtime.endpoints.api_url.rstrip('/')}/attachments/{quote(attachment_id, safe='')}/file"
    )
    token = await runtime.tokens.access_token(tenant)
    for attempt in range(2):
        request = runtime.http.build_request(
            "GET",
            url,
            headers={
                "Authorization": f"Bearer {token}",
                "X-Business": business,
                "Accept": "application/octet-stream",
            },
        )
        try:
            upstream = await runtime.http.send(request, stream=True)
        except httpx.TransportError as exc:
            raise _unreachable() from exc
        if upstream.status_code == 401 and attempt == 0:
            await upstream.aclose()
            token = await runtime.tokens.access_token(tenant, rejected=token)
            continue
        if upstream.status_code >= 400:
            try:
                await upstream.aread()
            finally:
                await upstream.aclose()
            raise error_from_response(upstream)
        return upstream
    raise AssertionError("unreachable")


def _unreachable() -> LedgerGraphError:
    return UpstreamUnavailable("Could not reach Sage; retry later.")


def _invalid() -> web.HTTPException:
    return refusal(
        403,
        code="DOWNLOAD_LINK_INVALID",
        message="This download link is not valid: use an Attachment.downloadUrl as it was given.",
    )


def _as_http(error: LedgerGraphError) -> web.HTTPException:
    if isinstance(error, NotFound):
        return refusal(404, code="NOT_FOUND", message="The attachment no longer exists in Sage.")
    if isinstance(error, UpstreamError) and not isinstance(error, RateLimited | SageQuotaExhausted):
        # Sage's trouble, not the link's.
        return web.HTTPBadGateway(text=error_body(error).decode(), content_type="application/json")
    # Authentication, rate limits, a connection gone (its code says which).
    return http_error(error)
