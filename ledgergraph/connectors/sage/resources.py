"""Which Sage resource holds which unified object, and how to map its JSON."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ledgergraph import model


class Mapper(Protocol):
    """Turns Sage JSON into unified objects for one business (its country and overrides)."""

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


@dataclass(frozen=True, slots=True)
class Resource:
    name: str
    path: str
    build: Callable[[Mapper, dict[str, Any]], Any]
    # Reference data is read as whole lists, once per request and then from the cache.
    reference: bool = False


CONTACTS = Resource("contacts", "/contacts", lambda m, p: m.contact(p))
INVOICES = Resource("sales_invoices", "/sales_invoices", lambda m, p: m.invoice(p))
BILLS = Resource("purchase_invoices", "/purchase_invoices", lambda m, p: m.bill(p))
CREDIT_NOTES = Resource("sales_credit_notes", "/sales_credit_notes", lambda m, p: m.credit_note(p))
PAYMENTS = Resource("contact_payments", "/contact_payments", lambda m, p: m.payment(p))
PRODUCTS = Resource("products", "/products", lambda m, p: m.item(p))
SERVICES = Resource("services", "/services", lambda m, p: m.item(p))
LEDGER_ACCOUNTS = Resource(
    "ledger_accounts", "/ledger_accounts", lambda m, p: m.ledger_account(p), reference=True
)
TAX_RATES = Resource("tax_rates", "/tax_rates", lambda m, p: m.tax_rate(p), reference=True)
BANK_ACCOUNTS = Resource(
    "bank_accounts", "/bank_accounts", lambda m, p: m.bank_account(p), reference=True
)
