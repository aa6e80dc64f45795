"""Ledger accounts: classification by type, roles by the country's chart, overrides by id or
nominal code, and the reverse lookup ``accountRole: SALES`` → the tenant's account."""

from __future__ import annotations

from typing import Any

import pytest

from ledgergraph.connectors.sage.mapping import CountryMapper
from ledgergraph.model import AccountClassification, AccountRole, LedgerAccount, Ref
from tests.mapping.conftest import COUNTRIES, fixture

Json = dict[str, Any]
Role = AccountRole


def account_json(
    code: int | None, name: str, type_id: str, *, visible: tuple[str, ...] = (), **extra: Any
) -> Json:
    ident = extra.pop("id", f"acc{code}")
    return {
        "id": ident,
        "displayed_as": f"{name} ({code})",
        "$path": f"/ledger_accounts/{ident}",
        "name": name,
        "nominal_code": code,
        "ledger_account_type": {"id": type_id, "displayed_as": type_id.title()},
        "visible_in_sales": "sales" in visible,
        "visible_in_expenses": "expenses" in visible,
        "is_control_account": extra.get("control_name") is not None,
        **extra,
    }


def mapper(country: str | None, overrides: Json | None = None) -> CountryMapper:
    return CountryMapper.for_business(country, overrides, business_id=f"biz-{country}")


def test_sages_own_example_account_maps_exactly() -> None:
    account = mapper("GB").ledger_account(fixture("ledger_account"))
    assert account.code == "0041"
    assert account.name == "Fixtures and fittings - Accumulated Depreciation"
    assert account.classification == AccountClassification.ASSET
    assert account.roles == (AccountRole.ACCUMULATED_DEPRECIATION,)
    assert account.account_type == "FIXED_ASSETS"
    assert account.default_tax_rate == Ref("GB_NO_TAX", "No VAT")
    assert (account.visible_in_sales, account.visible_in_purchases) == (False, False)
    assert account.is_control_account is False
    assert account.remote_data == fixture("ledger_account")


@pytest.mark.parametrize(
    ("type_id", "classification"),
    [
        ("SALES", AccountClassification.REVENUE),
        ("OTHER_INCOME", AccountClassification.REVENUE),
        ("DIRECT_EXPENSES", AccountClassification.EXPENSE),
        ("OVERHEADS", AccountClassification.EXPENSE),
        ("DEPRECIATION", AccountClassification.EXPENSE),
        ("CURRENT_ASSETS", AccountClassification.ASSET),
        ("FIXED_ASSETS", AccountClassification.ASSET),
        ("FUTURE_ASSETS", AccountClassification.ASSET),
        ("BANK", AccountClassification.ASSET),
        ("CURRENT_LIABILITY", AccountClassification.LIABILITY),
        ("FUTURE_LIABILITY", AccountClassification.LIABILITY),
        ("LINE_OF_CREDIT", AccountClassification.LIABILITY),
        ("EQUITY", AccountClassification.EQUITY),
    ],
)
@pytest.mark.parametrize("country", COUNTRIES)
def test_classification_follows_sages_ledger_account_type(
    country: str, type_id: str, classification: AccountClassification
) -> None:
    account = mapper(country).ledger_account(account_json(9876543, "Anything", type_id))
    assert account.classification == classification


