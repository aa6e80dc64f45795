"""``/contacts``: customers and suppliers.

Contacts are soft-deleted (``deleted_since`` reports them; their reference stays taken).
A contact with transactions, or a system contact, cannot be deleted.
"""

from __future__ import annotations

from ledgergraph.sandbox.api import query as q
from ledgergraph.sandbox.api.body import Body
from ledgergraph.sandbox.api.refs import (
    address_payload,
    currency_ref,
    enum_ref,
    ledger_account_ref,
    tax_rate_ref,
)
from ledgergraph.sandbox.api.resource import Predicate, Resource
from ledgergraph.sandbox.api.resources import checks
from ledgergraph.sandbox.api.resources.addresses import read_address, read_contact_person
from ledgergraph.sandbox.api.scope import Scope
from ledgergraph.sandbox.api.wire import JSON, instant, links, money, ref
from ledgergraph.sandbox.books import BooksError
from ledgergraph.sandbox.books.money import ZERO
from ledgergraph.sandbox.books.records import BankDetails, Contact, ContactPerson, TaxTreatment

CREDIT_TERMS = (
    "month_end_invoice",
    "date_from_invoice",
    "immediate_invoice",
    "month_end_payment",
    "date_from_payment",
    "immediate_payment",
)


def _person(person: ContactPerson | None) -> JSON | None:
    if person is None:
        return None
    return {
        **ref("contact_persons", person.id, person.name),
        "created_at": instant(person.created_at),
        "updated_at": instant(person.updated_at),
        "contact_person_types": [
            enum_ref("contact_person_types", t) for t in person.contact_person_type_ids
        ],
        "name": person.name,
        "job_title": person.job_title,
        "telephone": person.telephone,
        "mobile": person.mobile,
        "email": person.email,
        "fax": person.fax,
        "is_main_contact": person.is_main_contact,
        "address": None,
        "is_preferred_contact": person.is_preferred_contact,
    }


def serialise(scope: Scope, c: Contact) -> JSON:
    books = scope.books
    price_type = next((t for t in books.price_types if t.id == c.product_sales_price_type_id), None)
    self_ref = ref("contacts", c.id, c.displayed_as)
    payload: JSON = {
        **self_ref,
        "created_at": instant(c.created_at),
        "updated_at": instant(c.updated_at),
        "links": links(f"contacts/{c.id}"),
        "contact_types": [enum_ref("contact_types", t) for t in c.contact_type_ids],
        "name": c.name,
        "reference": c.reference,
        "default_sales_ledger_account": ledger_account_ref(
            books, c.default_sales_ledger_account_id
        ),
        "default_sales_tax_rate": tax_rate_ref(books, c.default_sales_tax_rate_id, scope.today),
        "default_purchase_ledger_account": ledger_account_ref(
            books, c.default_purchase_ledger_account_id
        ),
        "tax_number": c.tax_number,
        "notes": c.notes,
        "locale": c.locale,
        "main_address": address_payload(c.main_address, self_ref),
        "delivery_address": address_payload(c.delivery_address, self_ref),
        "main_contact_person": _person(c.main_contact_person),
        "bank_account_details": {
            "account_name": c.bank_account_details.account_name,
            "account_number": c.bank_account_details.account_number,
            "sort_code": c.bank_account_details.sort_code,
            "bic": c.bank_account_details.bic,
            "iban": c.bank_account_details.iban,
        },
        "credit_limit": money(c.credit_limit),
        "credit_days": c.credit_days,
        "credit_terms": c.credit_terms,
        "credit_terms_and_conditions": c.credit_terms_and_conditions,
        "product_sales_price_type": (
            ref("product_sales_price_types", price_type.id, price_type.name) if price_type else None
        ),
        "source_guid": c.source_guid,
        "currency": currency_ref(c.currency_id),
        "aux_reference": c.aux_reference,
        "registered_number": c.registered_number,
        "deletable": not c.system
        and c.id not in scope.once("contacts_in_use", books.contacts_in_use),
        "tax_treatment": {
            "home_tax": c.tax_treatment.home_tax,
            "eu_tax_registered": c.tax_treatment.eu_tax_registered,
            "eu_not_tax_registered": c.tax_treatment.eu_not_tax_registered,
            "rest_of_world_tax": c.tax_treatment.rest_of_world_tax,
            "is_importer": c.tax_treatment.is_importer,
        },
        "email": c.email,
        "tax_calculation": c.tax_calculation,
        "auxiliary_account": c.auxiliary_account,
        "gdpr_obfuscated": False,
        "system": c.system,
        "has_unfinished_recurring_invoices": False,
        "cis_registered": c.cis_registered,
        "ni_based": c.ni_based,
        "is_active": c.is_active,
        "gb_based": c.gb_based,
        "cis_settings": None,
        "destination_vat_blocking": c.destination_vat_blocking,
    }
    if q.flag(scope.query, "show_balance"):
        balances = scope.once("contact_balances", books.contact_balances)
        payload["balance"] = money(balances.get(c.id, ZERO))
    return payload


