"""What the schema's computed fields ask of the request they run in.

The schema declares; resolvers compute. A field that follows a reference (``invoice.contact``)
or needs more than its root holds (``business.address``) calls one method of ``Request`` on
``info.context``; ``ledgergraph.resolvers.context.Context`` implements them with the request's
dataloaders. So nothing in ``schema/`` imports ``resolvers/``: the dependency points one way,
from resolvers (and the root types in ``ledgergraph.api``) to the schema.
"""

from __future__ import annotations

from typing import Any, Protocol

import strawberry

from ledgergraph import model
from ledgergraph.ids import GlobalId
from ledgergraph.kinds import ObjectKind

__all__ = ["Info", "Request"]


class Request(Protocol):
    def referenced(self, business_id: str, ref: model.Ref | None, kind: ObjectKind) -> Any:
        """The object of ``kind`` that ``ref`` names, to await — or itself, when it is loaded
        already; None for no reference (a plain function, so a field that follows one costs
        no coroutine of its own)."""
        ...

    async def referenced_item(self, line: model.LineItem) -> model.Item | None:
        """The product or service a document line names."""
        ...

    async def business_details(self, business_id: str) -> model.Business:
        """``/businesses/{id}``: address, telephone, website, raw payload."""
        ...

    async def financial_settings(self, business_id: str) -> model.FinancialSettings: ...

    async def is_selected_business(self, business_id: str) -> bool:
        """Is it the business the tenant's connection uses by default?"""
        ...

    async def new_connect_url(self) -> str:
        """A new one-time link that connects this tenant to Sage."""
        ...

    async def current_object(self, gid: GlobalId) -> Any:
        """The object as it is now; None when it no longer exists."""
        ...

    async def documents_of(
        self, contact: model.Contact, kind: ObjectKind, first: int | None, after: str | None
    ) -> Any:
        """A page (a ``ListPage``) of the contact's documents of ``kind``, newest first,
        batched across the contacts asking at once."""
        ...

    async def payments_of(self, document: model.Document) -> list[model.Payment]:
        """The payments allocated to ``document``, newest first, batched likewise."""
        ...

    async def attachments_of(self, parent: model.Record) -> list[Any]:
        """The files attached to an invoice, bill or contact, batched across the parents
        asking at once."""
        ...

    def attachment_download_url(self, attachment: model.Record) -> str:
        """A short-lived signed URL that serves the attachment's file."""
        ...

    async def whole_list(self, business_id: str, kind: ObjectKind) -> list[Any]:
        """Every object of ``kind`` (a ``Loading.WHOLE_LIST`` kind) in the business, read
        once per request."""
        ...


Info = strawberry.Info[Request, None]