@pytest.mark.parametrize(
    ("country", "code", "name", "type_id", "roles"),
    [
        ("GB", 1100, "Trade Debtors", "CURRENT_ASSETS", [Role.ACCOUNTS_RECEIVABLE]),
        ("GB", 2100, "Trade Creditors", "CURRENT_LIABILITY", [Role.ACCOUNTS_PAYABLE]),
        ("GB", 2200, "VAT on Sales", "CURRENT_LIABILITY", [Role.SALES_TAX]),
        ("GB", 2201, "VAT on Purchases", "CURRENT_LIABILITY", [Role.PURCHASE_TAX]),
        ("GB", 2202, "VAT Liability", "CURRENT_LIABILITY", [Role.TAX_LIABILITY]),
        ("GB", 4000, "Sales - Products", "SALES", [Role.SALES]),
        ("GB", 4099, "Sales Type Z", "SALES", [Role.SALES]),
        ("GB", 4020, "Sales Discounts", "SALES", [Role.SALES_DISCOUNTS]),
        ("GB", 1250, "Petty Cash", "BANK", [Role.CASH]),
        ("GB", 9999, "Suspense", "CURRENT_LIABILITY", [Role.SUSPENSE]),
        (
            "DE",
            1400,
            "Forderungen aus Lieferungen und Leistungen",
            "CURRENT_ASSETS",
            [Role.ACCOUNTS_RECEIVABLE],
        ),
        ("DE", 1600, "Verbindlichkeiten aLuL", "CURRENT_LIABILITY", [Role.ACCOUNTS_PAYABLE]),
        ("DE", 1576, "Abziehbare Vorsteuer 19 %", "CURRENT_ASSETS", [Role.PURCHASE_TAX]),
        ("DE", 1776, "Umsatzsteuer 19 %", "CURRENT_LIABILITY", [Role.SALES_TAX]),
        ("DE", 8400, "Erlöse 19 % USt", "SALES", [Role.SALES]),
        ("DE", 1000, "Kasse", "BANK", [Role.CASH]),
        ("FR", 411, "Clients", "CURRENT_ASSETS", [Role.ACCOUNTS_RECEIVABLE]),
        ("FR", 41100000, "Clients", "CURRENT_ASSETS", [Role.ACCOUNTS_RECEIVABLE]),
        ("FR", 401000, "Fournisseurs", "CURRENT_LIABILITY", [Role.ACCOUNTS_PAYABLE]),
        ("FR", 512000, "Banque", "BANK", [Role.BANK]),
        ("FR", 445710, "TVA collectée", "CURRENT_LIABILITY", [Role.SALES_TAX]),
        ("FR", 445660, "TVA déductible", "CURRENT_ASSETS", [Role.PURCHASE_TAX]),
        ("FR", 706000, "Prestations de services", "SALES", [Role.SALES]),
        ("FR", 607000, "Achats de marchandises", "DIRECT_EXPENSES", [Role.PURCHASES]),
        ("ES", 430000, "Clientes", "CURRENT_ASSETS", [Role.ACCOUNTS_RECEIVABLE]),
        ("ES", 400000, "Proveedores", "CURRENT_LIABILITY", [Role.ACCOUNTS_PAYABLE]),
        ("ES", 572000, "Bancos", "BANK", [Role.BANK]),
        ("ES", 477000, "HP, IVA repercutido", "CURRENT_LIABILITY", [Role.SALES_TAX]),
        ("ES", 472000, "HP, IVA soportado", "CURRENT_ASSETS", [Role.PURCHASE_TAX]),
        ("ES", 700000, "Ventas de mercaderías", "SALES", [Role.SALES]),
        (
            "US",
            2200,
            "Sales Tax Payable",
            "CURRENT_LIABILITY",
            [Role.SALES_TAX, Role.TAX_LIABILITY],
        ),
        ("CA", 2200, "GST/HST Charged on Sales", "CURRENT_LIABILITY", [Role.SALES_TAX]),
        ("CA", 2210, "GST/HST Paid on Purchases (ITC)", "CURRENT_LIABILITY", [Role.PURCHASE_TAX]),
        ("CA", 2300, "Federal Income Tax Payable", "CURRENT_LIABILITY", [Role.INCOME_TAX]),
        ("CA", 9200, "Non-recoverable Tax", "OVERHEADS", [Role.NON_RECOVERABLE_TAX]),
        ("GB", 9998, "Opening Balances", "EQUITY", [Role.OPENING_BALANCES]),
        ("GB", 4910, "Carriage on Sales", "SALES", [Role.CARRIAGE]),
        ("DE", 4120, "Gehälter", "OVERHEADS", [Role.WAGES]),
        ("DE", 2400, "Forderungsverluste", "OVERHEADS", [Role.BAD_DEBTS]),
        ("DE", 2650, "Sonstige Zinsen", "OTHER_INCOME", [Role.INTEREST_INCOME]),
        ("DE", 2660, "Erträge aus Kursdifferenzen", "OTHER_INCOME", [Role.EXCHANGE_DIFFERENCES]),
        ("DE", 9000, "Saldenvorträge, Sachkonten", "EQUITY", [Role.OPENING_BALANCES]),
        ("FR", 108000, "Compte de l'exploitant", "EQUITY", [Role.DRAWINGS]),
        ("FR", 281830, "Amort. matériel", "FIXED_ASSETS", [Role.ACCUMULATED_DEPRECIATION]),
        ("FR", 291000, "Dépréciations des immobilisations", "FIXED_ASSETS", []),
        ("FR", 641000, "Rémunérations du personnel", "OVERHEADS", [Role.WAGES]),
        ("FR", 708500, "Ports et frais accessoires facturés", "SALES", [Role.CARRIAGE]),
        ("FR", 768000, "Autres produits financiers", "OTHER_INCOME", [Role.INTEREST_INCOME]),
        ("ES", 475000, "HP, acreedora por IVA", "CURRENT_LIABILITY", [Role.TAX_LIABILITY]),
        ("ES", 475100, "HP, retenciones", "CURRENT_LIABILITY", [Role.PAYROLL_LIABILITY]),
        ("ES", 650000, "Pérdidas de créditos incobrables", "OVERHEADS", [Role.BAD_DEBTS]),
        ("ES", 768000, "Dif. positivas de cambio", "OTHER_INCOME", [Role.EXCHANGE_DIFFERENCES]),
    ],
)
def test_roles_follow_the_countrys_chart_conventions(
    country: str, code: int, name: str, type_id: str, roles: list[AccountRole]
) -> None:
    account = mapper(country).ledger_account(account_json(code, name, type_id))
    assert list(account.roles) == roles


