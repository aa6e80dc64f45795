"""Reference data for forms: currencies, exchange rates, payment methods and countries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry

from ledgergraph import kinds
from ledgergraph.schema.node import Node, recognises


@strawberry.type(description="A currency Sage offers (a contact's or a document's).")
class Currency(Node):
    code: str = strawberry.field(description="ISO 4217 code, e.g. GBP.")
    name: str

    is_type_of = recognises(kinds.CURRENCY)


@strawberry.type(description="A country Sage offers for addresses.")
class Country(Node):
    code: str = strawberry.field(description="ISO 3166 alpha-2 code, e.g. GB.")
    name: str

    is_type_of = recognises(kinds.COUNTRY)


@strawberry.type(description="How a payment is made (CASH, CHECK, ELECTRONIC, CREDIT_DEBIT…).")
class PaymentMethod(Node):
    code: str = strawberry.field(description="Sage's id, e.g. ELECTRONIC.")
    name: str

    is_type_of = recognises(kinds.PAYMENT_METHOD)


@strawberry.type(
    description="The business's exchange rate from its base currency to another currency "
    "(Sage's /exchange_rates)."
)
class ExchangeRate(Node):
    base_currency: str
    currency: str
    rate: Decimal = strawberry.field(description="Units of currency one unit of baseCurrency buys.")
    inverse_rate: Decimal = strawberry.field(description="Units of baseCurrency per currency.")
    updated_at: dt.datetime | None

    is_type_of = recognises(kinds.EXCHANGE_RATE)
