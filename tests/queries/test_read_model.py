"""The unified read model in every country: documents add up (lines + shipping = totals),
money is written to the currency's minor units, contacts carry their balance and a clean name."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from tests.queries.conftest import business_in, data
from tests.support.server import LiveServer

COUNTRIES = ["GB", "IE", "CA", "US", "FR", "ES", "DE"]
MONEY = "{ amount currency }"
DOCUMENT = f"""remoteId contactName contactReference remoteData
  netAmount {MONEY} taxAmount {MONEY} totalAmount {MONEY}
  shipping {{ netAmount {MONEY} taxAmount {MONEY} totalAmount {MONEY} taxRate {{ remoteId }} }}
  lines {{ netAmount {MONEY} taxAmount {MONEY} totalAmount {MONEY} }}"""
LIST = """query($business: ID!, $after: String) {
  %s(business: $business, first: 200, after: $after) {
    pageInfo { hasNextPage endCursor } nodes { %s } } }"""
TWO_PLACES = re.compile(r"-?\d+\.\d{2}")


async def every(
    server: LiveServer, http: httpx.AsyncClient, field: str, selection: str, business: str
) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        result = (
            await data(server, http, LIST % (field, selection), business=business, after=after)
        )[field]
        nodes.extend(result["nodes"])
        if not result["pageInfo"]["hasNextPage"]:
            return nodes
        after = result["pageInfo"]["endCursor"]


def amount(money: dict[str, str] | None) -> Decimal:
    return Decimal(0) if money is None else Decimal(money["amount"])


@pytest.mark.parametrize("country", COUNTRIES)
@pytest.mark.parametrize("field", ["invoices", "creditNotes", "bills"])
async def test_lines_plus_shipping_add_up_to_the_totals_of_every_document(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, country: str, field: str
) -> None:
    documents = await every(server, http, field, DOCUMENT, business_in(sandbox, country))

    assert documents
    for document in documents:
        shipping = document["shipping"]
        for part in ("netAmount", "taxAmount", "totalAmount"):
            lines = sum((amount(line[part]) for line in document["lines"]), Decimal(0))
            carriage = amount(shipping[part]) if shipping else Decimal(0)
            assert lines + carriage == amount(document[part]), (document["remoteId"], part)
    shipped = [d for d in documents if d["shipping"] and amount(d["shipping"]["netAmount"])]
    if field == "bills":
        # Sage's purchase invoices have no shipping fields.
        assert all(d["shipping"] is None for d in documents)
    else:
        assert shipped, f"no {country} {field} carries shipping"
        assert all(d["shipping"]["taxRate"] for d in shipped)


@pytest.mark.parametrize("country", COUNTRIES)
async def test_money_is_written_to_minor_units_and_the_raw_value_stays_in_remote_data(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, country: str
) -> None:
    result = await data(
        server,
        http,
        f"query($b: ID!) {{ invoices(business: $b, first: 50) {{ nodes {{ {DOCUMENT} }} }} }}",
        b=business_in(sandbox, country),
    )

    invoices = result["invoices"]["nodes"]
    for invoice in invoices:
        for part in ("netAmount", "taxAmount", "totalAmount"):
            assert TWO_PLACES.fullmatch(invoice[part]["amount"]), invoice[part]
            assert Decimal(invoice[part]["amount"]) == Decimal(
                str(invoice["remoteData"][part.replace("A", "_a")])
            )
    raw = [str(i["remoteData"]["total_amount"]) for i in invoices]
    assert any(not TWO_PLACES.fullmatch(r) for r in raw), "Sage's raw strings should differ"


@pytest.mark.parametrize("country", COUNTRIES)
async def test_contacts_carry_their_balance_and_documents_their_contact_without_reference(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, country: str
) -> None:
    business = business_in(sandbox, country)
    balances = sandbox.world.businesses[business].books.contact_balances()
    contacts = await every(
        server, http, "contacts", f"remoteId name reference balance {MONEY}", business
    )
    invoices = await every(server, http, "invoices", "contactName contactReference", business)

    assert contacts
    for contact in contacts:
        want = balances.get(contact["remoteId"], Decimal(0))
        assert contact["balance"] is not None, contact
        assert Decimal(contact["balance"]["amount"]) == want, contact
    assert any(Decimal(c["balance"]["amount"]) for c in contacts)
    for invoice in invoices:
        reference = invoice["contactReference"]
        assert reference, invoice
        assert f"({reference})" not in invoice["contactName"], invoice
