"""How LedgerGraph names a Sage list resource, and what turns its JSON into unified objects.

Which resources exist, and which unified kind each holds, is declared once in
``ledgergraph.kinds``; this module only holds the vocabulary that table is written in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ledgergraph import model


class Mapper(Protocol):
    """Turns Sage JSON into unified objects for one business (its country and overrides), and
    picks the business's own tax rate or ledger account for a kind or role."""

    @property
    def country_code(self) -> str | None: ...
    # What a resource's ``build`` passes to a mapping function of its own, so a new resource
    # needs no method here.
    @property
    def business_id(self) -> str: ...
    @property
    def currency(self) -> str | None:
        """The business's base currency: what Sage means when it sends none."""
        ...

    def business(
        self, details: dict[str, Any], financial_settings: dict[str, Any] | None
    ) -> model.Business: ...
    def contact(self, payload: dict[str, Any]) -> model.Contact: ...
    def invoice(self, payload: dict[str, Any]) -> model.Invoice: ...
    def bill(self, payload: dict[str, Any]) -> model.Bill: ...
    def credit_note(self, payload: dict[str, Any]) -> model.CreditNote: ...
    def payment(self, payload: dict[str, Any]) -> model.Payment: ...
    def ledger_account(self, payload: dict[str, Any]) -> model.LedgerAccount: ...
    def tax_rate(self, payload: dict[str, Any]) -> model.TaxRate: ...
    def item(self, payload: dict[str, Any]) -> model.Item: ...
    def bank_account(self, payload: dict[str, Any]) -> model.BankAccount: ...
    def tax_rate_for(
        self,
        kind: model.TaxKind,
        rates: Iterable[model.TaxRate],
        *,
        region: str | None = None,
        name: str | None = None,
        locality: str | None = None,
        preferred_ids: Sequence[str] = (),
    ) -> model.TaxRate | None: ...
    def ledger_account_for(
        self,
        role: model.AccountRole,
        accounts: Iterable[model.LedgerAccount],
        *,
        tax_rate: model.TaxRate | None = None,
        rates: Iterable[model.TaxRate] = (),
        item_kind: model.ItemKind | None = None,
    ) -> model.LedgerAccount | None: ...
    @property
    def taxes_by_region(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class Resource:
    """A Sage list resource: ``/{name}``, whose objects a write wraps in ``{root: ...}``."""

    name: str
    root: str
    # Which ``Mapper`` method maps the resource's JSON.
    build: Callable[[Mapper, dict[str, Any]], Any]
    # Whether Sage's list takes ``updated_or_created_since`` (the sync poller can see what
    # was created or changed) and ``deleted_since`` (it can see deletions too).
    changed_since: bool = False
    deleted_since: bool = False
    # The countries whose businesses Sage has the list in (None: every country's).
    countries: frozenset[str] | None = None

    @property
    def path(self) -> str:
        return f"/{self.name}"

    def listed_in(self, country: str | None) -> bool:
        """Whether a business of ``country`` (None: not known) has the list."""
        return self.countries is None or country is None or country in self.countries
