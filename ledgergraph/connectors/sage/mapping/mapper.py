"""``CountryMapper``: one business's country rules and tenant overrides, bound to its id."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ledgergraph.connectors.sage.mapping import (
    banking,
    businesses,
    contacts,
    documents,
    items,
    ledger_accounts,
    payments,
    tax_rates,
)
from ledgergraph.connectors.sage.mapping.overrides import Overrides
from ledgergraph.connectors.sage.mapping.rules import CountryRules, country_rules, supply_of
from ledgergraph.connectors.sage.mapping.values import Payload
from ledgergraph.model import (
    AccountRole,
    BankAccount,
    Bill,
    Business,
    Contact,
    CreditNote,
    Invoice,
    Item,
    ItemKind,
    LedgerAccount,
    Payment,
    TaxKind,
    TaxRate,
)


# Compared by identity: the overrides inside hold dicts, so value hashing would fail.
@dataclass(frozen=True, slots=True, eq=False)
class CountryMapper:
    """Builds unified objects for one Sage business. Pure: no I/O, safe to share and cache."""

    rules: CountryRules
    overrides: Overrides
    business_id: str
    # The business's base currency: what Sage means when it leaves ``currency`` null.
    currency: str | None

    @classmethod
    def for_business(
        cls,
        country_code: str | None,
        overrides: Overrides | Mapping[str, Any] | None = None,
        *,
        business_id: str,
        currency: str | None = None,
    ) -> CountryMapper:
        """The mapper for a business of ``country_code`` (GB, IE, CA, US, FR, ES, DE).

        An unknown or missing country maps with the shared defaults only. ``overrides`` is the
        plain dict kept with the tenant's connection (raises ``OverridesError`` when malformed);
        ``currency`` defaults to the country's.
        """
        rules = country_rules(country_code)
        return cls(
            rules=rules,
            overrides=Overrides.parse(overrides),
            business_id=business_id,
            currency=currency or rules.currency,
        )

    @property
    def country_code(self) -> str | None:
        return self.rules.country

    def business(self, details: Payload, financial_settings: Payload | None = None) -> Business:
        return businesses.business(details, financial_settings, currency=self.currency)

    def contact(self, payload: Payload) -> Contact:
        return contacts.contact(payload, self.business_id, currency=self.currency)

    def invoice(self, payload: Payload) -> Invoice:
        return documents.invoice(payload, self.business_id, currency=self.currency)

    def bill(self, payload: Payload) -> Bill:
        return documents.bill(payload, self.business_id, currency=self.currency)

    def credit_note(self, payload: Payload) -> CreditNote:
        return documents.credit_note(payload, self.business_id, currency=self.currency)

    def payment(self, payload: Payload) -> Payment:
        return payments.payment(payload, self.business_id, currency=self.currency)

    def ledger_account(self, payload: Payload) -> LedgerAccount:
        return ledger_accounts.ledger_account(payload, self.business_id, self.rules, self.overrides)

    def tax_rate(self, payload: Payload) -> TaxRate:
        return tax_rates.tax_rate(payload, self.business_id, self.rules, self.overrides)

    def item(self, payload: Payload) -> Item:
        return items.item(payload, self.business_id, currency=self.currency)

    def bank_account(self, payload: Payload) -> BankAccount:
        return banking.bank_account(payload, self.business_id, currency=self.currency)

    def tax_rate_for(
        self,
        kind: TaxKind,
        rates: Iterable[TaxRate],
        *,
        region: str | None = None,
        name: str | None = None,
        locality: str | None = None,
        preferred_ids: Sequence[str] = (),
    ) -> TaxRate | None:
        """See ``tax_rates.tax_rate_for``."""
        return tax_rates.tax_rate_for(
            kind,
            rates,
            self.rules,
            region=region,
            name=name,
            locality=locality,
            preferred_ids=preferred_ids,
        )

    def ledger_account_for(
        self,
        role: AccountRole,
        accounts: Iterable[LedgerAccount],
        *,
        tax_rate: TaxRate | None = None,
        rates: Iterable[TaxRate] = (),
        item_kind: ItemKind | None = None,
    ) -> LedgerAccount | None:
        """See ``ledger_accounts.ledger_account_for``; ``item_kind`` is what the line sells."""
        return ledger_accounts.ledger_account_for(
            role,
            accounts,
            self.rules,
            tax_rate=tax_rate,
            rates=rates,
            supplies=supply_of(item_kind),
        )

    @property
    def taxes_by_region(self) -> bool:
        """See ``CountryRules.taxes_by_region``."""
        return self.rules.taxes_by_region
