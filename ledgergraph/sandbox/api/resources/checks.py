"""Reading ``*_id`` references from write bodies and checking they name something usable."""

from __future__ import annotations

from ledgergraph.sandbox.api.body import Body
from ledgergraph.sandbox.api.scope import Scope
from ledgergraph.sandbox.books.reference import countries, currencies, enumeration

_CONTACT_ROLE = {"CUSTOMER": "customer", "VENDOR": "supplier"}


def _not_found(what: str, value: str) -> str:
    return f"Couldn't find {what} with id '{value}'"


def ledger_account_id(
    scope: Scope, body: Body, name: str, *, required: bool = False, visible_in: str | None = None
) -> str | None:
    value = body.string(name, required=required)
    if not value:
        return None
    account = scope.books.ledger_accounts.get(value)
    if account is None or account.deleted:
        body.problem(name, _not_found("ledger account", value))
        return None
    if visible_in is not None and visible_in not in account.visible_in:
        body.problem(
            name, f"The ledger account {account.displayed_as} cannot be used in {visible_in}"
        )
        return None
    return value


def tax_rate_id(scope: Scope, body: Body, name: str, *, required: bool = False) -> str | None:
    value = body.string(name, required=required)
    if not value:
        return None
    rate = scope.books.tax_rates.get(value)
    if rate is None or rate.deleted:
        body.problem(name, _not_found("tax rate", value))
        return None
    return value


def contact_id(scope: Scope, body: Body, name: str, *, contact_type_id: str) -> str | None:
    """A live contact of the given type; else Sage's "can't find customer" (or supplier)."""
    value = body.string(name, required=True)
    if not value:
        return None
    contact = scope.books.contacts.get(value)
    if contact is None or contact.deleted or not contact.is_a(contact_type_id):
        body.problem(name, f"can't find {_CONTACT_ROLE[contact_type_id]}")
        return None
    return value


def bank_account_id(scope: Scope, body: Body, name: str, *, required: bool = False) -> str | None:
    value = body.string(name, required=required)
    if not value:
        return None
    account = scope.books.bank_accounts.get(value)
    if account is None or account.deleted:
        body.problem(name, _not_found("bank account", value))
        return None
    return value


def catalog_item_id(scope: Scope, body: Body, name: str, *, service: bool) -> str | None:
    value = body.string(name)
    if not value:
        return None
    items = scope.books.services if service else scope.books.products
    item = items.get(value)
    if item is None or item.deleted:
        body.problem(name, _not_found("service" if service else "product", value))
        return None
    return value


def currency_id(body: Body, name: str) -> str | None:
    value = body.string(name)
    if value and value not in currencies():
        body.problem(name, _not_found("currency", value))
        return None
    return value or None


def country_id(body: Body, name: str) -> str | None:
    value = body.string(name)
    if value and value not in countries():
        body.problem(name, _not_found("country", value))
        return None
    return value or None


def enum_id(body: Body, name: str, collection: str, *, required: bool = False) -> str | None:
    value = body.string(name, required=required)
    if value and value not in enumeration(collection):
        body.problem(
            name, f"'{value}' is not a valid {collection.removesuffix('s').replace('_', ' ')}"
        )
        return None
    return value or None


def enum_ids(body: Body, name: str, collection: str, *, required: bool = False) -> list[str] | None:
    values = body.strings(name, required=required)
    if values is None:
        return None
    known = enumeration(collection)
    unknown = [v for v in values if v not in known]
    if unknown:
        body.problem(
            name, f"'{unknown[0]}' is not a valid {collection.removesuffix('s').replace('_', ' ')}"
        )
        return None
    return values
