"""Bad input is refused before anything is sent, naming the field; Sage's own validation
errors name the field too and are final (replayed, not retried); totals are Sage's."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from tests.mutations.conftest import (
    CREATE_INVOICE,
    first_contact,
    invoice_count,
    invoice_input,
    new_key,
    solo_business,
)
from tests.support.answers import without_cost
from tests.support.server import LiveServer


def _with_line(contact: str, **line: Any) -> dict[str, Any]:
    data = invoice_input(contact)
    data["lines"][0].update(line)
    return data


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quantity": "0"}, "input.lines[0].quantity"),
        ({"unitPrice": "-1"}, "input.lines[0].unitPrice"),
        ({"description": "  "}, "input.lines[0].description"),
        ({"taxRateId": "VGF4UmF0ZTp4Onk"}, "input.lines[0].taxKind"),
        ({"discountAmount": "-5"}, "input.lines[0].discountAmount"),
    ],
)
async def test_bad_line_input_is_refused_before_sage_is_called(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    change: dict[str, str],
    field: str,
) -> None:
    contact = await first_contact(server, http)
    before = invoice_count(sandbox)
    await http.post(f"{sandbox.url}/__sandbox/stats/reset")

    body = await server.graphql(
        http, "acme", CREATE_INVOICE, {"key": new_key(), "input": _with_line(contact, **change)}
    )

    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == field
    assert invoice_count(sandbox) == before
    stats = (await http.get(f"{sandbox.url}/__sandbox/stats")).json()
    assert not any(route.startswith("POST /v3.1") for route in stats["requests"])


async def test_no_lines_and_a_foreign_contact_are_refused(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    contact = await first_contact(server, http)
    empty = invoice_input(contact) | {"lines": []}
    body = await server.graphql(http, "acme", CREATE_INVOICE, {"key": new_key(), "input": empty})
    assert body["errors"][0]["extensions"]["field"] == "input.lines"

    foreign = invoice_input("Q29udGFjdDowMDAwOjExMTE")
    body = await server.graphql(http, "acme", CREATE_INVOICE, {"key": new_key(), "input": foreign})
    assert body["errors"][0]["extensions"]["field"] == "input.contactId"


async def test_sages_validation_error_names_the_field_and_is_replayed(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    suppliers = await server.graphql(
        http, "acme", "{ contacts(kind: SUPPLIER, first: 50) { nodes { id isCustomer } } }"
    )
    supplier = next(n["id"] for n in suppliers["data"]["contacts"]["nodes"] if not n["isCustomer"])
    variables = {"key": new_key(), "input": invoice_input(supplier)}

    first = await server.graphql(http, "acme", CREATE_INVOICE, variables)
    again = await server.graphql(http, "acme", CREATE_INVOICE, variables)

    error = first["errors"][0]
    assert error["extensions"]["code"] == "VALIDATION_FAILED"
    assert error["extensions"]["fields"][0]["field"]
    assert again["errors"][0]["message"] == error["message"]
    assert without_cost(again)["extensions"] == {"idempotentReplay": True}


@pytest.mark.parametrize(
    ("lines", "net", "tax"),
    [
        ([("3", "19.99", "STANDARD", False)], "59.97", "11.99"),
        ([("1", "120.00", "STANDARD", True)], "100.00", "20.00"),
        ([("2", "10.00", "REDUCED", False), ("1", "5.00", "ZERO", False)], "25.00", "1.00"),
    ],
)
async def test_totals_returned_are_what_sage_computed(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    lines: list[tuple[str, str, str, bool]],
    net: str,
    tax: str,
) -> None:
    contact = await first_contact(server, http)
    data = invoice_input(contact)
    data["lines"] = [
        {
            "description": f"Line {i}",
            "quantity": quantity,
            "unitPrice": price,
            "taxKind": kind,
            "unitPriceIncludesTax": inclusive,
        }
        for i, (quantity, price, kind, inclusive) in enumerate(lines)
    ]

    body = await server.graphql(http, "acme", CREATE_INVOICE, {"key": new_key(), "input": data})

    invoice = body["data"]["createInvoice"]
    stored = sandbox.world.businesses[solo_business(sandbox)].books.sales_invoices[
        invoice["remoteId"]
    ]
    assert Decimal(invoice["netAmount"]["amount"]) == stored.net_amount == Decimal(net)
    assert Decimal(invoice["taxAmount"]["amount"]) == stored.tax_amount == Decimal(tax)
    assert Decimal(invoice["totalAmount"]["amount"]) == stored.total_amount
