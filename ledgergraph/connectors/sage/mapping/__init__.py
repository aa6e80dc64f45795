"""Sage Accounting JSON → LedgerGraph's unified model (``ledgergraph.model``), per country.

Per-country knowledge (tax rate ids, chart-of-accounts conventions) lives in data files under
``countries/``; tenants correct it with ``Overrides``. Everything here is pure: no I/O beyond
reading the packaged country files once.

    mapper = CountryMapper.for_business("GB", connection.overrides, business_id=business.id)
    rates = [mapper.tax_rate(item) for item in sage_items]
    standard = mapper.tax_rate_for(TaxKind.STANDARD, rates)
"""

from __future__ import annotations

from ledgergraph.connectors.sage.mapping.banking import BANK_ACCOUNT_KINDS, bank_account
from ledgergraph.connectors.sage.mapping.businesses import business, financial_settings
from ledgergraph.connectors.sage.mapping.contacts import CONTACT_KINDS, contact, contact_kinds
from ledgergraph.connectors.sage.mapping.documents import (
    DOCUMENT_STATUSES,
    bill,
    credit_note,
    document_status,
    invoice,
    line_item,
)
from ledgergraph.connectors.sage.mapping.errors import (
    CountryFileError,
    MappingError,
    OverridesError,
    PayloadError,
)
from ledgergraph.connectors.sage.mapping.items import item, item_kind
from ledgergraph.connectors.sage.mapping.ledger_accounts import (
    AccountClassificationResult,
    classify_ledger_account,
    ledger_account,
    ledger_account_for,
)
from ledgergraph.connectors.sage.mapping.mapper import CountryMapper
from ledgergraph.connectors.sage.mapping.overrides import (
    NO_OVERRIDES,
    LedgerAccountOverride,
    Overrides,
    TaxRateOverride,
)
from ledgergraph.connectors.sage.mapping.payments import PAYMENT_KINDS, allocation, payment
from ledgergraph.connectors.sage.mapping.rules import (
    CountryCatalogue,
    CountryRules,
    Supply,
    bundled_countries,
    country_rules,
    load_countries,
    supply_of,
)
from ledgergraph.connectors.sage.mapping.tax_rates import (
    TaxClassification,
    classify_tax_rate,
    tax_rate,
    tax_rate_for,
)

__all__ = [
    "BANK_ACCOUNT_KINDS",
    "CONTACT_KINDS",
    "DOCUMENT_STATUSES",
    "NO_OVERRIDES",
    "PAYMENT_KINDS",
    "AccountClassificationResult",
    "CountryCatalogue",
    "CountryFileError",
    "CountryMapper",
    "CountryRules",
    "LedgerAccountOverride",
    "MappingError",
    "Overrides",
    "OverridesError",
    "PayloadError",
    "Supply",
    "TaxClassification",
    "TaxRateOverride",
    "allocation",
    "bank_account",
    "bill",
    "bundled_countries",
    "business",
    "classify_ledger_account",
    "classify_tax_rate",
    "contact",
    "contact_kinds",
    "country_rules",
    "credit_note",
    "document_status",
    "financial_settings",
    "invoice",
    "item",
    "item_kind",
    "ledger_account",
    "ledger_account_for",
    "line_item",
    "load_countries",
    "payment",
    "supply_of",
    "tax_rate",
    "tax_rate_for",
]
