"""Reverse relations (``Contact.invoices``, ``Contact.bills``, ``Contact.creditNotes``,
``Document.payments``) answer what the books say, newest first, and cost the minimum Sage calls
however many parents ask: one read for all of them, never one per parent."""

from __future__ import annotations

import math
from typing import Any

import httpx
import pytest

from ledgergraph import ids
from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books.records import ArtefactKind
from tests.queries.conftest import business_in, data, reset_stats, sage_calls
from tests.support.server import LiveServer

DOCUMENTS_OF_CONTACTS = """query($contacts: Int!, $last: Int!) {
  contacts(kind: CUSTOMER, first: $contacts) { nodes { remoteId
    invoices(first: $last) { totalCount nodes { remoteId contact { remoteId } } }
    bills(first: $last) { totalCount nodes { remoteId } } } } }"""
PAYMENTS_OF_INVOICES = """{ invoices(first: 100) { nodes { remoteId
  payments { remoteId allocations { document { remoteId } } } } } }"""
PAGED = """query($id: ID!, $after: String) { contact(id: $id) {
  invoices(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor }
    nodes { remoteId } } } }"""

KINDS = {"invoices": ArtefactKind.SALES_INVOICE, "bills": ArtefactKind.PURCHASE_INVOICE}


def pages(count: int) -> int:
    return math.ceil(count / 200)


def relation_calls(parents: int, listed: int) -> int:
    """The fewest calls that read the documents of ``parents`` contacts out of ``listed``: one
    per contact, or the list's pages — whose first page, asked for once there are more than
    three contacts, tells how many pages there are (as ``SageReads.many`` decides)."""
    return parents if parents <= 3 else min(pages(listed), 1 + parents)


def newest(records: Any) -> list[Any]:
    """Records newest first, as the relations promise: by date, then by creation."""
    return sorted(records, key=lambda r: (r.date, r.created_at), reverse=True)


def books(sandbox: RunningSandbox) -> Any:
    return sandbox.world.businesses[business_in(sandbox, "GB")].books


def documents(sandbox: RunningSandbox, kind: ArtefactKind) -> list[Any]:
    return [a for a in books(sandbox).artefacts(kind).values() if a.deleted_at is None]


@pytest.mark.parametrize(("contacts", "last"), [(50, 5), (3, 4)])
async def test_contacts_with_their_last_documents_cost_one_read_for_all_contacts(
    each_store_server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    contacts: int,
    last: int,
) -> None:
    server = each_store_server
    await reset_stats(http, sandbox)

    found = await data(server, http, DOCUMENTS_OF_CONTACTS, contacts=contacts, last=last)

    nodes = found["contacts"]["nodes"]
    assert len(nodes) == contacts
    for field, kind in KINDS.items():
        everything = documents(sandbox, kind)
        for contact in nodes:
            theirs = newest(d for d in everything if d.contact_id == contact["remoteId"])
            answer = contact[field]
            assert answer["totalCount"] == len(theirs)
            assert [d["remoteId"] for d in answer["nodes"]] == [d.id for d in theirs[:last]]
    assert any(c["invoices"]["nodes"] for c in nodes)
    assert all(
        i["contact"]["remoteId"] == c["remoteId"] for c in nodes for i in c["invoices"]["nodes"]
    )
    # The contacts' page, then per relation one call per contact or the list's pages,
    # whichever is fewer.
    calls = await sage_calls(http, sandbox)
    minimum = 1 + sum(relation_calls(contacts, len(documents(sandbox, k))) for k in KINDS.values())
    assert sum(calls.values()) <= minimum, calls
    assert sum(calls.values()) > 1, calls

    await reset_stats(http, sandbox)
    again = await data(server, http, DOCUMENTS_OF_CONTACTS, contacts=contacts, last=last)
    assert again == found
    assert await sage_calls(http, sandbox) == {}


async def test_a_contacts_documents_page_on_newest_first(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    everything = documents(sandbox, ArtefactKind.SALES_INVOICE)
    counts: dict[str, int] = {}
    for invoice in everything:
        counts[invoice.contact_id] = counts.get(invoice.contact_id, 0) + 1
    busiest = max(counts, key=lambda c: counts[c])
    listed = await data(server, http, "{ contacts(first: 200) { nodes { id remoteId } } }")
    contact_id = next(c["id"] for c in listed["contacts"]["nodes"] if c["remoteId"] == busiest)

    seen: list[str] = []
    after = None
    for _ in range(10):
        page = (await data(server, http, PAGED, id=contact_id, after=after))["contact"]
        seen += [n["remoteId"] for n in page["invoices"]["nodes"]]
        assert page["invoices"]["totalCount"] == counts[busiest]
        if not page["invoices"]["pageInfo"]["hasNextPage"]:
            break
        after = page["invoices"]["pageInfo"]["endCursor"]

    theirs = newest(d for d in everything if d.contact_id == busiest)
    assert counts[busiest] > 2
    assert seen == [d.id for d in theirs]


async def test_a_pages_documents_list_their_payments_in_one_read(
    each_store_server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    server = each_store_server
    await reset_stats(http, sandbox)

    found = await data(server, http, PAYMENTS_OF_INVOICES)

    payments = books(sandbox).contact_payments
    invoices = found["invoices"]["nodes"]
    for invoice in invoices:
        record = books(sandbox).artefacts(ArtefactKind.SALES_INVOICE)[invoice["remoteId"]]
        expected = newest(payments[a.payment_id] for a in record.allocations)
        assert [p["remoteId"] for p in invoice["payments"]] == [p.id for p in expected]
        for payment in invoice["payments"]:
            allocated = [a["document"]["remoteId"] for a in payment["allocations"]]
            assert invoice["remoteId"] in allocated
    assert sum(len(i["payments"]) for i in invoices) > 10
    # The invoices' page, then the payments list's pages (one call tells how many) — never
    # a call per invoice or per contact when the list is cheaper; the allocated documents
    # are the invoices already read, or found in the invoice list's pages.
    calls = await sage_calls(http, sandbox)
    payment_calls = sum(n for route, n in calls.items() if "contact_payments" in route)
    assert payment_calls <= pages(len(payments)), calls
    assert payment_calls > 0


async def test_nothing_paid_costs_no_payment_call(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    unpaid = [a for a in documents(sandbox, ArtefactKind.SALES_INVOICE) if not a.allocations]
    assert unpaid
    invoice_id = ids.encode("Invoice", business_in(sandbox, "GB"), unpaid[0].id)
    await data(server, http, "query($id: ID!) { invoice(id: $id) { id } }", id=invoice_id)
    await reset_stats(http, sandbox)

    found = await data(
        server, http, "query($id: ID!) { invoice(id: $id) { payments { id } } }", id=invoice_id
    )

    assert found == {"invoice": {"payments": []}}
    calls = await sage_calls(http, sandbox)
    assert not any("contact_payments" in route for route in calls), calls
