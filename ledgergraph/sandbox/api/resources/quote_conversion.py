"""Invoicing a quote or estimate: Sage's ``POST /sales_invoices`` with
``original_quote_estimate_id``.

Sage has no convert action. The client posts an ordinary sales invoice (its own lines, usually
the quote's) naming the quote; the invoice then shows it as ``original_quote_estimate`` and the
quote becomes INVOICED, links to the invoice and can no longer be edited. A quote is invoiced
once: naming one already invoiced, a declined one, another customer's or one that does not
exist is refused (422, ``$source`` ``original_quote_estimate_id``).
"""

from __future__ import annotations

from ledgergraph.sandbox.api.body import Body
from ledgergraph.sandbox.api.scope import Scope
from ledgergraph.sandbox.api.wire import JSON, links, ref
from ledgergraph.sandbox.books import Books, BooksError
from ledgergraph.sandbox.books.records import Artefact

FIELD = "original_quote_estimate_id"
DECLINED = ("DECLINED", "DECLINED_BY_CUSTOMER")


def original(scope: Scope, body: Body) -> Artefact | None:
    """The quote or estimate a new invoice's body names, checked; None when it names none."""
    quote_id = body.string(FIELD)
    if not quote_id:
        return None
    books = scope.books
    quote = books.sales_quotes.get(quote_id) or books.sales_estimates.get(quote_id)
    if quote is None or quote.deleted_at is not None:
        raise BooksError(f"'{quote_id}' is not a quote or estimate of this business", FIELD)
    if quote.invoice_id is not None:
        raise BooksError("This quote has already been invoiced", FIELD)
    if quote.status_id in DECLINED:
        raise BooksError("A declined quote cannot be invoiced", FIELD)
    if body.data.get("contact_id") != quote.contact_id:
        raise BooksError("The invoice must be for the quote's customer", "contact_id")
    return quote


def mark_invoiced(books: Books, quote: Artefact, invoice: Artefact) -> None:
    quote.invoice_id = invoice.id
    quote.quote_status_id = "INVOICED"
    invoice.quote_id = quote.id
    books.touch(quote)


def original_ref(books: Books, invoice: Artefact) -> JSON | None:
    """Sage's ``SalesInvoiceQuoteEstimate``: the quote an invoice was made from."""
    quote = books.sales_quotes.get(invoice.quote_id or "") or books.sales_estimates.get(
        invoice.quote_id or ""
    )
    if quote is None:
        return None
    collection = quote.kind.collection
    return {
        **ref(collection, quote.id, quote.displayed_as),
        "links": links(f"invoicing/{collection}/{quote.id}"),
    }
