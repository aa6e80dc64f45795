"""The ``Business`` type: a Sage business the tenant's Sage user can access.

Its root is the light ``BusinessRef`` the business list gives; details (address, financial
settings) are loaded only when a query asks for them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import strawberry
from strawberry.scalars import JSON

from ledgergraph import kinds
from ledgergraph.ids import business_gid
from ledgergraph.schema.node import Node, recognises
from ledgergraph.schema.request import Info
from ledgergraph.schema.scalars import Address
from ledgergraph.types import BusinessRef

Root = strawberry.Parent[BusinessRef]


@strawberry.type(description="How the business keeps its books.")
class FinancialSettings:
    base_currency: str | None
    year_end_date: dt.date | None
    accounting_type: str | None
    tax_number: str | None
    multi_currency_enabled: bool


def _id(root: Root) -> strawberry.ID:
    return strawberry.ID(business_gid(root.id))


def _remote_id(root: Root) -> str:
    return root.id


async def _country_code(root: Root, info: Info) -> str | None:
    return root.country_code or (await info.context.business_details(root.id)).country_code


async def _unavailable_reason(root: Root, info: Info) -> str | None:
    """Why the business's books cannot be read, from ``/businesses/{id}`` (which Sage serves
    even when they cannot): its subscriptions."""
    details = await info.context.business_details(root.id)
    subscriptions = details.remote_data.get("subscriptions")
    if not isinstance(subscriptions, list) or not subscriptions:
        return None
    if any(isinstance(s, dict) and s.get("active") for s in subscriptions):
        return None
    statuses = ", ".join(
        str(s.get("status") or "inactive") for s in subscriptions if isinstance(s, dict)
    )
    return (
        f"The business's Sage subscription is not active ({statuses}): its books (currency, "
        "financial settings, lists) cannot be read until it is renewed in Sage."
    )


async def _currency(root: Root, info: Info) -> str | None:
    if root.currency:
        return root.currency
    if await _unavailable_reason(root, info) is not None:
        return None
    return (await info.context.financial_settings(root.id)).base_currency


async def _address(root: Root, info: Info) -> Any:
    return (await info.context.business_details(root.id)).address


async def _telephone(root: Root, info: Info) -> str | None:
    return (await info.context.business_details(root.id)).telephone


async def _website(root: Root, info: Info) -> str | None:
    return (await info.context.business_details(root.id)).website


async def _financial_settings(root: Root, info: Info) -> Any:
    if await _unavailable_reason(root, info) is not None:
        return None
    return await info.context.financial_settings(root.id)


async def _selected(root: Root, info: Info) -> bool:
    return await info.context.is_selected_business(root.id)


async def _remote_data(root: Root, info: Info) -> JSON:
    return cast(JSON, (await info.context.business_details(root.id)).remote_data)


@strawberry.type(description="A Sage Accounting business.")
class Business(Node):
    name: str
    id: strawberry.ID = strawberry.field(
        resolver=_id,
        description="Opaque global ID: what business arguments, selectBusiness(id:) and "
        "node(id:) take.",
    )
    remote_id: str = strawberry.field(
        resolver=_remote_id, description="Sage's id of the business (sent as X-Business)."
    )
    country_code: str | None = strawberry.field(
        resolver=_country_code, description="ISO country code, e.g. GB, IE, CA, US, FR, ES, DE."
    )
    currency: str | None = strawberry.field(
        resolver=_currency,
        description="The base currency of the books; null when they cannot be read "
        "(see booksUnavailableReason).",
    )
    books_unavailable_reason: str | None = strawberry.field(
        resolver=_unavailable_reason,
        description="Why the business's books cannot be read (e.g. a lapsed subscription); "
        "null when they can.",
    )
    address: Address | None = strawberry.field(resolver=_address)
    telephone: str | None = strawberry.field(resolver=_telephone)
    website: str | None = strawberry.field(resolver=_website)
    financial_settings: FinancialSettings | None = strawberry.field(
        resolver=_financial_settings,
        description="Null when the books cannot be read (see booksUnavailableReason).",
    )
    selected: bool = strawberry.field(
        resolver=_selected, description="True for the business the connection uses by default."
    )
    remote_data: JSON = strawberry.field(
        resolver=_remote_data, description="Sage's raw /businesses/{id} payload."
    )

    is_type_of = recognises(kinds.BUSINESS)
