"""Every mutation: it works, it survives "commit then drop" on its write, and a client retry
with the same key answers with the one object Sage holds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import Books
from tests.mutations.conftest import faults, invoice_input, new_key, solo_business
from tests.support.answers import without_cost
from tests.support.server import LiveServer

SETUP = """{
  customers: contacts(kind: CUSTOMER, first: 1) { nodes { id } }
  suppliers: contacts(kind: SUPPLIER, first: 1) { nodes { id } }
  bankAccounts(first: 1) { nodes { id } }
  banks: bankAccounts(first: 10) { nodes { id kind } }
  expenses: ledgerAccounts(role: EXPENSES, first: 1) { nodes { id } }
  unpaid: invoices(status: UNPAID, first: 2) { nodes { id outstandingAmount { amount } } }
}"""


@dataclass(frozen=True)
class Ids:
    customer: str
    supplier: str
    bank_account: str
    unpaid: list[str]
    outstanding: str
    # Bank account ids by kind (CHECKING, CASH, ...), and an expenses ledger account.
    banks: dict[str, str]
    expenses: str


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    query: str
    variables: Callable[[Ids], dict[str, Any]]
    # What Sage holds that the mutation changes, to compare before and after.
    observe: Callable[[Books, Ids], Any]
    expected: Callable[[Any], Any]


def _invoice_status(books: Books, ids: Ids) -> str:
    remote = _remote(ids.unpaid[1])
    return books.sales_invoices[remote].state.value


def _remote(global_id: str) -> str:
    import base64

    return base64.urlsafe_b64decode(global_id + "==").decode().split(":")[2]


def _contact_email(books: Books, ids: Ids) -> str | None:
    return books.contacts[_remote(ids.customer)].email


def bill_input(supplier: str) -> dict[str, Any]:
    bill = invoice_input(supplier)
    bill["lines"][0]["accountRole"] = "PURCHASES"
    return bill | {"vendorReference": "INV-991"}


def _count_of(collection: str) -> Callable[[Books, Ids], Any]:
    def count(books: Books, ids: Ids) -> int:
        return len(getattr(books, collection))

    return count


def quote_input(customer: str) -> dict[str, Any]:
    quote = invoice_input(customer)
    del quote["dueDate"]
    return quote | {"expiryDate": "2026-12-20"}


CASES = [
    Case(
        "createContact",
        "POST",
        "/v3.1/contacts",
        """mutation($key: String, $input: ContactInput!) {
             createContact(idempotencyKey: $key, input: $input) { id name kinds } }""",
        lambda ids: {"input": {"name": "Dropped Ltd", "kinds": ["CUSTOMER"], "email": "d@x.io"}},
        lambda books, ids: len(books.contacts),
        lambda before: before + 1,
    ),
    Case(
        "updateContact",
        "PUT",
        "/v3.1/contacts/*",
        """mutation($key: String, $id: ID!, $input: ContactUpdateInput!) {
             updateContact(idempotencyKey: $key, id: $id, input: $input) { id email } }""",
        lambda ids: {"id": ids.customer, "input": {"email": "new@example.org"}},
        _contact_email,
        lambda before: "new@example.org",
    ),
    Case(
        "createInvoice",
        "POST",
        "/v3.1/sales_invoices",
        """mutation($key: String, $input: DocumentInput!) {
             createInvoice(idempotencyKey: $key, input: $input) { id totalAmount { amount } } }""",
        lambda ids: {"input": invoice_input(ids.customer)},
        lambda books, ids: len(books.sales_invoices),
        lambda before: before + 1,
    ),
    Case(
        "voidInvoice",
        "DELETE",
        "/v3.1/sales_invoices/*",
        """mutation($key: String, $id: ID!) {
             voidInvoice(idempotencyKey: $key, id: $id, reason: "Raised in error") {
               id status } }""",
        lambda ids: {"id": ids.unpaid[1]},
        _invoice_status,
        lambda before: "VOID",
    ),
    Case(
        "createBill",
        "POST",
        "/v3.1/purchase_invoices",
        """mutation($key: String, $input: DocumentInput!) {
             createBill(idempotencyKey: $key, input: $input) { id totalAmount { amount } } }""",
        lambda ids: {"input": bill_input(ids.supplier)},
        lambda books, ids: len(books.purchase_invoices),
        lambda before: before + 1,
    ),
    Case(
        "createCreditNote",
        "POST",
        "/v3.1/sales_credit_notes",
        """mutation($key: String, $input: DocumentInput!) {
             createCreditNote(idempotencyKey: $key, input: $input) { id } }""",
        lambda ids: {"input": invoice_input(ids.customer, price="10.00", quantity="1")},
        lambda books, ids: len(books.sales_credit_notes),
        lambda before: before + 1,
    ),
    Case(
        "createPayment",
        "POST",
        "/v3.1/contact_payments",
        """mutation($key: String, $input: PaymentInput!) {
             createPayment(idempotencyKey: $key, input: $input) {
               id totalAmount { amount } allocations { amount { amount } } } }""",
        lambda ids: {
            "input": {
                "kind": "CUSTOMER_RECEIPT",
                "contactId": ids.customer,
                "bankAccountId": ids.bank_account,
                "date": "2026-11-21",
                "totalAmount": "10.00",
                "paymentMethod": "ELECTRONIC",
            }
        },
        lambda books, ids: len(books.contact_payments),
        lambda before: before + 1,
    ),
    Case(
        "createSupplierCreditNote",
        "POST",
        "/v3.1/purchase_credit_notes",
        """mutation($key: String, $input: DocumentInput!) {
             createSupplierCreditNote(idempotencyKey: $key, input: $input) { id } }""",
        lambda ids: {"input": {**bill_input(ids.supplier), "dueDate": None}},
        lambda books, ids: len(books.purchase_credit_notes),
        lambda before: before + 1,
    ),
    *(
        Case(
            name,
            "POST",
            f"/v3.1/{collection}",
            f"""mutation($key: String, $input: QuoteInput!) {{
                 {name}(idempotencyKey: $key, input: $input) {{ id status }} }}""",
            lambda ids: {"input": quote_input(ids.customer)},
            _count_of(collection),
            lambda before: before + 1,
        )
        for name, collection in (
            ("createQuote", "sales_quotes"),
            ("createEstimate", "sales_estimates"),
        )
    ),
    Case(
        "createBankTransfer",
        "POST",
        "/v3.1/bank_transfers",
        """mutation($key: String, $input: BankTransferInput!) {
             createBankTransfer(idempotencyKey: $key, input: $input) { id amount { amount } } }""",
        lambda ids: {
            "input": {
                "fromBankAccountId": ids.banks["CHECKING"],
                "toBankAccountId": ids.banks["CASH"],
                "date": "2026-11-21",
                "amount": "40.00",
            }
        },
        _count_of("bank_transfers"),
        lambda before: before + 1,
    ),
    Case(
        "createBankDeposit",
        "POST",
        "/v3.1/bank_deposits",
        """mutation($key: String, $input: BankDepositInput!) {
             createBankDeposit(idempotencyKey: $key, input: $input) { id } }""",
        lambda ids: {
            "input": {
                "fromBankAccountId": ids.banks["CASH"],
                "toBankAccountId": ids.banks["CHECKING"],
                "date": "2026-11-21",
                "reference": "Takings",
                "cashAmount": "12.00",
            }
        },
        _count_of("bank_deposits"),
        lambda before: before + 1,
    ),
    Case(
        "createOtherPayment",
        "POST",
        "/v3.1/other_payments",
        """mutation($key: String, $input: OtherPaymentInput!) {
             createOtherPayment(idempotencyKey: $key, input: $input) {
               id totalAmount { amount } } }""",
        lambda ids: {
            "input": {
                "direction": "OUT",
                "bankAccountId": ids.banks["CHECKING"],
                "date": "2026-11-21",
                "lines": [{"ledgerAccountId": ids.expenses, "totalAmount": "9.99"}],
            }
        },
        _count_of("other_payments"),
        lambda before: before + 1,
    ),
]


async def _ids(server: LiveServer, http: httpx.AsyncClient) -> Ids:
    body = await server.graphql(http, "acme", SETUP)
    assert "errors" not in body, body
    d = body["data"]
    return Ids(
        customer=d["customers"]["nodes"][0]["id"],
        supplier=d["suppliers"]["nodes"][0]["id"],
        bank_account=d["bankAccounts"]["nodes"][0]["id"],
        unpaid=[n["id"] for n in d["unpaid"]["nodes"]],
        outstanding=d["unpaid"]["nodes"][0]["outstandingAmount"]["amount"],
        banks={n["kind"]: n["id"] for n in reversed(d["banks"]["nodes"])},
        expenses=d["expenses"]["nodes"][0]["id"],
    )


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_commit_then_drop_and_a_client_retry_write_exactly_once(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, case: Case
) -> None:
    ids = await _ids(server, http)
    books = sandbox.world.businesses[solo_business(sandbox)].books
    before = case.observe(books, ids)
    await faults(
        http,
        sandbox,
        commit_then_drop={"method": case.method, "path": case.path, "count": 1},
    )
    variables = {"key": new_key(), **case.variables(ids)}

    first = await server.graphql(http, "acme", case.query, variables)
    retry = await server.graphql(http, "acme", case.query, variables)

    assert "errors" not in first, first
    assert retry["data"] == first["data"]
    assert without_cost(retry)["extensions"] == {"idempotentReplay": True}
    assert case.observe(books, ids) == case.expected(before)
    stats = (await http.get(f"{sandbox.url}/__sandbox/stats")).json()
    assert stats["dropped"] == 1
