"""Embedded references (``{id, displayed_as, $path}``) to records and reference data."""

from __future__ import annotations

from datetime import date

from ledgergraph.sandbox.api.wire import JSON, instant, ref
from ledgergraph.sandbox.books import Books
from ledgergraph.sandbox.books.countries import CountryProfile
from ledgergraph.sandbox.books.money import percentage_label
from ledgergraph.sandbox.books.records import Address, ArtefactAddress, BankAccount, TaxRate
from ledgergraph.sandbox.books.reference import countries, country_group, currencies, enumeration


def tax_rate_label(books: Books, rate: TaxRate, day: date) -> str:
    return rate.label.format(
        name=rate.name,
        percentage=percentage_label(
            books.tax_percentage(rate.id, day), decimal_comma=books.country.decimal_comma
        ),
    )


def tax_rate_ref(books: Books, tax_rate_id: str | None, day: date) -> JSON | None:
    if tax_rate_id is None:
        return None
    return ref("tax_rates", tax_rate_id, tax_rate_label(books, books.tax_rates[tax_rate_id], day))


def ledger_account_ref(books: Books, ledger_account_id: str | None) -> JSON | None:
    if ledger_account_id is None:
        return None
    return ref(
        "ledger_accounts", ledger_account_id, books.ledger_accounts[ledger_account_id].displayed_as
    )


def contact_ref(books: Books, contact_id: str | None) -> JSON | None:
    if contact_id is None or contact_id not in books.contacts:
        return None
    return ref("contacts", contact_id, books.contacts[contact_id].displayed_as)


def bank_account_displayed_as(books: Books, account: BankAccount) -> str:
    ledger = books.ledger_accounts[account.ledger_account_id]
    return f"{account.details.account_name or ledger.name} ({ledger.nominal_code:04d})"


def bank_account_ref(books: Books, bank_account_id: str | None) -> JSON | None:
    if bank_account_id is None:
        return None
    account = books.bank_accounts[bank_account_id]
    return ref("bank_accounts", bank_account_id, bank_account_displayed_as(books, account))


def currency_ref(currency_id: str | None) -> JSON | None:
    if currency_id is None:
        return None
    return ref("currencies", currency_id, currencies()[currency_id].displayed_as)


def country_ref(country_id: str | None) -> JSON | None:
    if country_id is None or country_id not in countries():
        return None
    return ref("countries", country_id, countries()[country_id].displayed_as)


def country_group_ref(country_id: str | None) -> JSON | None:
    if country_id is None:
        return None
    group = country_group(country_id)
    return ref("country_groups", group.id, group.displayed_as)


def enum_ref(collection: str, item_id: str | None) -> JSON | None:
    if item_id is None:
        return None
    item = enumeration(collection).get(item_id)
    return ref(collection, item_id, item.displayed_as if item else item_id)


def address_region_ref(country: CountryProfile, region_id: str | None) -> JSON | None:
    if region_id is None:
        return None
    return enum_ref("address_regions", region_id) if country.code in ("CA", "US") else None


def address_payload(address: Address | None, contact: JSON | None = None) -> JSON | None:
    if address is None:
        return None
    return {
        **ref("addresses", address.id, address.displayed_as),
        "created_at": instant(address.created_at),
        "updated_at": instant(address.updated_at),
        "contact": contact,
        "address_type": enum_ref("address_types", address.address_type_id),
        "name": address.name,
        "address_line_1": address.address_line_1,
        "address_line_2": address.address_line_2,
        "city": address.city,
        "region": address.region,
        "postal_code": address.postal_code,
        "country": country_ref(address.country_id),
        "country_group": country_group_ref(address.country_id),
        "is_main_address": address.is_main_address,
    }


def artefact_address_payload(address: ArtefactAddress | None) -> JSON | None:
    if address is None:
        return None
    return {
        **ref("addresses", address.id, address.address_line_1 or address.city),
        "address_line_1": address.address_line_1,
        "address_line_2": address.address_line_2,
        "city": address.city,
        "postal_code": address.postal_code,
        "country": country_ref(address.country_id),
        "address_type": enum_ref("address_types", address.address_type_id),
        "region": address.region,
        "country_group": country_group_ref(address.country_id),
    }
