"""Writing by taxKind/accountRole picks what an accountant would, in every country: the
standard revenue account for a standard-rated line (by the accounts' default tax rates), the
services account for a service, Canadian tax by the customer's province, US sales tax by the
customer's state (or a refusal saying what to pass). All through GraphQL, against the sandbox."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
import pytest

from ledgergraph.ids import encode
from ledgergraph.sandbox import RunningSandbox
from tests.queries.conftest import business_in
from tests.support.fixtures import server_fixture
from tests.support.server import LiveServer
from tests.support.writes import connect_demo

pytestmark = pytest.mark.redis

COUNTRIES = ["GB", "IE", "CA", "US", "FR", "ES", "DE"]
_keys = itertools.count()


# Tenant ``acme`` connected to the demo user (a business in every country), on the British one.
server = server_fixture(prepare=connect_demo, retry_max_delay=0.05)

CREATE_INVOICE = """mutation($key: String, $input: DocumentInput!, $business: ID) {
  createInvoice(idempotencyKey: $key, input: $input, business: $business) {
    remoteId lines { taxRate { remoteId name } ledgerAccount { code name } } } }"""
CREATE_CONTACT = """mutation($key: String, $input: ContactInput!, $business: ID) {
  createContact(idempotencyKey: $key, input: $input, business: $business) { id } }"""


def business_gid(business_id: str) -> str:
    return encode("Business", business_id, business_id)


def home_customer(sandbox: RunningSandbox, business_id: str, region: str | None = None) -> str:
    """A seeded customer of the business at home (in ``region`` if given)."""
    business = sandbox.world.businesses[business_id]
    for contact in sorted(business.books.contacts.values(), key=lambda c: c.id):
        address = contact.main_address
        if (
            "CUSTOMER" in contact.contact_type_ids
            and address is not None
            and address.country_id == business.country_code
            and (region is None or address.region == region)
        ):
            return encode("Contact", business_id, contact.id)
    raise AssertionError(f"no customer in {business.country_code} {region}")


async def write(
    server: LiveServer, http: httpx.AsyncClient, business_id: str, contact: str, **line: Any
) -> dict[str, Any]:
    document = {
        "contactId": contact,
        "date": "2026-11-20",
        "dueDate": "2026-12-20",
        "lines": [{"description": "Work", "quantity": "1", "unitPrice": "100.00", **line}],
    }
    variables = {
        "key": f"k-{next(_keys)}",
        "input": document,
        "business": business_gid(business_id),
    }
    return await server.graphql(http, "acme", CREATE_INVOICE, variables)


async def written_line(
    server: LiveServer, http: httpx.AsyncClient, business_id: str, contact: str, **line: Any
) -> dict[str, Any]:
    body = await write(server, http, business_id, contact, **line)
    assert "errors" not in body, body["errors"]
    written: dict[str, Any] = body["data"]["createInvoice"]["lines"][0]
    return written


async def new_customer(
    server: LiveServer, http: httpx.AsyncClient, business_id: str, **address: str
) -> str:
    contact = {"name": f"Customer {next(_keys)}", "kinds": ["CUSTOMER"], "mainAddress": address}
    variables = {"key": f"c-{next(_keys)}", "input": contact, "business": business_gid(business_id)}
    body = await server.graphql(http, "acme", CREATE_CONTACT, variables)
    assert "errors" not in body, body["errors"]
    gid: str = body["data"]["createContact"]["id"]
    return gid


def customer_in(sandbox: RunningSandbox, country: str) -> tuple[str, str]:
    business_id = business_in(sandbox, country)
    # CA/US tax follows the customer's province or state: one where the standard rate is known.
    region = {"CA": "ON", "US": "CA"}.get(country)
    return business_id, home_customer(sandbox, business_id, region)


# What the chart keeps for a standard-rated sale of goods, and of services (DE books both to
# 8400 "Erlöse 19 % USt"; never 8120 "Steuerfreie Umsätze", the tax-free one).
GOODS = {"GB": 4000, "IE": 4000, "CA": 4000, "US": 4050, "FR": 701000, "ES": 700000, "DE": 8400}
SERVICES = {"GB": 4010, "IE": 4010, "CA": 4010, "US": 4000, "FR": 706000, "ES": 705000, "DE": 8400}


@pytest.mark.parametrize("country", COUNTRIES)
async def test_a_standard_rated_sale_books_to_the_standard_revenue_account(
    server: LiveServer, http: httpx.AsyncClient, sandbox: RunningSandbox, country: str
) -> None:
    business_id, customer = customer_in(sandbox, country)
    line = await written_line(
        server, http, business_id, customer, taxKind="STANDARD", accountRole="SALES"
    )
    assert int(line["ledgerAccount"]["code"]) == GOODS[country]
    books = sandbox.world.businesses[business_id].books
    account = next(a for a in books.ledger_accounts.values() if a.nominal_code == GOODS[country])
    # The account's own default rate (where the chart has one) is the line's.
    if account.tax_rate_id is not None:
        assert account.tax_rate_id == line["taxRate"]["remoteId"]


@pytest.mark.parametrize("country", COUNTRIES)
async def test_a_service_line_books_to_the_services_account_where_the_chart_has_one(
    server: LiveServer, http: httpx.AsyncClient, sandbox: RunningSandbox, country: str
) -> None:
    business_id, customer = customer_in(sandbox, country)
    line = await written_line(
        server,
        http,
        business_id,
        customer,
        taxKind="STANDARD",
        accountRole="SALES",
        itemKind="SERVICE",
    )
    assert int(line["ledgerAccount"]["code"]) == SERVICES[country]


async def test_a_line_of_a_service_item_books_to_the_services_account(
    server: LiveServer, http: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    business_id, customer = customer_in(sandbox, "GB")
    service = min(sandbox.world.businesses[business_id].books.services)
    line = await written_line(
        server,
        http,
        business_id,
        customer,
        taxKind="STANDARD",
        accountRole="SALES",
        itemId=encode("Item", business_id, service),
    )
    assert line["ledgerAccount"]["code"] == "4010"


@pytest.mark.parametrize(
    ("province", "rate"),
    [
        ("ON", "CA_HST_ON"),
        ("NS", "CA_HST_NS"),
        ("QC", "CA_GST_QST"),
        ("SK", "CA_GST_PST_SK"),
        ("BC", "CA_GST_PST_BC"),
        ("AB", "CA_GST"),
        ("YT", "CA_GST"),
    ],
)
async def test_a_canadian_sale_is_taxed_by_the_customers_province(
    server: LiveServer, http: httpx.AsyncClient, sandbox: RunningSandbox, province: str, rate: str
) -> None:
    business_id = business_in(sandbox, "CA")
    customer = await new_customer(
        server, http, business_id, city="Somewhere", region=province, countryCode="CA"
    )
    body = await write(server, http, business_id, customer, taxKind="STANDARD")
    assert "errors" not in body, body["errors"]
    invoice = body["data"]["createInvoice"]
    assert invoice["lines"][0]["taxRate"]["remoteId"] == rate
    stored = sandbox.world.businesses[business_id].books.sales_invoices[invoice["remoteId"]]
    assert stored.tax_address_region_id == f"CA-{province}"


@pytest.mark.parametrize(
    ("city", "rate"), [("San Francisco", "San Francisco, CA"), ("Oakland", "Oakland, CA")]
)
async def test_a_us_sale_is_taxed_by_the_customers_state_and_city(
    server: LiveServer, http: httpx.AsyncClient, sandbox: RunningSandbox, city: str, rate: str
) -> None:
    business_id = business_in(sandbox, "US")
    customer = await new_customer(
        server, http, business_id, city=city, region="CA", countryCode="US"
    )
    line = await written_line(server, http, business_id, customer, taxKind="STANDARD")
    assert line["taxRate"]["name"].startswith(rate)


@pytest.mark.parametrize(
    ("address", "names"),
    [
        ({"city": "Austin", "region": "TX", "countryCode": "US"}, ("US-TX", "taxRateId")),
        ({"city": "Nowhere"}, ("input.taxRegion", "taxRateId")),
    ],
    ids=["state-without-a-rate", "no-state"],
)
async def test_a_us_sale_without_a_matching_rate_is_refused_saying_what_to_pass(
    server: LiveServer,
    http: httpx.AsyncClient,
    sandbox: RunningSandbox,
    address: dict[str, str],
    names: tuple[str, ...],
) -> None:
    business_id = business_in(sandbox, "US")
    customer = await new_customer(server, http, business_id, **address)
    body = await write(server, http, business_id, customer, taxKind="STANDARD")
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "input.lines[0].taxKind"
    for name in names:
        assert name in error["message"]
    # What the message says to pass works.
    rates = sandbox.world.businesses[business_id].books.tax_rates.values()
    named = next(r for r in rates if r.name == "California State")
    line = await written_line(
        server, http, business_id, customer, taxRateId=encode("TaxRate", business_id, named.id)
    )
    assert line["taxRate"]["remoteId"] == named.id