def filters(scope: Scope) -> Predicate:
    query = scope.query
    contact_type = checks_contact_type(query)
    exclude_system = q.flag(query, "exclude_system")
    only_active = q.flag(query, "filter_inactive_contacts")
    search = (q.text(query, "search") or "").lower()
    email = (q.text(query, "email") or "").lower()

    def keep(c: Contact) -> bool:
        if contact_type is not None and not c.is_a(contact_type):
            return False
        if exclude_system and c.system:
            return False
        if only_active and not c.is_active:
            return False
        if email and (c.email or "").lower() != email:
            return False
        if search:
            haystack = f"{c.name} {c.reference or ''}".lower()
            return search in haystack
        return True

    return keep


def checks_contact_type(query: q.Query) -> str | None:
    return q.choice(query, "contact_type_id", ("CUSTOMER", "VENDOR"))


def _reference_taken(scope: Scope, reference: str, own_id: str | None) -> bool:
    # Deleted contacts keep their reference reserved, as in Sage.
    return any(c.reference == reference and c.id != own_id for c in scope.books.contacts.values())


def _apply(scope: Scope, contact: Contact, body: Body, *, creating: bool) -> None:
    name = body.string("name", required=creating, max_length=100)
    types = checks.enum_ids(body, "contact_type_ids", "contact_types", required=creating)
    reference = body.string("reference", max_length=10)
    if reference and _reference_taken(scope, reference, None if creating else contact.id):
        body.problem("reference", "This reference is already in use")
    sales_ledger = checks.ledger_account_id(
        scope, body, "default_sales_ledger_account_id", visible_in="sales"
    )
    purchase_ledger = checks.ledger_account_id(
        scope, body, "default_purchase_ledger_account_id", visible_in="expenses"
    )
    sales_tax = checks.tax_rate_id(scope, body, "default_sales_tax_rate_id")
    currency = checks.currency_id(body, "currency_id")
    credit_limit = body.decimal("credit_limit", minimum=ZERO)
    credit_days = body.integer("credit_days")
    if credit_days is not None and credit_days < 0:
        body.problem("credit_days", "This field must be greater than or equal to 0")
    credit_terms = body.string("credit_terms")
    if credit_terms and credit_terms not in CREDIT_TERMS:
        body.problem("credit_terms", f"'{credit_terms}' is not a valid credit term")
    price_type = body.string("product_sales_price_type_id")
    if price_type and price_type not in {t.id for t in scope.books.price_types}:
        body.problem(
            "product_sales_price_type_id", f"Couldn't find product sales price type '{price_type}'"
        )
    texts = {
        field: body.string(field)
        for field in (
            "tax_number",
            "notes",
            "locale",
            "credit_terms_and_conditions",
            "source_guid",
            "aux_reference",
            "registered_number",
            "tax_calculation",
            "auxiliary_account",
        )
    }
    blocking = body.boolean("destination_vat_blocking")
    main_address = read_address(
        scope,
        body.child("main_address"),
        contact.main_address,
        default_type="SALES" if "CUSTOMER" in (types or contact.contact_type_ids) else "PURCHASING",
    )
    delivery_address = read_address(
        scope, body.child("delivery_address"), contact.delivery_address, default_type="DELIVERY"
    )
    person = read_contact_person(
        scope, body.child("main_contact_person"), contact.main_contact_person
    )
    bank_details = body.child("bank_account_details")
    treatment = body.child("tax_treatment")
    bank_values = (
        {
            field: bank_details.string(field)
            for field in ("account_name", "account_number", "sort_code", "bic", "iban")
        }
        if bank_details
        else {}
    )
    treatment_values = (
        {
            field: treatment.boolean(field)
            for field in (
                "home_tax",
                "eu_tax_registered",
                "eu_not_tax_registered",
                "rest_of_world_tax",
                "is_importer",
            )
        }
        if treatment
        else {}
    )
    body.problems.raise_if_any()

    if name is not None:
        contact.name = name
    if types is not None:
        contact.contact_type_ids = types
    if reference is not None:
        contact.reference = reference or None
    if body.has("default_sales_ledger_account_id"):
        contact.default_sales_ledger_account_id = sales_ledger
    if body.has("default_purchase_ledger_account_id"):
        contact.default_purchase_ledger_account_id = purchase_ledger
    if body.has("default_sales_tax_rate_id"):
        contact.default_sales_tax_rate_id = sales_tax
    if currency is not None:
        contact.currency_id = currency
    if body.has("credit_limit"):
        contact.credit_limit = credit_limit
    if body.has("credit_days"):
        contact.credit_days = credit_days
    if body.has("credit_terms"):
        contact.credit_terms = credit_terms or None
    if body.has("product_sales_price_type_id"):
        contact.product_sales_price_type_id = price_type or None
    for field, value in texts.items():
        if value is not None:
            setattr(contact, field, value)
    if blocking is not None:
        contact.destination_vat_blocking = blocking
    contact.main_address = main_address
    contact.delivery_address = delivery_address
    contact.main_contact_person = person
    if person is not None and person.email:
        contact.email = person.email
    for field, value in bank_values.items():
        if value is not None:
            setattr(contact.bank_account_details, field, value)
    for field, flag in treatment_values.items():
        if flag is not None:
            setattr(contact.tax_treatment, field, flag)


