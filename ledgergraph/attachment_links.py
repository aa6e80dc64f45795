"""Short-lived signed links to attachment files: what ``Attachment.downloadUrl`` hands out and
``GET /attachments/{token}`` honours without an Authorization header.

A link names its tenant, business and attachment (and the file's name and media type, so
serving it needs no metadata read), is signed with the process-wide ``Signer`` under its own
purpose, and expires: a link changed in any way, or made for another purpose, is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledgergraph.signing import Signer

PURPOSE = "attachment-download"
ROUTE = "/attachments"


@dataclass(frozen=True, slots=True)
class FileGrant:
    tenant: str
    business_id: str
    attachment_id: str
    file_name: str
    mime_type: str | None


def sign(signer: Signer, grant: FileGrant, *, ttl: float) -> str:
    return signer.sign(
        PURPOSE,
        {
            "t": grant.tenant,
            "b": grant.business_id,
            "a": grant.attachment_id,
            "n": grant.file_name,
            "m": grant.mime_type,
        },
        ttl=ttl,
    )


def verify(signer: Signer, token: str) -> FileGrant:
    """The grant a link carries; ``BadSignature`` (or its subclass ``Expired``) if none."""
    payload = signer.verify(PURPOSE, token)
    return FileGrant(
        tenant=str(payload["t"]),
        business_id=str(payload["b"]),
        attachment_id=str(payload["a"]),
        file_name=str(payload["n"]),
        mime_type=None if payload.get("m") is None else str(payload["m"]),
    )


def url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}{ROUTE}/{token}"
