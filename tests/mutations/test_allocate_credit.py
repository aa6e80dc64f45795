"""``allocateCredit``: credit notes and money on account are set against invoices (customer
side) or bills (supplier side) once per key in Sage's live countries, moving what is
outstanding on both sides and leaving the contact's balance and the ledger as they were;
what Sage would refuse comes back naming the field. A supplier refund settles a supplier
credit note through ``createPayment``."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ledgergraph.ids import GlobalId
from ledgergraph.sandbox import RunningSandbox
from tests.mutations.conftest import new_key
from tests.queries.conftest import business_in
from tests.support.fixtures import sandbox_fixture, server_fixture
from tests.support.server import LiveServer
from tests.support.writes import (
    books_in,
    connect_demo,
    contact_of,
    refused_before_writing,
    written_once,
)

sandbox = sandbox_fixture(scale=0.1)
server = server_fixture(prepare=connect_demo, retry_max_delay=0.05)

LIVE_COUNTRIES = ["GB", "IE", "CA"]


@dataclass(frozen=True)
class Side:
    contact_kind: str
    document: str
    credit: str
    account_role: str
    document_type: str
    credit_type: str


CUSTOMER = Side("CUSTOMER", "createInvoice", "createCreditNote", "SALES", "INVOICE", "CREDIT_NOTE")
SUPPLIER = Side(
    "SUPPLIER",
    "createBill",
    "createSupplierCreditNote",
    "PURCHASES",
    "BILL",
    "PURCHASE_CREDIT_NOTE",
)
SIDES = [CUSTOMER, SUPPLIER]

ALLOCATE = """mutation($key: String, $input: AllocateCreditInput!, $business: ID) {
  allocateCredit(idempotencyKey: $key, input: $input, business: $business) {
    id remoteId side date contact { remoteId }
    allocations { documentType amount { amount } document { __typename id } } } }"""
OUTSTANDING = """query($id: ID!) { node(id: $id) {
  ... on Document { status outstandingAmount { amount } } } }"""
PAYMENT = """mutation($key: String, $input: PaymentInput!, $business: ID) {
  createPayment(idempotencyKey: $key, input: $input, business: $business) {
    id remoteId allocations { documentType document { __typename id } } } }"""


async def document(
    server: LiveServer,
    http: httpx.AsyncClient,
    name: str,
    contact: str,
    role: str,
    business: str,
    price: str = "100.00",
) -> str:
    data: dict[str, Any] = {
        "contactId": contact,
        "date": "2026-11-03",
        "dueDate": "2026-12-03",
        "lines": [
            {
                "description": "Goods",
                "quantity": "1",
                "unitPrice": price,
                "taxKind": "STANDARD",
                "accountRole": role,
            }
        ],
    }
    if name in ("createBill", "createSupplierCreditNote"):
        data["vendorReference"] = f"V-{new_key()}"
    if name != "createInvoice" and name != "createBill":
        data.pop("dueDate")
    query = f"""mutation($key: String, $input: DocumentInput!, $business: ID) {{
      {name}(idempotencyKey: $key, input: $input, business: $business) {{ id }} }}"""
    variables = {"key": new_key(), "input": data, "business": business}
    body = await server.graphql(http, "acme", query, variables)
    assert "errors" not in body, body["errors"]
    created: str = body["data"][name]["id"]
    return created


async def outstanding(
    server: LiveServer, http: httpx.AsyncClient, node: str
) -> tuple[str, Decimal]:
    body = await server.graphql(http, "acme", OUTSTANDING, {"id": node})
    found = body["data"]["node"]
    return found["status"], Decimal(found["outstandingAmount"]["amount"])


async def allocate(
    server: LiveServer,
    http: httpx.AsyncClient,
    contact: str,
    credits: list[tuple[str, str]],
    documents: list[tuple[str, str]],
    key: str | None = None,
    business: str | None = None,
) -> dict[str, Any]:
    data = {
        "contactId": contact,
        "date": "2026-11-10",
        "credits": [{"documentId": i, "amount": a} for i, a in credits],
        "documents": [{"documentId": i, "amount": a} for i, a in documents],
    }
    variables = {"key": key or new_key(), "input": data, "business": business}
    return await server.graphql(http, "acme", ALLOCATE, variables)


async def payment(
    server: LiveServer,
    http: httpx.AsyncClient,
    business: str,
    kind: str,
    contact: str,
    amount: str,
    allocations: list[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """A payment of ``kind`` from the business's first bank account, dated after the
    documents."""
    query = "query($b: ID) { bankAccounts(business: $b, first: 1) { nodes { id } } }"
    bank = await server.graphql(http, "acme", query, {"b": business})
    data = {
        "kind": kind,
        "contactId": contact,
        "bankAccountId": bank["data"]["bankAccounts"]["nodes"][0]["id"],
        "date": "2026-11-04",
        "totalAmount": amount,
        "allocations": [{"documentId": i, "amount": a} for i, a in allocations or []],
    }
    variables = {"key": new_key(), "input": data, "business": business}
    body = await server.graphql(http, "acme", PAYMENT, variables)
    assert "errors" not in body, body["errors"]
    made: dict[str, Any] = body["data"]["createPayment"]
    return made


def sage_fields(body: dict[str, Any]) -> list[str]:
    error = body["errors"][0]
    assert error["extensions"]["code"] == "VALIDATION_FAILED", error
    return [problem["field"] for problem in error["extensions"]["fields"]]


@pytest.mark.parametrize("side", SIDES, ids=lambda s: s.contact_kind.lower())
@pytest.mark.parametrize("country", LIVE_COUNTRIES)
async def test_a_credit_note_is_allocated_once_per_key_moving_what_is_outstanding(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, country: str, side: Side
) -> None:
    business = business_in(sandbox, country)
    contact = await contact_of(server, http, business, side.contact_kind)
    settled = await document(server, http, side.document, contact, side.account_role, business)
    credit = await document(server, http, side.credit, contact, side.account_role, business)
    (_, owed), (_, owed_back) = (
        await outstanding(server, http, settled),
        await outstanding(server, http, credit),
    )
    books = books_in(sandbox, country)
    balances = books.contact_balances()
    ledger = books.ledger_movements(None, None)
    key = new_key()
    parts = [(credit, "50.00")], [(settled, "50.00")]
    data = await written_once(
        lambda: allocate(server, http, contact, *parts, key=key, business=business)
    )
    made = data["allocateCredit"]
    assert made["side"] == side.contact_kind
    assert made["contact"]["remoteId"] == GlobalId.decode(contact).remote_id
    assert {(a["documentType"], a["amount"]["amount"]) for a in made["allocations"]} == {
        (side.document_type, "50.00"),
        (side.credit_type, "50.00"),
    }
    assert {a["document"]["id"] for a in made["allocations"]} == {settled, credit}
    assert await outstanding(server, http, settled) == ("PARTIALLY_PAID", owed - 50)
    assert (await outstanding(server, http, credit))[1] == owed_back - 50
    assert made["remoteId"] in books.contact_allocations
    listed = await server.graphql(
        http,
        "acme",
        "query($b: ID) { contactAllocations(business: $b, first: 200) { nodes { id } } }",
        {"b": business},
    )
    assert made["id"] in {n["id"] for n in listed["data"]["contactAllocations"]["nodes"]}
    # No money moved: the contact owes what it did, and the ledger is untouched.
    assert books.contact_balances() == balances
    assert books.ledger_movements(None, None) == ledger


async def test_money_on_account_is_allocated_to_an_invoice(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    business = business_in(sandbox, "GB")
    contact = await contact_of(server, http, business, "CUSTOMER")
    invoice = await document(server, http, "createInvoice", contact, "SALES", business)
    _, owed = await outstanding(server, http, invoice)
    paid = await payment(server, http, business, "CUSTOMER_RECEIPT", contact, "30.00")
    body = await allocate(server, http, contact, [(paid["id"], "30.00")], [(invoice, "30.00")])
    assert "errors" not in body, body["errors"]
    types = {a["documentType"] for a in body["data"]["allocateCredit"]["allocations"]}
    assert types == {"INVOICE", "PAYMENT_ON_ACCOUNT"}
    assert (await outstanding(server, http, invoice))[1] == owed - 30
    stored = books_in(sandbox, "GB").contact_payments[paid["remoteId"]]
    assert stored.on_account_amount == 0
    # All of it is used: the payment has no money on account left to allocate.
    again = await allocate(server, http, contact, [(paid["id"], "1.00")], [(invoice, "1.00")])
    assert again["errors"][0]["extensions"]["field"] == "input.credits[0].documentId"


async def test_a_supplier_refund_settles_a_supplier_credit_note(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    business = business_in(sandbox, "IE")
    supplier = await contact_of(server, http, business, "SUPPLIER")
    note = await document(server, http, "createSupplierCreditNote", supplier, "PURCHASES", business)
    _, owed_back = await outstanding(server, http, note)
    refund = await payment(
        server, http, business, "SUPPLIER_REFUND", supplier, "20.00", [(note, "20.00")]
    )
    (allocation,) = refund["allocations"]
    assert allocation["documentType"] == "PURCHASE_CREDIT_NOTE"
    assert allocation["document"] == {"__typename": "SupplierCreditNote", "id": note}
    assert (await outstanding(server, http, note))[1] == owed_back - 20


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("unbalanced", "input.credits"),
        ("zero", "input.credits[0].amount"),
        ("three decimals", "input.documents[0].amount"),
        ("no credits", "input.credits"),
        ("supplier note against invoice", "input.credits[0].documentId"),
        ("invoice and bill", "input.documents[1].documentId"),
        ("contact as document", "input.documents[0].documentId"),
    ],
)
async def test_an_allocation_sage_would_refuse_is_refused_before_any_write(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, case: str, field: str
) -> None:
    business = business_in(sandbox, "GB")
    customer = await contact_of(server, http, business, "CUSTOMER")
    supplier = await contact_of(server, http, business, "SUPPLIER")
    invoice = await document(server, http, "createInvoice", customer, "SALES", business)
    note = await document(server, http, "createCreditNote", customer, "SALES", business)
    credits, documents = [(note, "10.00")], [(invoice, "10.00")]
    if case == "unbalanced":
        documents = [(invoice, "11.00")]
    elif case == "zero":
        credits = [(note, "0")]
    elif case == "three decimals":
        documents = [(invoice, "10.001")]
    elif case == "no credits":
        credits = []
    elif case == "supplier note against invoice":
        theirs = await document(
            server, http, "createSupplierCreditNote", supplier, "PURCHASES", business
        )
        credits = [(theirs, "10.00")]
    elif case == "invoice and bill":
        bill = await document(server, http, "createBill", supplier, "PURCHASES", business)
        documents = [(invoice, "5.00"), (bill, "5.00")]
    elif case == "contact as document":
        documents = [(customer, "10.00")]
    await refused_before_writing(
        http,
        sandbox,
        lambda: allocate(server, http, customer, credits, documents),
        field,
        write=lambda call: "contact_allocations" in call,
    )


async def test_sage_refuses_more_than_is_outstanding_or_another_contacts_note(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    business = business_in(sandbox, "CA")
    customer = await contact_of(server, http, business, "CUSTOMER")
    other = await contact_of(server, http, business, "CUSTOMER", index=1)
    invoice = await document(server, http, "createInvoice", customer, "SALES", business)
    note = await document(server, http, "createCreditNote", customer, "SALES", business, "10.00")
    _, owed_back = await outstanding(server, http, note)
    too_much = str(owed_back + 1)
    body = await allocate(
        server, http, customer, [(note, too_much)], [(invoice, too_much)], business=business
    )
    assert sage_fields(body) == ["allocated_artefacts.amount"]
    theirs = await document(server, http, "createCreditNote", other, "SALES", business, "10.00")
    body = await allocate(
        server, http, customer, [(theirs, "5.00")], [(invoice, "5.00")], business=business
    )
    assert sage_fields(body) == ["allocated_artefacts.artefact_id"]
    assert (await outstanding(server, http, note))[1] == owed_back
