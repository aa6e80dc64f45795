"""GraphQL types of the tenant's Sage connection."""

from __future__ import annotations

from enum import Enum

import strawberry

from ledgergraph.types import BusinessRef, ConnectionStatus


@strawberry.enum(description="Whether the tenant's Sage connection can serve requests.")
class ConnectionStatusEnum(Enum):
    CONNECTED = ConnectionStatus.CONNECTED.value
    NOT_CONNECTED = ConnectionStatus.NOT_CONNECTED.value
    REAUTH_REQUIRED = ConnectionStatus.REAUTH_REQUIRED.value
    BUSINESS_UNAVAILABLE = ConnectionStatus.BUSINESS_UNAVAILABLE.value


@strawberry.type(name="ConnectedBusiness", description="A Sage business the connection knows.")
class ConnectedBusiness:
    id: strawberry.ID
    name: str
    country_code: str | None
    currency: str | None

    @classmethod
    def from_ref(cls, ref: BusinessRef) -> ConnectedBusiness:
        return cls(
            id=strawberry.ID(ref.id),
            name=ref.name,
            country_code=ref.country_code,
            currency=ref.currency,
        )


@strawberry.type(name="Connection", description="The tenant's connection to Sage Accounting.")
class ConnectionType:
    status: ConnectionStatusEnum
    business: ConnectedBusiness | None = strawberry.field(
        description="The business every request goes to (sent as X-Business)."
    )
    available_businesses: list[ConnectedBusiness] = strawberry.field(
        description="The Sage user's businesses; pick one with selectBusiness."
    )
    message: str | None = strawberry.field(description="What to do next, when not CONNECTED.")
    connect_url: str = strawberry.field(description="Where a browser starts the connect flow.")
