"""Sage's reference lists → ``Currency``, ``ExchangeRate``, ``PaymentMethod``, ``Country``:
what a client's forms offer (a contact's currency, a payment's method, an address's country).

``/currencies``, ``/payment_methods`` and ``/countries`` are the same in every country and
business; ``/exchange_rates`` runs from the business's base currency. Sage's exchange-rate
items have no ``id``: each is named by its currency, which becomes its remote id.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from ledgergraph.connectors.sage.mapping.errors import PayloadError
from ledgergraph.connectors.sage.mapping.values import (
    Payload,
    decimal,
    ref_id,
    required_id,
    text,
    timestamp,
)
from ledgergraph.model import Record

__all__ = [
    "Country",
    "Currency",
    "ExchangeRate",
    "PaymentMethod",
    "country",
    "currency",
    "exchange_rate",
    "payment_method",
]

# "Pound Sterling (GBP)" → "Pound Sterling".
_CODE_SUFFIX = re.compile(r"\s*\([A-Z0-9]{2,3}\)$")


@dataclass(frozen=True, slots=True)
class Currency(Record):
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class Country(Record):
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class PaymentMethod(Record):
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class ExchangeRate(Record):
    base_currency: str
    currency: str
    rate: Decimal
    inverse_rate: Decimal
    updated_at: dt.datetime | None


def _named(data: Payload, what: str) -> tuple[str, str]:
    code = required_id(data, what)
    shown = text(data, "displayed_as") or code
    return code, _CODE_SUFFIX.sub("", shown)


def currency(data: Payload, business_id: str) -> Currency:
    code, name = _named(data, "currency")
    return Currency(
        business_id=business_id, remote_id=code, remote_data=dict(data), code=code, name=name
    )


def country(data: Payload, business_id: str) -> Country:
    code, name = _named(data, "country")
    return Country(
        business_id=business_id, remote_id=code, remote_data=dict(data), code=code, name=name
    )


def payment_method(data: Payload, business_id: str) -> PaymentMethod:
    code, name = _named(data, "payment method")
    return PaymentMethod(
        business_id=business_id, remote_id=code, remote_data=dict(data), code=code, name=name
    )


def exchange_rate(data: Payload, business_id: str, *, base: str | None) -> ExchangeRate:
    """An ``ExchangeRate`` from an ``/exchange_rates`` item; ``base``: the base currency."""
    held_in = ref_id(data, "currency") or (text(data, "$path") or "").rpartition("/")[2]
    rate, inverse = decimal(data, "rate"), decimal(data, "inverse_rate")
    if not held_in or rate is None:
        raise PayloadError("exchange rate: no currency or no rate")
    from_currency = ref_id(data, "base_currency") or base
    if from_currency is None:
        raise PayloadError("exchange rate: the business's base currency is unknown")
    return ExchangeRate(
        business_id=business_id,
        remote_id=held_in,
        remote_data=dict(data),
        base_currency=from_currency,
        currency=held_in,
        rate=rate,
        inverse_rate=inverse if inverse is not None else Decimal(1) / rate if rate else Decimal(0),
        updated_at=timestamp(data, "updated_at"),
    )
