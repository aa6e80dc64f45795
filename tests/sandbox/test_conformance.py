"""Every payload the sandbox serves validates against Sage's own Swagger definitions.

The definitions are turned into JSON Schema with Sage's real wire format: decimals declared
``number(double)`` must be decimal strings, dates ``YYYY-MM-DD``, instants ``...Z``,
``$path`` is relative, any field but a record's id, name and timestamps may be null (Sage
sends null freely), and every object is closed (``additionalProperties: false``) so a field
the swagger does not define, such as an echoed ``idempotency_id``, fails. ``/businesses``
and ``/user`` come from Sage's newer module spec; there the fields Sage's own response
example shows are allowed as well.

Validating hundreds of invoices one by one is slow, and unnecessary: the generated schema
constrains each value on its own (type, pattern, closed objects), never one field against
another. So a handful of items in which every field path appears with every kind of value
it takes anywhere on the page (JSON type, and for strings decimal/date/instant/path/text)
passes exactly when all the items would. Each page is validated through such a cover.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from ledgergraph.sandbox import RunningSandbox
from tests.sandbox.sage_api import COUNTRIES, in_business, ok, shared_sandbox_fixtures

# Conformance only reads, so one sandbox serves the whole module: each business is seeded
# once and each validator built once.
pytestmark = pytest.mark.asyncio(loop_scope="module")
shared, sandbox, http, api = shared_sandbox_fixtures()

# Sage's spec files, vendored with their sources (sage_spec/SOURCES.md).
SAGE = Path(__file__).resolve().parent / "sage_spec"
DATE = r"^\d{4}-\d{2}-\d{2}$"
INSTANT = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"
DECIMAL = r"^-?\d+\.\d+$"
RELATIVE_PATH = r"^/(?!v3\.1)[a-z_]+(/[^/]+)*$"

JSON = dict[str, Any]
NEVER_NULL = ("id", "displayed_as", "created_at", "updated_at")


def _property(spec: JSON, prefix: str) -> JSON:
    # Nullability is spelt with type lists (and by every object accepting null) rather than
    # anyOf: the validator runs several times faster, which matters for 200-item pages.
    if "$ref" in spec:
        return {"$ref": f"#/$defs/{prefix}{spec['$ref'].rsplit('/', 1)[-1]}"}
    kind = spec.get("type")
    if kind == "array":
        return {"type": ["array", "null"], "items": _property(spec.get("items", {}), prefix)}
    if kind == "number":
        return {"type": ["string", "null"], "pattern": DECIMAL}
    if kind in ("integer", "boolean"):
        return {"type": [kind, "null"]}
    if kind == "string":
        pattern = {"date": DATE, "date-time": INSTANT}.get(spec.get("format", ""))
        return {"type": ["string", "null"], **({"pattern": pattern} if pattern else {})}
    if kind == "object" and "properties" in spec:
        return _object(spec, prefix)
    return {}


def _object(definition: JSON, prefix: str, extra: JSON | None = None) -> JSON:
    properties = {
        name: _property(spec, prefix) for name, spec in definition.get("properties", {}).items()
    }
    if "$path" in properties:
        properties["$path"] = {"type": "string", "pattern": RELATIVE_PATH}
    # Sage sends null for almost anything, but never for a record's identity or timestamps.
    for name in NEVER_NULL:
        if name in properties and isinstance(properties[name].get("type"), list):
            properties[name] = {**properties[name], "type": properties[name]["type"][0]}
    for name in extra or {}:
        properties.setdefault(name, {})
    return {"type": ["object", "null"], "properties": properties, "additionalProperties": False}


def _example_keys(example: Any) -> JSON:
    return dict.fromkeys(example) if isinstance(example, dict) else {}


@cache
def _definitions() -> JSON:
    accounting = json.loads((SAGE / "accounting-v3.1.swagger.json").read_text("utf-8"))
    modules = json.loads((SAGE / "modules" / "swagger.user_businesses.json").read_text("utf-8"))
    examples = json.loads((SAGE / "response-examples.json").read_text("utf-8"))
    business_example = examples["PUT /businesses/{key} 200"]["examples"]["application/json"]
    defs = {name: _object(d, "") for name, d in accounting["definitions"].items()}
    module_defs = modules["definitions"]
    defs["m.Business"] = _object(module_defs["Business"], "m.", _example_keys(business_example))
    defs["m.Subscription"] = _object(
        module_defs["Subscription"], "m.", _example_keys(business_example["subscriptions"][0])
    )
    defs["m.Country"] = _object(module_defs["Country"], "m.")
    defs["m.User"] = _object(module_defs["User"], "m.")
    # Tax returns are only in the newer taxes module.
    taxes = json.loads((SAGE / "modules" / "swagger.taxes.json").read_text("utf-8"))
    for name in ("TaxReturn", "DraftTaxReturn", "TaxReturnStatus", "TaxReturnType"):
        defs[f"t.{name}"] = _object(taxes["definitions"][name], "t.")
    return defs


@cache
def validator(definition: str) -> Draft202012Validator:
    schema = {"$defs": _definitions(), "type": "object", "$ref": f"#/$defs/{definition}"}
    return Draft202012Validator(schema)


@cache
def envelope_validator(definition: str, size_key: str = "$itemsPerPage") -> Draft202012Validator:
    schema = {
        "$defs": _definitions(),
        "type": "object",
        "required": ["$total", "$page", "$next", "$back", size_key, "$items"],
        "properties": {
            "$total": {"type": "integer"},
            "$page": {"type": "integer"},
            "$next": {"type": ["string", "null"], "pattern": RELATIVE_PATH.replace("$", r"\?.*$")},
            "$back": {"type": ["string", "null"], "pattern": RELATIVE_PATH.replace("$", r"\?.*$")},
            size_key: {"type": "integer"},
            "$items": {
                "type": "array",
                "items": {"type": "object", "$ref": f"#/$defs/{definition}"},
            },
        },
        "additionalProperties": False,
    }
    return Draft202012Validator(schema)


_RELATIVE = re.compile(RELATIVE_PATH)
_STRING_CLASSES = (
    ("decimal", re.compile(DECIMAL)),
    ("date", re.compile(DATE)),
    ("instant", re.compile(INSTANT)),
)


def _string_class(value: str) -> str:
    if value[:1] == "/":
        return "path" if _RELATIVE.match(value) else "text"
    if value[:1].isdigit() or value[:1] == "-":
        return next((name for name, rx in _STRING_CLASSES if rx.match(value)), "text")
    return "text"


def _shape(value: Any, path: str, out: set[str]) -> None:
    if isinstance(value, dict):
        out.add(f"{path}:object")
        for key, child in value.items():
            _shape(child, f"{path}/{key}", out)
    elif isinstance(value, list):
        out.add(f"{path}:array")
        for child in value:
            _shape(child, f"{path}[]", out)
    elif isinstance(value, str):
        out.add(f"{path}:{_string_class(value)}")
    else:
        out.add(f"{path}:{type(value).__name__}")


def covering_items(items: list[Any]) -> list[Any]:
    """Few items that between them show every (field path, kind of value) the page holds."""
    shapes = []
    for item in items:
        shape: set[str] = set()
        _shape(item, "", shape)
        shapes.append(shape)
    uncovered = set().union(*shapes)
    chosen = []
    while uncovered:
        best = max(range(len(items)), key=lambda i: len(shapes[i] & uncovered))
        chosen.append(items[best])
        uncovered -= shapes[best]
    return chosen


def assert_page_valid(checker: Draft202012Validator, page: JSON) -> None:
    assert_valid(checker, {**page, "$items": covering_items(page["$items"])})


def assert_valid(checker: Draft202012Validator, payload: Any) -> None:
    errors = sorted(checker.iter_errors(payload), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in errors[:10]
    )


# (collection, swagger definition of its items, extra list parameters)
COLLECTIONS: list[tuple[str, str, dict[str, str]]] = [
    ("contacts", "Contact", {"show_balance": "true"}),
    ("sales_invoices", "SalesInvoice", {"show_payments_allocations": "true"}),
    ("purchase_invoices", "PurchaseInvoice", {"show_payments_allocations": "true"}),
    ("sales_credit_notes", "SalesCreditNote", {"show_payments_allocations": "true"}),
    ("contact_payments", "ContactPayment", {}),
    ("ledger_accounts", "LedgerAccount", {}),
    ("tax_rates", "TaxRate", {}),
    ("products", "Product", {}),
    ("services", "Service", {}),
    ("bank_accounts", "BankAccount", {}),
    ("journals", "Journal", {}),
    ("purchase_credit_notes", "PurchaseCreditNote", {"show_payments_allocations": "true"}),
    ("sales_quotes", "SalesQuote", {}),
    ("sales_estimates", "SalesEstimate", {}),
    ("addresses", "Address", {}),
    ("contact_persons", "ContactPerson", {}),
    ("ledger_entries", "LedgerEntry", {}),
    ("bank_transfers", "BankTransfer", {}),
    ("bank_deposits", "BankDeposit", {}),
    ("other_payments", "OtherPayment", {}),
    ("bank_reconciliations", "BankReconciliation", {}),
    ("tax_returns", "t.TaxReturn", {}),
    ("draft_tax_returns", "t.DraftTaxReturn", {}),
    ("attachments", "Attachment", {}),
]
REFERENCE_LISTS: list[tuple[str, str]] = [
    ("currencies", "Base"),
    ("exchange_rates", "ExchangeRate"),
    ("countries", "Base"),
    ("contact_types", "Base"),
    ("artefact_statuses", "Base"),
    ("ledger_account_types", "Base"),
    ("transaction_types", "Base"),
    ("payment_methods", "Base"),
    ("bank_account_types", "Base"),
    ("catalog_item_types", "Base"),
    ("tax_schemes", "TaxScheme"),
    ("business_types", "BusinessType"),
    ("address_regions", "AddressRegion"),
    ("product_sales_price_types", "ProductSalesPriceType"),
    ("service_rate_types", "ServiceRateType"),
]
SINGLETONS = [
    ("financial_settings", "FinancialSettings"),
    ("business_settings", "BusinessSettings"),
]
# Beyond page one: the statuses whose payloads differ most.
ARTEFACT_VARIANTS = [{"status_id": "VOID"}, {"status_id": "DRAFT"}, {"status_id": "PART_PAID"}]
DETAILS_PER_LIST = 1
# What Sage has in no business of a country: the list answers empty there.
NOT_IN_COUNTRY = {
    ("bank_reconciliations", "DE"),
    *(("tax_returns", country) for country in ("US", "FR", "ES", "DE")),
    *(("draft_tax_returns", country) for country in ("IE", "CA", "US", "FR", "ES", "DE")),
}


@pytest.mark.parametrize("country", COUNTRIES)
@pytest.mark.parametrize(
    ("collection", "definition", "extra"),
    COLLECTIONS,
    ids=lambda v: v if isinstance(v, str) else "",
)
async def test_lists_and_details_conform_to_the_swagger(
    api: httpx.AsyncClient,
    sandbox: RunningSandbox,
    country: str,
    collection: str,
    definition: str,
    extra: dict[str, str],
) -> None:
    headers = in_business(sandbox, country)
    variants = (
        [{}, *ARTEFACT_VARIANTS]
        if definition
        in ("SalesInvoice", "SalesCreditNote", "PurchaseInvoice", "PurchaseCreditNote")
        else [{}]
    )
    for variant in variants:
        params = {"attributes": "all", "items_per_page": "200", **extra, **variant}
        page = ok(await api.get(collection, params=params, headers=headers))
        assert_page_valid(envelope_validator(definition), page)
        absent = (collection, country) in NOT_IN_COUNTRY
        assert bool(page["$items"]) != absent or variant, f"{collection} in {country}"
        for item in page["$items"][:DETAILS_PER_LIST]:
            detail = ok(await api.get(item["$path"].lstrip("/"), params=extra, headers=headers))
            assert_valid(validator(definition), detail)


@pytest.mark.parametrize("country", COUNTRIES)
@pytest.mark.parametrize(("name", "definition"), SINGLETONS)
async def test_settings_conform_to_the_swagger(
    api: httpx.AsyncClient, sandbox: RunningSandbox, country: str, name: str, definition: str
) -> None:
    payload = ok(await api.get(name, headers=in_business(sandbox, country)))
    assert_valid(validator(definition), payload)


@pytest.mark.parametrize(("name", "definition"), REFERENCE_LISTS)
async def test_reference_lists_conform_to_the_swagger(
    api: httpx.AsyncClient, name: str, definition: str
) -> None:
    page = ok(await api.get(name, params={"attributes": "all", "items_per_page": "200"}))
    assert_valid(envelope_validator(definition), page)
    assert page["$items"]
    first = ok(await api.get(page["$items"][0]["$path"].lstrip("/")))
    assert_valid(validator(definition), first)


async def test_deleted_items_conform_to_the_swagger(api: httpx.AsyncClient) -> None:
    contact = ok(
        await api.post(
            "contacts",
            json={"contact": {"name": "Short-lived Ltd", "contact_type_ids": ["CUSTOMER"]}},
        ),
        201,
    )
    ok(await api.delete(f"contacts/{contact['id']}"), 204)
    page = ok(await api.get("contacts", params={"deleted_since": "2000-01-01"}))
    assert_valid(envelope_validator("Contact"), page)
    assert [item["id"] for item in page["$items"]] == [contact["id"]]


async def test_businesses_and_user_conform_to_the_module_spec(api: httpx.AsyncClient) -> None:
    page = ok(await api.get("businesses"))
    assert_valid(envelope_validator("Base", "$items_per_page"), page)
    for item in page["$items"]:
        assert_valid(validator("m.Business"), ok(await api.get(item["$path"].lstrip("/"))))
    assert_valid(validator("m.User"), ok(await api.get("user")))


async def test_an_undefined_field_fails_conformance() -> None:
    schema = validator("TaxRate")
    payload = {
        "id": "GB_STANDARD",
        "displayed_as": "Standard 20.00%",
        "$path": "/tax_rates/GB_STANDARD",
    }
    assert schema.is_valid(payload)
    assert not schema.is_valid(payload | {"idempotency_id": "0" * 32})
    assert not schema.is_valid(payload | {"percentage": 20.0})
    assert not schema.is_valid(payload | {"$path": "/v3.1/tax_rates/GB_STANDARD"})
    assert not schema.is_valid(payload | {"id": None})
    assert schema.is_valid(payload | {"agency": None, "percentage": "20.0"})
