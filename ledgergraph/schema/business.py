"""The ``Business`` type: a Sage business the tenant's Sage user can access.

Its root is the light ``BusinessRef`` the business list gives; details (address, financial
settings) are loaded only when a query asks for them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import strawberry
from strawberry.scalars import JSON

from ledgergraph import model
from ledgergraph.resolvers.context import Info
from ledgergraph.schema.global_id import encode
from ledgergraph.schema.node import Node
from ledgergraph.schema.scalars import Address
from ledgergraph.types import BusinessRef


@strawberry.type(description="How the business keeps its books.")
class FinancialSettings:
    base_currency: str | None
    year_end_date: dt.date | None
    accounting_type: str | None
    tax_number: str | None
    multi_currency_enabled: bool


async def _details(root: BusinessRef, info: Info) -> model.Business:
    return await info.context.loaders.business.load(root.id)


@strawberry.type(description="A Sage Accounting business.")
class Business(Node):
    name: str

    @strawberry.field(
        description="Opaque global ID: what business arguments, selectBusiness(id:) and "
        "node(id:) take."
    )
    def id(self) -> strawberry.ID:
        ref: BusinessRef = self  # type: ignore[assignment]
        return strawberry.ID(encode("Business", ref.id, ref.id))

    @strawberry.field(  # type: ignore[misc]
        description="Sage's id of the business (sent as X-Business)."
    )
    def remote_id(self) -> str:
        ref: BusinessRef = self  # type: ignore[assignment]
        return ref.id

    @strawberry.field(description="ISO country code, e.g. GB, IE, CA, US, FR, ES, DE.")
    async def country_code(self, info: Info) -> str | None:
        ref: BusinessRef = self  # type: ignore[assignment]
        return ref.country_code or (await _details(ref, info)).country_code

    @strawberry.field(description="The base currency of the books.")
    async def currency(self, info: Info) -> str | None:
        ref: BusinessRef = self  # type: ignore[assignment]
        if ref.currency:
            return ref.currency
        return (await info.context.loaders.financial_settings.load(ref.id)).base_currency

    @strawberry.field
    async def address(self, info: Info) -> Address | None:
        return (await _details(self, info)).address  # type: ignore[arg-type, return-value]

    @strawberry.field
    async def telephone(self, info: Info) -> str | None:
        return (await _details(self, info)).telephone  # type: ignore[arg-type]

    @strawberry.field
    async def website(self, info: Info) -> str | None:
        return (await _details(self, info)).website  # type: ignore[arg-type]

    @strawberry.field
    async def financial_settings(self, info: Info) -> FinancialSettings | None:
        ref: BusinessRef = self  # type: ignore[assignment]
        return await info.context.loaders.financial_settings.load(ref.id)  # type: ignore[return-value]

    @strawberry.field(description="True for the business the connection uses by default.")
    async def selected(self, info: Info) -> bool:
        ref: BusinessRef = self  # type: ignore[assignment]
        connection = await info.context.connection()
        return connection.business is not None and connection.business.id == ref.id

    @strawberry.field(description="Sage's raw /businesses/{id} payload.")
    async def remote_data(self, info: Info) -> JSON:
        return cast(JSON, (await _details(self, info)).remote_data)  # type: ignore[arg-type]

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, BusinessRef)
