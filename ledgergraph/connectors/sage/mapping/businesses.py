"""Sage ``/businesses/{id}`` (+ ``/financial_settings``) → ``Business``."""

from __future__ import annotations

from ledgergraph.connectors.sage.mapping.values import (
    Payload,
    address,
    date,
    flag,
    ref_id,
    required_id,
    text,
)
from ledgergraph.model import Business, FinancialSettings


def financial_settings(data: Payload) -> FinancialSettings:
    return FinancialSettings(
        base_currency=ref_id(data, "base_currency"),
        year_end_date=date(data, "year_end_date"),
        accounting_type=text(data, "accounting_type"),
        tax_number=text(data, "tax_number"),
        multi_currency_enabled=flag(data, "multi_currency_enabled"),
    )


def business(
    data: Payload, settings: Payload | None = None, *, currency: str | None = None
) -> Business:
    """A ``Business`` from ``/businesses/{id}`` and, when given, ``/financial_settings``.

    The currency is the financial settings' base currency, else ``currency`` (the country's).
    ``remote_data`` is the business payload, with the settings payload under
    ``"financial_settings"`` (a key Sage's business payload does not use).
    """
    ident = required_id(data, "business")
    settings_model = financial_settings(settings) if settings is not None else None
    raw = dict(data)
    if settings is not None:
        raw["financial_settings"] = dict(settings)
    return Business(
        business_id=ident,
        remote_id=ident,
        remote_data=raw,
        name=text(data, "name") or text(data, "displayed_as") or "",
        country_code=ref_id(data, "country"),
        currency=(settings_model.base_currency if settings_model else None) or currency,
        address=address(data),
        telephone=text(data, "telephone") or text(data, "mobile"),
        website=text(data, "website"),
        financial_settings=settings_model,
    )
