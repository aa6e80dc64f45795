"""``/financial_settings`` and ``/business_settings``: one per business, GET and PUT."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ledgergraph.sandbox.api.body import Body
from ledgergraph.sandbox.api.refs import currency_ref, enum_ref, ledger_account_ref
from ledgergraph.sandbox.api.resources import checks
from ledgergraph.sandbox.api.scope import Scope
from ledgergraph.sandbox.api.wire import JSON, day, instant, money, ref
from ledgergraph.sandbox.books import BooksError
from ledgergraph.sandbox.books.money import HUNDRED, ZERO
from ledgergraph.sandbox.books.reference import enumeration

ACCOUNTING_TYPES = ("accrual", "cash")
TAX_CALCULATIONS = ("invoice", "cash")
DEFAULT_LEDGER_ACCOUNTS = (
    "bank_charges_ledger_account",
    "bank_interest_received_ledger_account",
    "bank_interest_charges_paid_ledger_account",
    "exchange_rate_gains_ledger_account",
    "exchange_rate_losses_ledger_account",
    "sales_ledger_account",
    "sales_discount_ledger_account",
    "purchase_ledger_account",
    "purchase_discount_ledger_account",
    "product_sales_ledger_account",
    "product_purchase_ledger_account",
    "service_sales_ledger_account",
    "service_purchase_ledger_account",
    "stock_purchase_ledger_account",
    "other_receipt_ledger_account",
    "other_payment_ledger_account",
    "customer_receipt_discount_ledger_account",
    "vendor_payment_discount_ledger_account",
    "carriage_ledger_account",
)
BUSINESS_TYPE_DESCRIPTIONS = {
    "SOLE": "A business owned and run by one person",
    "PARTNER": "A business owned by two or more partners",
    "LIMITED": "A limited company or limited liability partnership",
}


@dataclass(frozen=True, slots=True)
class Singleton:
    name: str
    root: str
    serialise: Callable[[Scope], JSON]
    update: Callable[[Scope, Body], None]


def serialise_financial(scope: Scope) -> JSON:
    s = scope.books.financial_settings
    return {
        "$path": "/financial_settings",
        "year_end_date": day(s.year_end_date),
        "year_end_lockdown_date": day(s.year_end_lockdown_date),
        "accounting_type": s.accounting_type,
        "accounts_start_date": day(s.accounts_start_date),
        "base_currency": currency_ref(s.base_currency_id),
        "multi_currency_enabled": s.multi_currency_enabled,
        "use_live_exchange_rates": s.use_live_exchange_rates,
        "mtd_activation_status": s.mtd_activation_status,
        "mtd_connected": s.mtd_connected,
        "mtd_authenticated_date": day(s.mtd_authenticated_date),
        "tax_scheme": enum_ref("tax_schemes", s.tax_scheme_id),
        "tax_return_frequency": enum_ref("tax_return_frequencies", s.tax_return_frequency_id),
        "tax_number": s.tax_number,
        "general_tax_number": s.general_tax_number,
        "tax_office": None,
        "default_irpf_rate": money(s.default_irpf_rate),
        "flat_rate_tax_percentage": money(s.flat_rate_tax_percentage),
        "recoverable_percentage": money(s.recoverable_percentage),
        "sales_tax_calculation": s.sales_tax_calculation,
        "purchase_tax_calculation": s.purchase_tax_calculation,
        "updated_at": instant(s.updated_at),
        "postponed_accounting": s.postponed_accounting,
        "destination_vat": s.destination_vat,
    }


def _choice(body: Body, name: str, allowed: tuple[str, ...]) -> str | None:
    value = body.string(name)
    if value and value not in allowed:
        body.problem(name, f"'{value}' is not one of: {', '.join(allowed)}")
        return None
    return value or None


def update_financial(scope: Scope, body: Body) -> None:
    books = scope.books
    s = books.financial_settings
    dates = {
        name: body.day(name)
        for name in (
            "year_end_date",
            "year_end_lockdown_date",
            "accounts_start_date",
            "mtd_authenticated_date",
        )
    }
    accounting_type = _choice(body, "accounting_type", ACCOUNTING_TYPES)
    base_currency = checks.currency_id(body, "base_currency_id")
    scheme = checks.enum_id(body, "tax_scheme_id", "tax_schemes")
    frequency = checks.enum_id(body, "tax_return_frequency_id", "tax_return_frequencies")
    sales_calc = _choice(body, "sales_tax_calculation", TAX_CALCULATIONS)
    purchase_calc = _choice(body, "purchase_tax_calculation", TAX_CALCULATIONS)
    flags = {
        name: body.boolean(name)
        for name in (
            "multi_currency_enabled",
            "use_live_exchange_rates",
            "mtd_connected",
            "postponed_accounting",
            "destination_vat",
        )
    }
    texts = {
        name: body.string(name)
        for name in ("tax_number", "general_tax_number", "mtd_activation_status")
    }
    decimals = {
        name: body.decimal(name, minimum=ZERO)
        for name in ("default_irpf_rate", "flat_rate_tax_percentage", "recoverable_percentage")
    }
    for name, value in decimals.items():
        if value is not None and value > HUNDRED:
            body.problem(name, "This field must be a percentage between 0 and 100")
    body.string("tax_office_id")
    body.problems.raise_if_any()
    if (
        base_currency is not None
        and base_currency != s.base_currency_id
        and any(True for _ in books.all_artefacts())
    ):
        raise BooksError(
            "The base currency cannot change once transactions exist", "base_currency_id"
        )
    for name, new_date in dates.items():
        if new_date is not None:
            setattr(s, name, new_date)
    if accounting_type is not None:
        s.accounting_type = accounting_type
    if base_currency is not None:
        s.base_currency_id = base_currency
    if body.has("tax_scheme_id"):
        s.tax_scheme_id = scheme
    if body.has("tax_return_frequency_id"):
        s.tax_return_frequency_id = frequency
    if body.has("sales_tax_calculation"):
        s.sales_tax_calculation = sales_calc
    if body.has("purchase_tax_calculation"):
        s.purchase_tax_calculation = purchase_calc
    for name, flag in flags.items():
        if flag is not None:
            setattr(s, name, flag)
    for name, text in texts.items():
        if text is not None:
            setattr(s, name, text or None)
    for name, number in decimals.items():
        if body.has(name):
            setattr(s, name, number)
    s.updated_at = books.now()


def serialise_business(scope: Scope) -> JSON:
    books = scope.books
    s = books.business_settings
    business_type = enumeration("business_types").get(s.business_type_id or "")
    return {
        "$path": "/business_settings",
        "siret": s.siret,
        "management_centre_member": s.management_centre_member,
        "rcs_number": s.rcs_number,
        "share_capital": money(s.share_capital),
        "business_activity_type": None,
        "legal_form_type": None,
        "auxiliary_accounts_visible": s.auxiliary_accounts_visible,
        "default_ledger_accounts": {
            name: ledger_account_ref(books, s.default_ledger_account_ids.get(name))
            for name in DEFAULT_LEDGER_ACCOUNTS
        },
        "business_type": (
            {
                **ref("business_types", business_type.id, business_type.displayed_as),
                "name": business_type.displayed_as,
                "description": BUSINESS_TYPE_DESCRIPTIONS[business_type.id],
            }
            if business_type
            else None
        ),
        "country_of_registration": enum_ref(
            "countries_of_registration", s.country_of_registration_id
        ),
        "business_created_at": instant(s.business_created_at),
        "updated_at": instant(s.updated_at),
        "wizard_complete": s.wizard_complete,
    }


def update_business(scope: Scope, body: Body) -> None:
    books = scope.books
    s = books.business_settings
    business_type = checks.enum_id(body, "business_type_id", "business_types")
    registration = checks.enum_id(body, "country_of_registration_id", "countries_of_registration")
    if registration and scope.country.code not in ("GB", "IE"):
        body.problem(
            "country_of_registration_id",
            "Only UK and Irish businesses have a country of registration",
        )
    defaults_body = body.child("default_ledger_accounts")
    defaults: dict[str, str | None] = {}
    if defaults_body is not None:
        for name in DEFAULT_LEDGER_ACCOUNTS:
            key = f"{name}_id"
            if defaults_body.has(key):
                defaults[name] = checks.ledger_account_id(scope, defaults_body, key)
    texts = {name: body.string(name) for name in ("siret", "rcs_number")}
    share_capital = body.decimal("share_capital", minimum=ZERO)
    flags: dict[str, Any] = {
        name: body.boolean(name)
        for name in ("management_centre_member", "auxiliary_accounts_visible", "wizard_complete")
    }
    body.string("business_activity_type_id")
    body.string("legal_form_type_id")
    body.problems.raise_if_any()
    if business_type is not None:
        s.business_type_id = business_type
    if body.has("country_of_registration_id"):
        s.country_of_registration_id = registration
    for name, ledger_id in defaults.items():
        if ledger_id is not None:
            s.default_ledger_account_ids[name] = ledger_id
    for name, text in texts.items():
        if text is not None:
            setattr(s, name, text or None)
    if body.has("share_capital"):
        s.share_capital = share_capital
    for name, flag in flags.items():
        if flag is not None:
            setattr(s, name, flag)
    s.updated_at = books.now()


FINANCIAL_SETTINGS = Singleton(
    "financial_settings", "financial_settings", serialise_financial, update_financial
)
BUSINESS_SETTINGS = Singleton(
    "business_settings", "business_settings", serialise_business, update_business
)
