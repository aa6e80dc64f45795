"""Each country's books: real tax rates, a chart in the country's style, local currency and
addresses, and the unified truth (tax kinds, account classifications and roles) seeded with them."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books.countries import load_country, vocabulary
from tests.sandbox.sage_api import (
    COUNTRIES,
    HEX32,
    books_of,
    in_business,
    ok,
    shared_sandbox_fixtures,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")
shared, sandbox, http, api = shared_sandbox_fixtures()

VOCABULARY = vocabulary()
CURRENCY = {
    "GB": "GBP",
    "IE": "EUR",
    "CA": "CAD",
    "US": "USD",
    "FR": "EUR",
    "ES": "EUR",
    "DE": "EUR",
}
RATES: dict[str, dict[str, str]] = {
    "GB": {
        "GB_STANDARD": "20.0",
        "GB_LOWER": "5.0",
        "GB_ZERO": "0.0",
        "GB_EXEMPT": "0.0",
        "GB_NO_TAX": "0.0",
    },
    "IE": {
        "IE_STANDARD": "23.0",
        "IE_REDUCED_HIGH": "13.5",
        "IE_REDUCED_LOW": "9.0",
        "IE_ZERO": "0.0",
        "IE_EXEMPT": "0.0",
        "IE_NO_TAX": "0.0",
    },
    "DE": {"DE_STANDARD": "19.0", "DE_LOWER": "7.0", "DE_ZERO": "0.0", "DE_EXEMPT": "0.0"},
    "FR": {
        "FR_STANDARD": "20.0",
        "FR_INTERMEDIATE": "10.0",
        "FR_REDUCED": "5.5",
        "FR_SUPER_REDUCED": "2.1",
        "FR_ZERO": "0.0",
        "FR_EXEMPT": "0.0",
    },
    "ES": {
        "ES_STANDARD": "21.0",
        "ES_REDUCED": "10.0",
        "ES_SUPER_REDUCED": "4.0",
        "ES_ZERO": "0.0",
        "ES_EXEMPT": "0.0",
        "ES_STANDARD_RE": "5.2",
        "ES_REDUCED_RE": "1.4",
        "ES_SUPER_REDUCED_RE": "0.5",
    },
    "CA": {
        "CA_GST": "5.0",
        "CA_HST_ON": "13.0",
        "CA_HST_NB": "15.0",
        "CA_HST_NL": "15.0",
        "CA_HST_NS": "14.0",
        "CA_HST_PE": "15.0",
        "CA_PST_BC": "7.0",
        "CA_PST_MB": "7.0",
        "CA_PST_SK": "6.0",
        "CA_QST": "9.975",
        "CA_GST_PST_BC": "12.0",
        "CA_GST_PST_MB": "12.0",
        "CA_GST_PST_SK": "11.0",
        "CA_GST_QST": "14.975",
        "CA_ZERO": "0.0",
        "CA_EXEMPT": "0.0",
    },
}
# (country, nominal code, name, ledger_account_type) the country's chart must hold.
ACCOUNTS = [
    ("GB", 1100, "Trade Debtors", "CURRENT_ASSETS"),
    ("GB", 1200, "Bank Current Account", "BANK"),
    ("GB", 2100, "Trade Creditors", "CURRENT_LIABILITY"),
    ("GB", 2200, "VAT on Sales", "CURRENT_LIABILITY"),
    ("GB", 2201, "VAT on Purchases", "CURRENT_LIABILITY"),
    ("GB", 4000, "Sales - Products", "SALES"),
    ("GB", 4010, "Sales - Services", "SALES"),
    ("GB", 5000, "Cost of Sales - Goods", "DIRECT_EXPENSES"),
    ("GB", 7100, "Rent and Rates", "OVERHEADS"),
    ("GB", 8050, "Motor Vehicles Depreciation", "DEPRECIATION"),
    ("GB", 3000, "Share Capital", "EQUITY"),
    ("IE", 1100, "Trade Debtors", "CURRENT_ASSETS"),
    ("IE", 2200, "VAT on Sales", "CURRENT_LIABILITY"),
    ("IE", 4000, "Sales - Products", "SALES"),
    ("DE", 1200, "Bank", "BANK"),
    ("DE", 1400, "Forderungen aus Lieferungen und Leistungen", "CURRENT_ASSETS"),
    ("DE", 1600, "Verbindlichkeiten aus Lieferungen und Leistungen", "CURRENT_LIABILITY"),
    ("DE", 1576, "Abziehbare Vorsteuer 19 %", "CURRENT_ASSETS"),
    ("DE", 1776, "Umsatzsteuer 19 %", "CURRENT_LIABILITY"),
    ("DE", 8400, "Erlöse 19 % USt", "SALES"),
    ("FR", 411000, "Clients", "CURRENT_ASSETS"),
    ("FR", 401000, "Fournisseurs", "CURRENT_LIABILITY"),
    ("FR", 512000, "Banque", "BANK"),
    ("FR", 706000, "Prestations de services", "SALES"),
    ("FR", 707000, "Ventes de marchandises", "SALES"),
    ("FR", 607000, "Achats de marchandises", "DIRECT_EXPENSES"),
    ("FR", 445710, "TVA collectée", "CURRENT_LIABILITY"),
    ("FR", 445660, "TVA déductible sur autres biens et services", "CURRENT_ASSETS"),
    ("ES", 430000, "Clientes", "CURRENT_ASSETS"),
    ("ES", 400000, "Proveedores", "CURRENT_LIABILITY"),
    ("ES", 572000, "Bancos e instituciones de crédito c/c vista, euros", "BANK"),
    ("ES", 700000, "Ventas de mercaderías", "SALES"),
    ("ES", 705000, "Prestaciones de servicios", "SALES"),
    ("ES", 600000, "Compras de mercaderías", "DIRECT_EXPENSES"),
    ("ES", 472000, "Hacienda Pública, IVA soportado", "CURRENT_ASSETS"),
    ("ES", 477000, "Hacienda Pública, IVA repercutido", "CURRENT_LIABILITY"),
    ("CA", 1060, "Chequing Bank Account", "BANK"),
    ("CA", 1200, "Accounts Receivable", "CURRENT_ASSETS"),
    ("CA", 2200, "GST/HST Charged on Sales", "CURRENT_LIABILITY"),
    ("CA", 2250, "QST Charged on Sales", "CURRENT_LIABILITY"),
    ("CA", 4000, "Sales", "SALES"),
    ("US", 4000, "Professional Fees", "SALES"),
    ("US", 4050, "Sales of Materials", "SALES"),
    ("US", 1100, "Accounts Receivable", "CURRENT_ASSETS"),
    ("US", 2200, "Sales Tax Payable", "CURRENT_LIABILITY"),
]
CLASSIFICATION_OF_TYPE = {
    "SALES": "REVENUE",
    "OTHER_INCOME": "REVENUE",
    "DIRECT_EXPENSES": "EXPENSE",
    "OVERHEADS": "EXPENSE",
    "DEPRECIATION": "EXPENSE",
    "CURRENT_ASSETS": "ASSET",
    "FIXED_ASSETS": "ASSET",
    "FUTURE_ASSETS": "ASSET",
    "BANK": "ASSET",
    "CURRENT_LIABILITY": "LIABILITY",
    "FUTURE_LIABILITY": "LIABILITY",
    "LINE_OF_CREDIT": "LIABILITY",
    "EQUITY": "EQUITY",
}
POSTCODES = {
    "GB": r"^[A-Z]{1,2}\d{1,2} \d[A-Z]{2}$",
    "IE": r"^[A-Z]\d{2} [A-Z]\d[A-Z\d]{2}$",
    "CA": r"^[A-Z]\d[A-Z] \d[A-Z]\d$",
    "US": r"^\d{5}$",
    "FR": r"^\d{5}$",
    "ES": r"^\d{5}$",
    "DE": r"^\d{5}$",
}


async def all_items(
    api: httpx.AsyncClient, path: str, headers: dict[str, str], **params: Any
) -> list[dict[str, Any]]:
    page = ok(
        await api.get(
            path, params={"items_per_page": 200, "attributes": "all", **params}, headers=headers
        )
    )
    items: list[dict[str, Any]] = page["$items"]
    while page["$next"]:
        page = ok(await api.get(page["$next"].lstrip("/"), headers=headers))
        items += page["$items"]
    return items


@pytest.mark.parametrize("country", COUNTRIES)
async def test_each_business_keeps_books_in_its_currency(
    api: httpx.AsyncClient, sandbox: RunningSandbox, country: str
) -> None:
    headers = in_business(sandbox, country)
    settings = ok(await api.get("financial_settings", headers=headers))
    assert settings["base_currency"]["id"] == CURRENCY[country]
    page = ok(await api.get("sales_invoices", params={"attributes": "currency"}, headers=headers))
    assert {item["currency"]["id"] for item in page["$items"]} == {CURRENCY[country]}


@pytest.mark.parametrize("country", sorted(RATES))
async def test_system_tax_rates_are_the_countrys_real_rates(
    api: httpx.AsyncClient, sandbox: RunningSandbox, country: str
) -> None:
    rates = await all_items(api, "tax_rates", in_business(sandbox, country))
    assert {rate["id"]: rate["percentage"] for rate in rates} == RATES[country]
    assert all(rate["editable"] is False and rate["deletable"] is False for rate in rates)


@pytest.mark.parametrize(
    ("country", "rate_id", "displayed_as"),
    [
        ("GB", "GB_NO_TAX", "No VAT"),
        ("IE", "IE_REDUCED_HIGH", "Reduced Rate 13.50%"),
        ("DE", "DE_STANDARD", "19,00% USt"),
        ("FR", "FR_REDUCED", "Taux réduit 5,50%"),
        ("CA", "CA_GST_PST_BC", "GST & PST 12.00%"),
        ("CA", "CA_QST", "QST 9.975%"),
        ("ES", "ES_STANDARD_RE", "Recargo de equivalencia 5,20%"),
    ],
)
async def test_tax_rates_are_labelled_in_the_countrys_style(
    api: httpx.AsyncClient, sandbox: RunningSandbox, country: str, rate_id: str, displayed_as: str
) -> None:
    rate = ok(await api.get(f"tax_rates/{rate_id}", headers=in_business(sandbox, country)))
    assert rate["displayed_as"] == displayed_as


@pytest.mark.parametrize(
    ("rate_id", "components"),
    [
        ("CA_GST_PST_BC", ["CA_GST", "CA_PST_BC"]),
        ("CA_GST_PST_MB", ["CA_GST", "CA_PST_MB"]),
        ("CA_GST_PST_SK", ["CA_GST", "CA_PST_SK"]),
        ("CA_GST_QST", ["CA_GST", "CA_QST"]),
    ],
)
async def test_canadian_combined_rates_name_their_components(
    api: httpx.AsyncClient, sandbox: RunningSandbox, rate_id: str, components: list[str]
) -> None:
    rate = ok(await api.get(f"tax_rates/{rate_id}", headers=in_business(sandbox, "CA")))
    assert rate["is_combined_rate"] is True
    assert [c["id"] for c in rate["component_tax_rates"]] == components
    total = sum(float(c["percentage"]) for c in rate["component_tax_rates"])
    assert float(rate["percentage"]) == pytest.approx(total)


async def test_nova_scotia_hst_dropped_to_fourteen_percent(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    params = {"include_historical_data": "true"}
    rate = ok(
        await api.get("tax_rates/CA_HST_NS", params=params, headers=in_business(sandbox, "CA"))
    )
    assert [(p["percentage"], p["to_date"]) for p in rate["percentages"]] == [
        ("15.0", "2025-03-31"),
        ("14.0", None),
    ]


async def test_us_rates_are_user_defined_with_agencies(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    rates = await all_items(api, "tax_rates", in_business(sandbox, "US"))
    assert all(HEX32.match(rate["id"]) for rate in rates)
    assert all(rate["editable"] for rate in rates if rate["name"] != "No Tax")
    california = next(rate for rate in rates if rate["name"] == "California State")
    assert california["agency"] == "California Department of Tax and Fee Administration"
    assert california["displayed_as"] == "California State 7.25%"
    combined = next(rate for rate in rates if rate["name"] == "San Francisco, CA")
    assert combined["is_combined_rate"] is True
    assert combined["percentage"] == "8.625"
    assert {c["name"] for c in combined["component_tax_rates"]} == {
        "California State",
        "San Francisco District",
    }


@pytest.mark.parametrize(("country", "code", "name", "type_id"), ACCOUNTS)
async def test_charts_hold_the_countrys_accounts(
    api: httpx.AsyncClient,
    sandbox: RunningSandbox,
    country: str,
    code: int,
    name: str,
    type_id: str,
) -> None:
    headers = in_business(sandbox, country)
    page = ok(
        await api.get(
            "ledger_accounts", params={"search": str(code), "attributes": "all"}, headers=headers
        )
    )
    account = next(item for item in page["$items"] if item["nominal_code"] == code)
    assert (account["name"], account["ledger_account_type"]["id"]) == (name, type_id)
    assert account["displayed_as"] == f"{name} ({code:04d})"


async def test_canadian_accounts_carry_gifi_codes(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    accounts = await all_items(api, "ledger_accounts", in_business(sandbox, "CA"))
    assert all(isinstance(a["gifi_code"], int) for a in accounts)
    meals = next(a for a in accounts if a["name"] == "Meals and Entertainment")
    assert (
        meals["recoverable_percentage"],
        meals["non_recoverable_ledger_account"]["displayed_as"],
    ) == (
        "50.0",
        "Non-recoverable Tax (9200)",
    )
    uk = await all_items(api, "ledger_accounts", in_business(sandbox, "GB"))
    assert all(a["gifi_code"] is None for a in uk)


@pytest.mark.parametrize("country", COUNTRIES)
async def test_default_sales_ledger_is_the_countrys_sales_account(
    api: httpx.AsyncClient, sandbox: RunningSandbox, country: str
) -> None:
    settings = ok(await api.get("business_settings", headers=in_business(sandbox, country)))
    code = load_country(country).ledgers["product_sales"]
    assert settings["default_ledger_accounts"]["product_sales_ledger_account"][
        "displayed_as"
    ].endswith(f"({code:04d})")


@pytest.mark.parametrize(
    ("country", "registration"),
    [("GB", "ENGLAND_AND_WALES"), ("IE", "REPUBLIC_OF_IRELAND"), ("CA", None), ("FR", None)],
)
async def test_only_uk_and_irish_businesses_have_a_country_of_registration(
    api: httpx.AsyncClient, sandbox: RunningSandbox, country: str, registration: str | None
) -> None:
    settings = ok(await api.get("business_settings", headers=in_business(sandbox, country)))
    shown = settings["country_of_registration"]
    assert (shown["id"] if shown else None) == registration


@pytest.mark.parametrize("country", COUNTRIES)
async def test_contacts_have_local_names_addresses_and_locale(
    api: httpx.AsyncClient, sandbox: RunningSandbox, country: str
) -> None:
    contacts = await all_items(
        api,
        "contacts",
        in_business(sandbox, country),
        contact_type_id="CUSTOMER",
        exclude_system="true",
    )
    home = [c for c in contacts if c["main_address"]["country"]["id"] == country]
    assert len(home) > len(contacts) * 0.8
    pattern = re.compile(POSTCODES[country])
    assert all(pattern.match(c["main_address"]["postal_code"]) for c in home)
    assert {c["locale"] for c in contacts} == {load_country(country).contact_locale}
    first_names = set(load_country(country).first_names)
    people = [c for c in contacts if c["name"].split(" ")[0] in first_names]
    assert people


async def test_canadian_contacts_live_in_provinces(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    contacts = await all_items(api, "contacts", in_business(sandbox, "CA"), exclude_system="true")
    regions = {
        c["main_address"]["region"] for c in contacts if c["main_address"]["country"]["id"] == "CA"
    }
    assert regions <= {"AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"}
    assert {"ON", "BC", "QC"} <= regions


async def test_canadian_invoices_are_taxed_by_the_customers_province(
    sandbox: RunningSandbox,
) -> None:
    books = books_of(sandbox, "CA")
    regional = load_country("CA").regional_tax_rates
    for invoice in books.sales_invoices.values():
        region = invoice.tax_address_region_id
        if region is None:
            continue
        for line in invoice.lines:
            if line.product_id and line.tax_rate_id not in ("CA_ZERO",):
                assert line.tax_rate_id == regional[region]["goods"]


async def test_german_contacts_carry_datev_numbers(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    headers = in_business(sandbox, "DE")
    customers = await all_items(
        api, "contacts", headers, contact_type_id="CUSTOMER", exclude_system="true"
    )
    suppliers = await all_items(
        api, "contacts", headers, contact_type_id="VENDOR", exclude_system="true"
    )
    assert all(10000 < int(c["aux_reference"]) < 70000 for c in customers)
    assert all(int(c["aux_reference"]) > 70000 for c in suppliers)


# -- seeded truth ------------------------------------------------------------------------------


@pytest.mark.parametrize("country", COUNTRIES)
async def test_every_seeded_tax_rate_carries_its_unified_kind(
    sandbox: RunningSandbox, country: str
) -> None:
    rates = books_of(sandbox, country).tax_rates.values()
    for rate in rates:
        assert rate.truth is not None, rate.id
        assert rate.truth.kind in VOCABULARY["tax_kinds"]
        assert rate.truth.tax_system in VOCABULARY["tax_systems"]
    assert any(r.truth is not None and r.truth.kind == "STANDARD" for r in rates)


@pytest.mark.parametrize(
    ("country", "rate_id", "kind"),
    [
        ("GB", "GB_STANDARD", "STANDARD"),
        ("GB", "GB_LOWER", "REDUCED"),
        ("GB", "GB_NO_TAX", "OUTSIDE_SCOPE"),
        ("IE", "IE_REDUCED_HIGH", "REDUCED"),
        ("IE", "IE_REDUCED_LOW", "SECOND_REDUCED"),
        ("FR", "FR_SUPER_REDUCED", "SUPER_REDUCED"),
        ("ES", "ES_SUPER_REDUCED", "SUPER_REDUCED"),
        ("DE", "DE_LOWER", "REDUCED"),
        ("CA", "CA_ZERO", "ZERO"),
    ],
)
async def test_tax_kinds_follow_the_vocabulary(
    sandbox: RunningSandbox, country: str, rate_id: str, kind: str
) -> None:
    truth = books_of(sandbox, country).tax_rates[rate_id].truth
    assert truth is not None
    assert truth.kind == kind


@pytest.mark.parametrize("country", COUNTRIES)
async def test_every_seeded_ledger_account_is_classified_consistently(
    sandbox: RunningSandbox, country: str
) -> None:
    accounts = books_of(sandbox, country).ledger_accounts.values()
    roles: dict[str, int] = {}
    for account in accounts:
        assert account.truth is not None, account.displayed_as
        assert account.truth.classification == CLASSIFICATION_OF_TYPE[account.type_id], (
            account.displayed_as
        )
        assert set(account.truth.roles) <= set(VOCABULARY["roles"])
        for role in account.truth.roles:
            roles[role] = roles.get(role, 0) + 1
    control = [a.truth.roles for a in accounts if a.is_control_account and a.truth]
    assert (
        sum("ACCOUNTS_RECEIVABLE" in r for r in control)
        == sum("ACCOUNTS_PAYABLE" in r for r in control)
        == 1
    )
    for role in ("SALES", "BANK", "CASH", "PURCHASES", "SALES_TAX", "EXPENSES"):
        assert roles.get(role), role


@pytest.mark.parametrize("country", COUNTRIES)
async def test_the_truth_never_leaks_into_payloads(
    api: httpx.AsyncClient, sandbox: RunningSandbox, country: str
) -> None:
    headers = in_business(sandbox, country)
    for collection in ("tax_rates", "ledger_accounts"):
        page = ok(
            await api.get(
                collection, params={"attributes": "all", "items_per_page": 200}, headers=headers
            )
        )
        text = json.dumps(page)
        assert "truth" not in text
        assert 'classification": "' not in text
