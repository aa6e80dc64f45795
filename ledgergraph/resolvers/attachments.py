"""``attachments`` of invoices, bills and contacts, and their signed download URLs.

Sage keeps the link on the attachment (its context), and its list filters by one context at
a time, so one loader per request gathers every parent of a tick and reads each distinct
parent's attachments once, all at the same time: a page of 50 invoices costs 50 calls in one
round, a parent asked for twice costs one, and a cached list none.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING

from strawberry.dataloader import DataLoader

from ledgergraph import attachment_links, kinds, model
from ledgergraph.connectors.sage.mapping.attachments import Attachment
from ledgergraph.errors import ServiceUnavailable
from ledgergraph.resolvers.loaders import Loaders

if TYPE_CHECKING:
    from ledgergraph.resolvers.context import Context

# (business, Sage's attachment context type, the parent's Sage id)
ContextKey = tuple[str, str, str]


class AttachmentLoader(DataLoader[ContextKey, list[Attachment]]):
    def __init__(self, loaders: Loaders) -> None:
        batching = loaders.batching
        super().__init__(load_fn=self._load, max_batch_size=None if batching else 1, cache=batching)
        self._reads = loaders.reads

    async def _load(self, keys: Sequence[ContextKey]) -> list[list[Attachment]]:
        distinct = list(dict.fromkeys(keys))
        found = await asyncio.gather(*(self._of(key) for key in distinct))
        by_key = dict(zip(distinct, found, strict=True))
        return [by_key[key] for key in keys]

    async def _of(self, key: ContextKey) -> list[Attachment]:
        business, context_type, context_id = key
        filters = {"attachment_context_type_id": context_type, "attachment_context_id": context_id}
        found: list[Attachment] = await self._reads.everything(
            kinds.ATTACHMENTS, business, filters=filters
        )
        return sorted(found, key=lambda a: (a.created_at is None, a.created_at, a.remote_id))


def context_of(parent: model.Record) -> str | None:
    """Sage's attachment context type of ``parent`` (None: it takes no attachments)."""
    kind = kinds.kind_named(type(parent).__name__)
    return None if kind is None else kind.attachment_context


async def attachments_of(context: Context, parent: model.Record) -> list[Attachment]:
    context_type = context_of(parent)
    if context_type is None:
        return []
    loader = context.loaders.keyed("attachments", lambda: AttachmentLoader(context.loaders))
    return await loader.load((parent.business_id, context_type, parent.remote_id))


def download_url(context: Context, attachment: model.Record) -> str:
    runtime = context.runtime
    if runtime.signer is None or not isinstance(attachment, Attachment):
        raise ServiceUnavailable("Attachment downloads are not configured on this server.")
    grant = attachment_links.FileGrant(
        tenant=context.tenant,
        business_id=attachment.business_id,
        attachment_id=attachment.remote_id,
        file_name=attachment.file_name,
        mime_type=attachment.mime_type,
    )
    token = attachment_links.sign(runtime.signer, grant, ttl=runtime.settings.attachment_url_ttl)
    return attachment_links.url(runtime.public_url, token)


__all__ = ["AttachmentLoader", "attachments_of", "context_of", "download_url"]
