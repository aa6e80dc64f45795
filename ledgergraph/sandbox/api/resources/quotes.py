"""``/sales_quotes`` and ``/sales_estimates``: proposals to a customer, priced like invoices.

A quote (or an estimate: Sage keeps the two apart, with the same fields) has an invoice's
lines, tax, shipping and totals, worked out the same way (``artefacts``), but it posts
nothing: no transaction, no payments, no outstanding amount, no due date. It has an
``expiry_date`` (required on POST) and a status of its own (``QuoteStatus``: id and name,
no ``$path``), set by the client on POST or PUT; a new one is PENDING unless it says DRAFT.
Numbered ``SQ-n``/``SE-n``. INVOICED is never written: a quote becomes INVOICED when a sales
invoice names it (``quote_conversion``), and is then no longer editable (PUT refused with 422,
as ``editable: false`` says). DELETE deletes (204). Sage's lists take ``contact_id``,
``search``, ``status_id``, ``from_date``, ``to_date`` and ``updated_or_created_since`` —
no ``deleted_since``; only quotes take ``sort``.
"""

from __future__ import annotations

from collections.abc import Callable

from ledgergraph.sandbox.api.body import Body
from ledgergraph.sandbox.api.refs import (
    address_region_ref,
    artefact_address_payload,
    contact_ref,
    currency_ref,
    tax_rate_ref,
)
from ledgergraph.sandbox.api.resource import Resource
from ledgergraph.sandbox.api.resources import artefacts
from ledgergraph.sandbox.api.scope import Scope
from ledgergraph.sandbox.api.wire import JSON, day, instant, links, money, ref
from ledgergraph.sandbox.books import BooksError
from ledgergraph.sandbox.books.money import ZERO, round_money
from ledgergraph.sandbox.books.records import QUOTE_STATUSES, Artefact, ArtefactKind

_NOUNS = {ArtefactKind.SALES_QUOTE: "quote", ArtefactKind.SALES_ESTIMATE: "estimate"}


def serialise(scope: Scope, a: Artefact) -> JSON:
    books = scope.books
    kind = a.kind
    noun = _NOUNS[kind]
    base = artefacts.base_amount
    shipping = artefacts.shipping_breakdown(books, a)
    invoice = books.sales_invoices.get(a.invoice_id or "")
    return {
        **ref(kind.collection, a.id, a.displayed_as),
        "created_at": instant(a.created_at),
        "updated_at": instant(a.updated_at),
        "links": links(f"invoicing/{kind.collection}/{a.id}"),
        "editable": a.invoice_id is None,
        "vat_reverse_charge": a.vat_reverse_charge,
        "tax_calculation_method": None,
        "destination_consignment": False,
        "destination_vat_rates_in_use": False,
        "contact": contact_ref(books, a.contact_id)
        or ref("contacts", a.contact_id, a.contact_name),
        f"{noun}_number_prefix": kind.number_prefix,
        f"{noun}_number": a.displayed_as,
        "contact_name": a.contact_name,
        "contact_reference": a.contact_reference,
        "date": day(a.date),
        "expiry_date": day(a.expiry_date),
        "reference": a.reference,
        "main_address_free_form": None,
        "main_address": artefact_address_payload(a.main_address),
        "delivery_address_free_form": None,
        "delivery_address": artefact_address_payload(a.delivery_address),
        "notes": a.notes,
        "terms_and_conditions": a.terms_and_conditions,
        "shipping_net_amount": money(a.shipping_net_amount),
        "shipping_tax_rate": tax_rate_ref(books, a.shipping_tax_rate_id, a.date),
        "shipping_tax_amount": money(a.shipping_tax_amount),
        "shipping_tax_breakdown": artefacts.tax_breakdown(scope, a, shipping, base=False),
        "shipping_total_amount": money(a.shipping_net_amount + a.shipping_tax_amount),
        "net_amount": money(a.net_amount),
        "tax_amount": money(a.tax_amount),
        "total_amount": money(a.total_amount),
        "currency": currency_ref(a.currency_id),
        "exchange_rate": money(a.exchange_rate),
        "inverse_exchange_rate": money(
            round_money(1 / a.exchange_rate) if a.exchange_rate else ZERO
        ),
        "base_currency_shipping_net_amount": money(base(a, a.shipping_net_amount)),
        "base_currency_shipping_tax_amount": money(base(a, a.shipping_tax_amount)),
        "base_currency_shipping_tax_breakdown": artefacts.tax_breakdown(
            scope, a, shipping, base=True
        ),
        "base_currency_shipping_total_amount": money(
            base(a, a.shipping_net_amount + a.shipping_tax_amount)
        ),
        "total_quantity": money(a.total_quantity),
        "total_discount_amount": money(a.total_discount_amount),
        "base_currency_total_discount_amount": money(base(a, a.total_discount_amount)),
        "base_currency_net_amount": money(base(a, a.net_amount)),
        "base_currency_tax_amount": money(base(a, a.tax_amount)),
        "base_currency_total_amount": money(base(a, a.total_amount)),
        # Declared on quotes by Sage's spec, though nothing can be paid against one.
        "payments_allocations_total_amount": money(ZERO),
        "payments_allocations_total_discount": money(ZERO),
        "total_paid": money(ZERO),
        "status": {"id": a.status_id, "displayed_as": QUOTE_STATUSES[a.status_id]},
        "sent": a.sent,
        "sent_by_email": False,
        kind.lines_key: [artefacts.line_payload(scope, a, line) for line in a.lines],
        "tax_analysis": artefacts.tax_analysis(scope, a),
        "detailed_tax_analysis": None,
        "tax_address_region": address_region_ref(scope.country, a.tax_address_region_id),
        "withholding_tax_rate": None,
        "withholding_tax_amount": None,
        "base_currency_withholding_tax_amount": None,
        "profit_analysis": None,
        "tax_reconciled": False,
        "invoice": ref("sales_invoices", invoice.id, invoice.displayed_as) if invoice else None,
    }


def _refuse_invoiced_status(body: Body) -> None:
    if body.data.get("status_id") == "INVOICED":
        raise BooksError(
            "A quote becomes invoiced by creating a sales invoice from it "
            "(original_quote_estimate_id)",
            "status_id",
        )


def _creator(kind: ArtefactKind) -> Callable[[Scope, Body], Artefact]:
    create = artefacts.creator(kind)

    def checked(scope: Scope, body: Body) -> Artefact:
        _refuse_invoiced_status(body)
        return create(scope, body)

    return checked


def _update(scope: Scope, existing: Artefact, body: Body) -> Artefact:
    if existing.invoice_id is not None:
        raise BooksError("An invoiced quote cannot be edited", "base")
    _refuse_invoiced_status(body)
    return artefacts.update(scope, existing, body)


def _resource(kind: ArtefactKind) -> Resource[Artefact]:
    sorts = artefacts.sorts() if kind is ArtefactKind.SALES_QUOTE else {}
    sorts.pop("due_date", None)
    return Resource(
        name=kind.collection,
        root=kind.root,
        store=lambda books: books.artefacts(kind),
        displayed_as=lambda scope, a: a.displayed_as,
        serialise=serialise,
        filters=lambda scope: artefacts.filters(scope, QUOTE_STATUSES),
        sorts=sorts,
        deleted_since=False,
        create=_creator(kind),
        update=_update,
        delete=artefacts.delete,
    )


SALES_QUOTES = _resource(ArtefactKind.SALES_QUOTE)
SALES_ESTIMATES = _resource(ArtefactKind.SALES_ESTIMATE)