def create(scope: Scope, body: Body) -> Contact:
    books = scope.books
    now = books.now()
    contact = Contact(
        id=books.new_id(),
        created_at=now,
        updated_at=now,
        name="",
        contact_type_ids=[],
        locale=scope.country.contact_locale,
        currency_id=books.base_currency_id(),
        credit_days=30,
        bank_account_details=BankDetails(),
        tax_treatment=TaxTreatment(),
        gb_based=True if scope.country.code == "GB" else None,
        ni_based=False if scope.country.code == "GB" else None,
        product_sales_price_type_id=books.price_types[0].id if books.price_types else None,
    )
    _apply(scope, contact, body, creating=True)
    books.contacts[contact.id] = contact
    return contact


def update(scope: Scope, contact: Contact, body: Body) -> Contact:
    if contact.system:
        raise BooksError("System contacts cannot be changed.", "base")
    _apply(scope, contact, body, creating=False)
    scope.books.touch(contact)
    return contact


def delete(scope: Scope, contact: Contact) -> JSON | None:
    if contact.system:
        raise BooksError("System contacts cannot be deleted.", "base")
    if contact.id in scope.books.contacts_in_use():
        raise BooksError("This contact has transactions and cannot be deleted.", "base")
    scope.books.soft_delete(contact)
    return None


def _order(c: Contact) -> tuple[bool, str, str]:
    return (not c.system, (c.reference or c.name).lower(), c.id)


CONTACTS: Resource[Contact] = Resource(
    name="contacts",
    root="contact",
    store=lambda books: books.contacts,
    displayed_as=lambda scope, c: c.displayed_as,
    serialise=serialise,
    filters=filters,
    order=_order,
    deleted_since=True,
    create=create,
    update=update,
    delete=delete,
)