@pytest.mark.parametrize(
    ("name", "type_id", "control_name", "roles"),
    [
        ("Current", "BANK", "BANK_CURRENT", [Role.BANK]),
        ("Float", "BANK", "BANK_CASH", [Role.CASH]),
        ("Company Visa", "LINE_OF_CREDIT", None, [Role.CREDIT_CARD]),
        ("Overdraft facility", "LINE_OF_CREDIT", None, []),
        ("Accounts Receivable", "CURRENT_ASSETS", None, [Role.ACCOUNTS_RECEIVABLE]),
        ("Gross wages", "OVERHEADS", None, [Role.WAGES]),
        ("Bad debt write off", "OVERHEADS", None, [Role.BAD_DEBTS]),
        ("Foreign exchange losses", "OVERHEADS", None, [Role.EXCHANGE_DIFFERENCES]),
        ("Non-recoverable VAT", "OVERHEADS", None, [Role.NON_RECOVERABLE_TAX]),
        ("Freight income", "SALES", None, [Role.CARRIAGE]),
        ("Bank interest received", "OTHER_INCOME", None, [Role.INTEREST_INCOME]),
        ("Vans - accumulated depreciation", "FIXED_ASSETS", None, [Role.ACCUMULATED_DEPRECIATION]),
        ("Prepaid rent", "CURRENT_ASSETS", None, [Role.PREPAYMENTS]),
        ("Accrued expenses", "CURRENT_LIABILITY", None, [Role.ACCRUALS]),
        ("PAYE and NI", "CURRENT_LIABILITY", None, [Role.PAYROLL_LIABILITY]),
        ("Corporation tax", "CURRENT_LIABILITY", None, [Role.INCOME_TAX]),
        ("Bank loan", "FUTURE_LIABILITY", None, [Role.LOAN]),
        ("Owner's drawings", "EQUITY", None, [Role.DRAWINGS]),
        ("Opening balance equity", "EQUITY", None, [Role.OPENING_BALANCES]),
        ("Stationery", "OVERHEADS", None, [Role.EXPENSES]),
    ],
)
def test_an_unknown_chart_still_gets_roles_from_names_types_and_control_names(
    name: str, type_id: str, control_name: str | None, roles: list[AccountRole]
) -> None:
    account = mapper(None).ledger_account(
        account_json(77, name, type_id, control_name=control_name)
    )
    assert list(account.roles) == roles


NOVEL_ACCOUNTS: dict[str, tuple[Json, AccountClassification | None]] = {
    "bare id": ({"id": "x1"}, None),
    "nulls": ({"id": "x1", "nominal_code": None, "ledger_account_type": None, "name": None}, None),
    "novel type": ({"id": "x1", "nominal_code": 12, "ledger_account_type": {"id": "NEW"}}, None),
    "code as a string": (
        {"id": "x1", "nominal_code": "7777", "ledger_account_type": {"id": "SALES"}},
        AccountClassification.REVENUE,
    ),
}


@pytest.mark.parametrize("country", COUNTRIES)
@pytest.mark.parametrize(("payload", "classification"), NOVEL_ACCOUNTS.values(), ids=NOVEL_ACCOUNTS)
def test_a_novel_account_degrades_instead_of_failing(
    country: str, payload: Json, classification: AccountClassification | None
) -> None:
    account = mapper(country).ledger_account(payload)
    assert account.remote_id == "x1"
    assert account.classification == classification
    if classification is None:
        assert account.roles == ()


def test_a_tenant_override_by_sage_id_wins() -> None:
    gb = mapper(
        "GB", {"ledger_accounts": {"acc4900": {"roles": ["SALES"], "classification": "REVENUE"}}}
    )
    account = gb.ledger_account(account_json(4900, "Other income", "OTHER_INCOME"))
    assert account.roles == (Role.SALES,)


@pytest.mark.parametrize("key", ["4010", "04010", " 4010"])
def test_a_tenant_override_by_nominal_code_wins(key: str) -> None:
    gb = mapper("GB", {"ledger_accounts": {key: {"roles": []}}})
    account = gb.ledger_account(account_json(4010, "Sales - Services", "SALES"))
    assert account.roles == ()
    assert account.classification == AccountClassification.REVENUE


def test_an_override_by_id_beats_one_by_code() -> None:
    gb = mapper(
        "GB",
        {"ledger_accounts": {"4000": {"roles": ["OTHER_INCOME"]}, "acc4000": {"roles": ["SALES"]}}},
    )
    assert gb.ledger_account(account_json(4000, "Sales", "SALES")).roles == (Role.SALES,)


def test_an_override_may_change_the_classification_alone() -> None:
    gb = mapper("GB", {"ledger_accounts": {"acc2300": {"classification": "EQUITY"}}})
    account = gb.ledger_account(account_json(2300, "Directors' loan", "FUTURE_LIABILITY"))
    assert account.classification == AccountClassification.EQUITY


# --- reverse lookups ------------------------------------------------------------------------


def gb_chart() -> list[LedgerAccount]:
    gb = mapper("GB")
    payloads = [
        account_json(4010, "Sales - Services", "SALES", visible=("sales",)),
        account_json(4000, "Sales - Products", "SALES", visible=("sales",)),
        account_json(4005, "Sales - Hidden", "SALES"),
        account_json(1100, "Trade Debtors", "CURRENT_ASSETS", control_name="SALES_LEDGER_CONTROL"),
        account_json(1200, "Bank Current Account", "BANK", control_name="BANK_CURRENT"),
        account_json(1230, "Bank Deposit Account", "BANK"),
        account_json(5000, "Cost of Sales - Goods", "DIRECT_EXPENSES", visible=("expenses",)),
        account_json(5020, "Cost of Sales - Materials", "DIRECT_EXPENSES", visible=("expenses",)),
        account_json(2200, "VAT on Sales", "CURRENT_LIABILITY"),
    ]
    return [gb.ledger_account(p) for p in payloads]


@pytest.mark.parametrize(
    ("role", "code"),
    [
        (Role.SALES, "4000"),
        (Role.PURCHASES, "5000"),
        (Role.ACCOUNTS_RECEIVABLE, "1100"),
        (Role.BANK, "1200"),
        (Role.SALES_TAX, "2200"),
    ],
)
def test_a_gb_role_picks_the_visible_account_with_the_lowest_code(
    role: AccountRole, code: str
) -> None:
    chart = gb_chart()
    for order in (chart, list(reversed(chart))):
        picked = mapper("GB").ledger_account_for(role, order)
        assert picked is not None
        assert picked.code == code


def test_an_account_hidden_from_sales_loses_to_a_visible_one_despite_a_lower_code() -> None:
    gb = mapper("GB")
    hidden = gb.ledger_account(account_json(4000, "Sales - Products", "SALES"))
    shown = gb.ledger_account(account_json(4010, "Sales - Services", "SALES", visible=("sales",)))
    picked = gb.ledger_account_for(Role.SALES, [hidden, shown])
    assert picked == shown


def test_a_role_no_account_has_finds_nothing() -> None:
    assert mapper("GB").ledger_account_for(Role.CREDIT_CARD, gb_chart()) is None


def test_an_overridden_role_moves_the_reverse_lookup() -> None:
    gb = mapper("GB", {"ledger_accounts": {"4000": {"roles": []}}})
    chart = [gb.ledger_account(a.remote_data) for a in gb_chart()]
    picked = gb.ledger_account_for(Role.SALES, chart)
    assert picked is not None
    assert picked.code == "4010"


def test_codes_compare_as_numbers_and_non_numeric_codes_come_last() -> None:
    us = mapper("US", {"ledger_accounts": {"w": {"roles": ["EXPENSES"]}}})
    wide = us.ledger_account(account_json(10000, "Travel", "OVERHEADS", visible=("expenses",)))
    narrow = us.ledger_account(account_json(9000, "Meals", "OVERHEADS", visible=("expenses",)))
    nameless = us.ledger_account(
        account_json(None, "Unnumbered", "OVERHEADS", visible=("expenses",), id="w")
    )
    assert us.ledger_account_for(Role.EXPENSES, [wide, nameless, narrow]) == narrow
    assert us.ledger_account_for(Role.EXPENSES, [wide, nameless]) == wide


def test_an_expense_role_prefers_the_account_visible_in_purchases() -> None:
    gb = mapper("GB")
    hidden = gb.ledger_account(account_json(7000, "Gross Wages", "OVERHEADS"))
    shown = gb.ledger_account(account_json(7005, "Wages", "OVERHEADS", visible=("expenses",)))
    for order in ([hidden, shown], [shown, hidden]):
        assert gb.ledger_account_for(Role.WAGES, order) == shown
