"""``/sales_invoices``, ``/purchase_invoices``, ``/sales_credit_notes`` and
``/purchase_credit_notes`` (and the writes of ``/sales_quotes`` and ``/sales_estimates``,
whose payloads ``quotes`` serialises).

Sage computes every amount: line net/tax/total from quantity times unit price less discount and
the rate's percentage on the document date (prices may include tax), the document totals,
what is outstanding and the status (UNPAID → PART_PAID → PAID as payments are allocated).
A line ``tax_amount`` the client sends is kept, as Sage lets users overwrite VAT; when it is
absent Sage's computation is used (Sage's spec calls it required for taxable rates, but a
client that always sends it gets the same result). Spanish businesses may not send it.

Sales documents numbered ``SI-n``/``SCN-n``; a draft (``status_id: DRAFT``) shows
``SI-DRAFT`` and gets its number on ``/release``. DELETE voids a sales invoice or credit
note (200, ``void_reason`` required, it stays listed as VOID) but deletes a draft (204) and
a purchase invoice (204). Anything with payments allocated cannot be voided or deleted.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from ledgergraph.sandbox.api import query as q
from ledgergraph.sandbox.api.body import REQUIRED, Body
from ledgergraph.sandbox.api.errors import record_invalid
from ledgergraph.sandbox.api.refs import (
    address_region_ref,
    artefact_address_payload,
    contact_ref,
    currency_ref,
    enum_ref,
    ledger_account_ref,
    tax_rate_ref,
)
from ledgergraph.sandbox.api.resource import Predicate, Resource, dated_sorts
from ledgergraph.sandbox.api.resources import checks, contact_allocations, quote_conversion
from ledgergraph.sandbox.api.resources.addresses import artefact_address
from ledgergraph.sandbox.api.scope import Scope
from ledgergraph.sandbox.api.wire import JSON, day, instant, links, money, ref
from ledgergraph.sandbox.books import Books, BooksError
from ledgergraph.sandbox.books.arithmetic import discount_from_percentage, discount_percentage
from ledgergraph.sandbox.books.money import HUNDRED, ZERO, round_money
from ledgergraph.sandbox.books.records import (
    QUOTE_STATUSES,
    Artefact,
    ArtefactKind,
    ArtefactLine,
    ArtefactState,
    Contact,
    Day,
    TaxShare,
)
from ledgergraph.sandbox.books.reference import enumeration

_WEB_PATHS = {
    ArtefactKind.SALES_INVOICE: "invoicing/sales_invoices",
    ArtefactKind.PURCHASE_INVOICE: "invoicing/purchase_invoices",
    ArtefactKind.SALES_CREDIT_NOTE: "invoicing/sales_credit_notes",
    ArtefactKind.PURCHASE_CREDIT_NOTE: "invoicing/purchase_credit_notes",
    ArtefactKind.SALES_QUOTE: "invoicing/sales_quotes",
    ArtefactKind.SALES_ESTIMATE: "invoicing/sales_estimates",
}
_FEDERAL_TAXES = ("GST", "HST")


# -- reading ---------------------------------------------------------------------------


def base_amount(a: Artefact, amount: Decimal) -> Decimal:
    """An amount in the business's base currency."""
    return amount if a.exchange_rate == 1 else round_money(amount / a.exchange_rate)


def tax_breakdown(
    scope: Scope, a: Artefact, shares: tuple[TaxShare, ...], *, base: bool
) -> list[JSON]:
    return [
        {
            "tax_rate": tax_rate_ref(scope.books, share.tax_rate_id, a.date),
            "percentage": money(share.percentage),
            "amount": money(base_amount(a, share.amount) if base else share.amount),
        }
        for share in shares
    ]


def _ca_split(scope: Scope, shares: tuple[TaxShare, ...]) -> tuple[Decimal | None, Decimal | None]:
    """GST/HST and PST/QST parts of a Canadian purchase line."""
    if scope.country.code != "CA":
        return None, None
    federal = provincial = ZERO
    for share in shares:
        name = scope.books.tax_rates[share.tax_rate_id].name
        if name.startswith(_FEDERAL_TAXES):
            federal += share.amount
        else:
            provincial += share.amount
    return federal, provincial


def line_payload(scope: Scope, a: Artefact, line: ArtefactLine) -> JSON:
    books = scope.books
    product = books.products.get(line.product_id) if line.product_id else None
    service = books.services.get(line.service_id) if line.service_id else None
    payload: JSON = {"id": line.id, "displayed_as": line.description}
    if not a.kind.is_sales:
        payload["is_purchase_for_resale"] = line.is_purchase_for_resale
    payload |= {
        "description": line.description,
        "product": ref("products", product.id, product.displayed_as) if product else None,
        "service": ref("services", service.id, service.displayed_as) if service else None,
        "ledger_account": ledger_account_ref(books, line.ledger_account_id),
        "trade_of_asset": line.trade_of_asset,
        "quantity": money(line.quantity),
        "unit_price": money(line.unit_price),
        "net_amount": money(line.net_amount),
        "tax_rate": tax_rate_ref(books, line.tax_rate_id, a.date),
        "tax_amount": money(line.tax_amount),
        "tax_breakdown": tax_breakdown(scope, a, line.breakdown, base=False),
        "total_amount": money(line.total_amount),
        "base_currency_unit_price": money(base_amount(a, line.unit_price)),
        "unit_price_includes_tax": line.unit_price_includes_tax,
        "base_currency_net_amount": money(base_amount(a, line.net_amount)),
        "base_currency_tax_amount": money(base_amount(a, line.tax_amount)),
        "base_currency_tax_breakdown": tax_breakdown(scope, a, line.breakdown, base=True),
        "base_currency_total_amount": money(base_amount(a, line.total_amount)),
        "eu_goods_services_type": enum_ref(
            "eu_goods_services_types", line.eu_goods_services_type_id
        ),
    }
    if not a.kind.is_sales:
        gst, pst = _ca_split(scope, line.breakdown)
        payload |= {
            "gst_amount": money(gst),
            "pst_amount": money(pst),
            "tax_recoverable": True if scope.country.code == "CA" else None,
        }
    else:
        payload |= {
            "discount_amount": money(line.discount_amount),
            "base_currency_discount_amount": money(base_amount(a, line.discount_amount)),
            "discount_percentage": money(
                discount_percentage(line.quantity, line.unit_price, line.discount_amount)
            ),
            "eu_sales_description": None,
        }
    return payload


def tax_analysis(scope: Scope, a: Artefact) -> list[JSON]:
    totals: dict[str, list[Decimal]] = {}
    for line in a.lines:
        if line.tax_rate_id is None:
            continue
        net, tax, goods, services = totals.setdefault(line.tax_rate_id, [ZERO, ZERO, ZERO, ZERO])
        is_service = line.service_id is not None or line.eu_goods_services_type_id == "SERVICES"
        totals[line.tax_rate_id] = [
            net + line.net_amount,
            tax + line.tax_amount,
            goods + (ZERO if is_service else line.net_amount),
            services + (line.net_amount if is_service else ZERO),
        ]
    if a.shipping_tax_rate_id is not None and a.shipping_net_amount:
        net, tax, goods, services = totals.setdefault(
            a.shipping_tax_rate_id, [ZERO, ZERO, ZERO, ZERO]
        )
        totals[a.shipping_tax_rate_id] = [
            net + a.shipping_net_amount,
            tax + a.shipping_tax_amount,
            goods + a.shipping_net_amount,
            services,
        ]
    return [
        {
            "tax_rate": tax_rate_ref(scope.books, rate_id, a.date),
            "net_amount": money(net),
            "tax_amount": money(tax),
            "total_amount": money(net + tax),
            "goods_amount": money(goods),
            "service_amount": money(services),
        }
        for rate_id, (net, tax, goods, services) in totals.items()
    ]


def _payments_allocations(scope: Scope, a: Artefact) -> list[JSON]:
    entries = []
    for allocation in a.allocations:
        payment = scope.books.contact_payments.get(allocation.payment_id)
        if payment is None:
            entries.extend(contact_allocations.payments_allocation(scope, allocation))
            continue
        shown = enumeration("transaction_types")[payment.transaction_type_id].displayed_as
        entries.append(
            {
                "links": links(f"payments/{payment.id}"),
                "date": day(allocation.date),
                "type": shown,
                "reference": payment.reference,
                "amount": money(allocation.amount),
                "discount": money(allocation.discount),
                "contact_payment": ref(
                    "contact_payments", payment.id, payment.reference or a.contact_name
                ),
                "displayed_as": shown,
                "negative_payment": False,
            }
        )
    return entries


def serialise(scope: Scope, a: Artefact) -> JSON:
    books = scope.books
    kind = a.kind
    sales = kind.is_sales
    transaction_type = enum_ref("transaction_types", kind.transaction_type_id)
    payload: JSON = {
        **ref(kind.collection, a.id, a.displayed_as),
        "created_at": instant(a.created_at),
        "updated_at": instant(a.updated_at),
        "links": links(f"{_WEB_PATHS[kind]}/{a.id}"),
        "editable": a.state is not ArtefactState.VOID and not a.allocations,
        "vat_reverse_charge": a.vat_reverse_charge,
    }
    if sales:
        payload |= {
            "tax_calculation_method": None,
            "destination_consignment": False,
            "destination_vat_rates_in_use": False,
        }
    payload |= {
        "transaction": ref("transactions", a.transaction_id, a.displayed_as)
        if a.transaction_id
        else None,
        "transaction_type": transaction_type,
    }
    if not sales:
        payload |= {"postponed_accounting": False, "import": False, "vat_exempt_consignment": False}
    payload |= {
        "is_cis": False,
        "cis_applicable_amount": None,
        "base_currency_cis_applicable_amount": None,
        "total_after_cis_deduction": None,
        "base_currency_total_after_cis_deduction": None,
        "has_cis_labour": False,
        "has_cis_materials": False,
        "contact": contact_ref(books, a.contact_id)
        or ref("contacts", a.contact_id, a.contact_name),
    }
    if kind is ArtefactKind.SALES_INVOICE:
        payload |= {
            "recurring_invoice": None,
            "invoice_number_prefix": kind.number_prefix,
            "invoice_number": a.displayed_as,
        }
    elif kind is ArtefactKind.SALES_CREDIT_NOTE:
        payload |= {
            "credit_note_number_prefix": kind.number_prefix,
            "credit_note_number": a.displayed_as,
        }
    else:
        ca = scope.country.code == "CA"
        itc = (
            sum((line_tax for line_tax in (ln.tax_amount for ln in a.lines)), ZERO) if ca else None
        )
        payload |= {
            "base_currency_total_itc_amount": money(itc),
            "total_itc_amount": money(itc),
            "base_currency_total_itr_amount": money(ZERO if ca else None),
            "total_itr_amount": money(ZERO if ca else None),
            "part_recoverable": False if ca else None,
        }
    payload |= {
        "contact_name": a.contact_name,
        "contact_reference": a.contact_reference,
        "date": day(a.date),
    }
    if kind.is_credit_note:
        payload["original_invoice_date"] = day(a.original_invoice_date)
    else:
        payload["due_date"] = day(a.due_date)
    payload["reference"] = a.reference
    if not sales:
        payload["vendor_reference"] = a.vendor_reference
    if sales:
        payload |= {
            "main_address_free_form": None,
            "main_address": artefact_address_payload(a.main_address),
            "delivery_address_free_form": None,
            "delivery_address": artefact_address_payload(a.delivery_address),
        }
    payload["notes"] = a.notes
    if sales:
        shipping_shares = shipping_breakdown(books, a)
        payload |= {
            "terms_and_conditions": a.terms_and_conditions,
            "shipping_net_amount": money(a.shipping_net_amount),
            "shipping_tax_rate": tax_rate_ref(books, a.shipping_tax_rate_id, a.date),
            "shipping_tax_amount": money(a.shipping_tax_amount),
            "shipping_tax_breakdown": tax_breakdown(scope, a, shipping_shares, base=False),
            "shipping_total_amount": money(a.shipping_net_amount + a.shipping_tax_amount),
        }
    outstanding = a.outstanding_amount
    payload |= {
        "total_quantity": money(a.total_quantity),
        "net_amount": money(a.net_amount),
        "tax_amount": money(a.tax_amount),
        "total_amount": money(a.total_amount),
        "payments_allocations_total_amount": money(a.allocated_amount),
        "payments_allocations_total_discount": money(a.allocated_discount),
        "total_paid": money(a.total_paid),
        "outstanding_amount": money(outstanding),
        "currency": currency_ref(a.currency_id),
        "exchange_rate": money(a.exchange_rate),
        "inverse_exchange_rate": money(
            round_money(1 / a.exchange_rate) if a.exchange_rate else ZERO
        ),
    }
    if sales:
        shipping_shares = shipping_breakdown(books, a)
        payload |= {
            "base_currency_shipping_net_amount": money(base_amount(a, a.shipping_net_amount)),
            "base_currency_shipping_tax_amount": money(base_amount(a, a.shipping_tax_amount)),
            "base_currency_shipping_tax_breakdown": tax_breakdown(
                scope, a, shipping_shares, base=True
            ),
            "base_currency_shipping_total_amount": money(
                base_amount(a, a.shipping_net_amount + a.shipping_tax_amount)
            ),
            "total_discount_amount": money(a.total_discount_amount),
            "base_currency_total_discount_amount": money(base_amount(a, a.total_discount_amount)),
        }
    payload |= {
        "base_currency_net_amount": money(base_amount(a, a.net_amount)),
        "base_currency_tax_amount": money(base_amount(a, a.tax_amount)),
        "base_currency_total_amount": money(base_amount(a, a.total_amount)),
        "base_currency_outstanding_amount": money(base_amount(a, outstanding)),
        "status": enum_ref("artefact_statuses", a.status_id),
    }
    if sales:
        payload |= {"sent": a.sent, "sent_by_email": False}
    payload |= {
        "void_reason": a.void_reason,
        kind.lines_key: [line_payload(scope, a, line) for line in a.lines],
        "tax_analysis": tax_analysis(scope, a),
        "detailed_tax_analysis": None,
    }
    if q.flag(scope.query, "show_payments_allocations"):
        payload["payments_allocations"] = _payments_allocations(scope, a)
    payload["last_paid"] = day(a.last_paid)
    if kind is ArtefactKind.SALES_INVOICE:
        payload["original_quote_estimate"] = quote_conversion.original_ref(books, a)
    payload["tax_address_region"] = address_region_ref(scope.country, a.tax_address_region_id)
    if kind is ArtefactKind.SALES_INVOICE:
        payload["delivery_performance_date"] = None
    payload |= {
        "withholding_tax_rate": None,
        "withholding_tax_amount": None,
        "base_currency_withholding_tax_amount": None,
    }
    if not kind.is_credit_note:
        payload["corrections"] = []
    payload |= {"tax_reconciled": False, "migrated": False}
    if not sales:
        payload["tax_calculation_method"] = None
    return payload


def shipping_breakdown(books: Books, a: Artefact) -> tuple[TaxShare, ...]:
    if a.shipping_tax_rate_id is None or not a.shipping_net_amount:
        return ()
    return tuple(
        TaxShare(rate_id, pct, round_money(a.shipping_net_amount * pct / HUNDRED))
        for rate_id, pct in books.tax_components(a.shipping_tax_rate_id, a.date)
        if pct
    )


def filters(scope: Scope, statuses: Collection[str] | None = None) -> Predicate:
    """Sage's list filters of every artefact; ``statuses``: what ``status_id`` may name
    (default: the artefact statuses)."""
    query = scope.query
    contact_id = q.text(query, "contact_id")
    status_id = q.choice(
        query, "status_id", enumeration("artefact_statuses") if statuses is None else statuses
    )
    from_date = q.day(query, "from_date")
    to_date = q.day(query, "to_date")
    search = (q.text(query, "search") or "").lower()
    q.flag(query, "has_attachments")

    def keep(a: Artefact) -> bool:
        if contact_id is not None and a.contact_id != contact_id:
            return False
        if status_id is not None and a.status_id != status_id:
            return False
        if from_date is not None and a.date < from_date:
            return False
        if to_date is not None and a.date > to_date:
            return False
        if search:
            fields = (a.reference or "", a.contact_name, a.number or "", a.vendor_reference or "")
            return any(search in text.lower() for text in fields)
        return True

    return keep


# -- writing ---------------------------------------------------------------------------


def _default_tax_rate(
    scope: Scope, product_id: str | None, service_id: str | None, ledger_id: str | None, sales: bool
) -> str | None:
    books = scope.books
    item = books.products.get(product_id or "") or books.services.get(service_id or "")
    if item is not None:
        rate = item.sales_tax_rate_id if sales else item.purchase_tax_rate_id
        if rate is not None:
            return rate
    if ledger_id is not None:
        return books.ledger_accounts[ledger_id].tax_rate_id
    return None


def _read_lines(scope: Scope, kind: ArtefactKind, bodies: list[Body]) -> list[ArtefactLine]:
    lines = []
    area = "sales" if kind.is_sales else "expenses"
    for body in bodies:
        description = body.string("description", required=True)
        ledger_id = checks.ledger_account_id(
            scope, body, "ledger_account_id", required=True, visible_in=area
        )
        unit_price = body.decimal("unit_price", required=True)
        quantity = body.decimal("quantity", required=not kind.is_sales)
        product_id = checks.catalog_item_id(scope, body, "product_id", service=False)
        service_id = checks.catalog_item_id(scope, body, "service_id", service=True)
        tax_rate_id = checks.tax_rate_id(scope, body, "tax_rate_id")
        includes_tax = body.boolean("unit_price_includes_tax") or False
        discount = body.decimal("discount_amount", minimum=ZERO)
        discount_pct = body.decimal("discount_percentage", minimum=ZERO)
        tax_amount = body.decimal("tax_amount")
        if tax_amount is not None and scope.country.line_tax_amount_forbidden:
            body.problem("tax_amount", "Tax amount must not be sent for a Spanish business")
        eu_type = checks.enum_id(body, "eu_goods_services_type_id", "eu_goods_services_types")
        trade_of_asset = body.boolean("trade_of_asset") or False
        for_resale = body.boolean("is_purchase_for_resale") or False
        if unit_price is None or ledger_id is None or description is None:
            continue
        quantity = quantity if quantity is not None else Decimal("1")
        if discount is None and discount_pct is not None:
            discount = discount_from_percentage(quantity, unit_price, discount_pct)
        if not body.has("tax_rate_id"):
            tax_rate_id = _default_tax_rate(scope, product_id, service_id, ledger_id, kind.is_sales)
        lines.append(
            ArtefactLine(
                id=scope.books.new_id(),
                description=description,
                ledger_account_id=ledger_id,
                quantity=quantity,
                unit_price=unit_price,
                unit_price_includes_tax=includes_tax,
                discount_amount=discount or ZERO,
                tax_rate_id=tax_rate_id,
                tax_amount_override=tax_amount
                if not scope.country.line_tax_amount_forbidden
                else None,
                product_id=product_id,
                service_id=service_id,
                eu_goods_services_type_id=eu_type,
                trade_of_asset=trade_of_asset,
                is_purchase_for_resale=for_resale,
            )
        )
    return lines


def _tax_region(scope: Scope, body: Body, contact: Contact | None) -> str | None:
    """CA/US tax by province or state: the one sent, else the contact's, else the business's."""
    country = scope.country.code
    if country not in ("CA", "US"):
        body.string("tax_address_region_id")
        return None
    regions = enumeration("address_regions")
    sent = body.string("tax_address_region_id")
    if sent:
        if sent not in regions or not sent.startswith(f"{country}-"):
            body.problem(
                "tax_address_region_id", f"'{sent}' is not a valid address region for {country}"
            )
        return sent
    address = contact.main_address if contact is not None else None
    if (
        address is not None
        and address.country_id == country
        and f"{country}-{address.region}" in regions
    ):
        return f"{country}-{address.region}"
    return f"{country}-{scope.business.region}"


@dataclass(frozen=True, slots=True)
class _Header:
    """What a write body says about a document, read and checked but not yet applied."""

    contact: Contact | None
    date: Day | None
    due_date: Day | None
    original_invoice_date: Day | None
    expiry_date: Day | None
    texts: dict[str, str | None]
    currency_id: str | None
    exchange_rate: Decimal | None
    status_id: str | None
    number: str | None
    shipping_net_amount: Decimal | None
    shipping_tax_rate_id: str | None
    vat_reverse_charge: bool | None
    sent: bool | None
    tax_region: str | None
    main_address: Body | None
    delivery_address: Body | None
    lines: list[ArtefactLine] | None


def _read(scope: Scope, kind: ArtefactKind, body: Body, existing: Artefact | None) -> _Header:
    books = scope.books
    creating = existing is None
    contact_id = (
        existing.contact_id
        if existing is not None and not body.has("contact_id")
        else checks.contact_id(scope, body, "contact_id", contact_type_id=kind.contact_type_id)
    )
    contact = books.contacts.get(contact_id) if contact_id else None
    credit_note = kind.is_credit_note
    # What falls due: invoices only (a bill must say when).
    dues = kind in (ArtefactKind.SALES_INVOICE, ArtefactKind.PURCHASE_INVOICE)
    texts = {"reference": body.string("reference", max_length=25), "notes": body.string("notes")}
    if not kind.is_sales:
        texts["vendor_reference"] = body.string("vendor_reference")
    if kind.is_sales:
        texts["terms_and_conditions"] = body.string("terms_and_conditions")
    exchange_rate = body.decimal("exchange_rate")
    if exchange_rate is not None and exchange_rate <= 0:
        body.problem("exchange_rate", "This field must be greater than 0")
    status_id = body.string("status_id")
    if kind.is_quote:
        # A quote's status is set by writes (PUT too): Sage has no release or accept action.
        if status_id is not None and status_id not in QUOTE_STATUSES:
            body.problem("status_id", f"'{status_id}' is not a quote status")
    elif creating and status_id not in (None, "DRAFT", "UNPAID"):
        body.problem("status_id", f"'{status_id}' is not a status a new document can have")
    number_field = kind.number_field
    number = body.string(number_field) if number_field else None
    taken = bool(number) and books.number_in_use(kind, number or "")
    if number_field and taken and (existing is None or existing.number != number):
        body.problem(number_field, "This number is already in use")
    line_bodies = body.children(kind.lines_key, required=creating)
    header = _Header(
        contact=contact,
        date=body.day("date", required=creating),
        due_date=(
            body.day("due_date", required=creating and kind is ArtefactKind.PURCHASE_INVOICE)
            if dues
            else None
        ),
        original_invoice_date=body.day("original_invoice_date") if credit_note else None,
        expiry_date=body.day("expiry_date", required=creating) if kind.is_quote else None,
        texts=texts,
        currency_id=checks.currency_id(body, "currency_id"),
        exchange_rate=exchange_rate,
        status_id=status_id,
        number=number,
        shipping_net_amount=(
            body.decimal("shipping_net_amount", minimum=ZERO) if kind.is_sales else None
        ),
        shipping_tax_rate_id=(
            checks.tax_rate_id(scope, body, "shipping_tax_rate_id") if kind.is_sales else None
        ),
        vat_reverse_charge=body.boolean("vat_reverse_charge"),
        sent=body.boolean("sent") if kind.is_sales else None,
        tax_region=(
            _tax_region(scope, body, contact)
            if creating or body.has("tax_address_region_id")
            else None
        ),
        main_address=body.child("main_address"),
        delivery_address=body.child("delivery_address"),
        lines=_read_lines(scope, kind, line_bodies) if line_bodies is not None else None,
    )
    body.problems.raise_if_any()
    return header


def _new(scope: Scope, kind: ArtefactKind, header: _Header) -> Artefact:
    books = scope.books
    contact, on, lines = header.contact, header.date, header.lines
    assert contact is not None
    assert on is not None
    assert lines is not None
    now = books.now()
    # A quote is never posted, so never a draft in that sense: DRAFT is one of its statuses.
    draft = header.status_id == "DRAFT" and not kind.is_quote
    due = header.due_date
    if due is None and kind in (ArtefactKind.SALES_INVOICE, ArtefactKind.PURCHASE_INVOICE):
        due = on + timedelta(days=contact.credit_days or 30)
    artefact = Artefact(
        id=books.new_id(),
        created_at=now,
        updated_at=now,
        kind=kind,
        contact_id=contact.id,
        contact_name=contact.name,
        contact_reference=contact.reference,
        date=on,
        due_date=due,
        lines=lines,
        currency_id=contact.currency_id or books.base_currency_id(),
        state=ArtefactState.DRAFT if draft else ArtefactState.POSTED,
        tax_address_region_id=header.tax_region,
        transaction_id=None if draft or kind.is_quote else books.new_id(),
    )
    if kind.is_sales:
        # Sage copies the billing address into the delivery address when none is sent.
        main = artefact_address(scope, header.main_address, contact.main_address)
        artefact.main_address = main
        artefact.delivery_address = artefact_address(scope, header.delivery_address, None) or (
            dataclasses.replace(main, id=books.new_id()) if main is not None else None
        )
    return artefact


def _revised(scope: Scope, existing: Artefact, header: _Header) -> Artefact:
    # A copy, so a refused change (say, a total below what is paid) leaves the original intact.
    artefact = dataclasses.replace(
        existing, lines=[dataclasses.replace(line) for line in existing.lines]
    )
    contact = header.contact
    if contact is not None and contact.id != existing.contact_id:
        artefact.contact_id = contact.id
        artefact.contact_name = contact.name
        artefact.contact_reference = contact.reference
    if header.date is not None:
        artefact.date = header.date
    if header.due_date is not None:
        artefact.due_date = header.due_date
    if header.lines is not None:
        artefact.lines = header.lines
    if header.tax_region is not None:
        artefact.tax_address_region_id = header.tax_region
    if header.number and artefact.state is not ArtefactState.DRAFT:
        artefact.number = header.number
    if header.main_address is not None:
        artefact.main_address = artefact_address(scope, header.main_address, None)
    if header.delivery_address is not None:
        artefact.delivery_address = artefact_address(scope, header.delivery_address, None)
    return artefact


def _build(scope: Scope, kind: ArtefactKind, body: Body, existing: Artefact | None) -> Artefact:
    """The artefact ``body`` describes (on top of ``existing`` when updating), worked out."""
    books = scope.books
    header = _read(scope, kind, body, existing)
    artefact = _new(scope, kind, header) if existing is None else _revised(scope, existing, header)
    if header.original_invoice_date is not None:
        artefact.original_invoice_date = header.original_invoice_date
    if header.expiry_date is not None:
        artefact.expiry_date = header.expiry_date
    if kind.is_quote and header.status_id is not None:
        artefact.quote_status_id = header.status_id
    for name, text in header.texts.items():
        if text is not None:
            setattr(artefact, name, text or None)
    if header.currency_id is not None:
        artefact.currency_id = header.currency_id
    if header.exchange_rate is not None:
        artefact.exchange_rate = header.exchange_rate
    if header.shipping_net_amount is not None:
        artefact.shipping_net_amount = header.shipping_net_amount
    if body.has("shipping_tax_rate_id"):
        artefact.shipping_tax_rate_id = header.shipping_tax_rate_id
    if header.vat_reverse_charge is not None:
        artefact.vat_reverse_charge = header.vat_reverse_charge
    if header.sent is not None:
        artefact.sent = header.sent
    if artefact.due_date is not None and artefact.due_date < artefact.date:
        raise BooksError("The due date cannot be before the document date", "due_date")
    if artefact.expiry_date is not None and artefact.expiry_date < artefact.date:
        raise BooksError("The expiry date cannot be before the document date", "expiry_date")
    books.recalculate(artefact)
    # Numbered last, so a refused document never uses up a number.
    if existing is None and artefact.state is ArtefactState.POSTED and artefact.number is None:
        artefact.number = header.number or (books.next_number(kind) if kind.number_prefix else None)
    return artefact


def creator(kind: ArtefactKind) -> Callable[[Scope, Body], Artefact]:
    def create(scope: Scope, body: Body) -> Artefact:
        # Checked before building, so a refused conversion never uses up a number.
        invoice = kind is ArtefactKind.SALES_INVOICE
        quote = quote_conversion.original(scope, body) if invoice else None
        artefact = _build(scope, kind, body, None)
        scope.books.artefacts(kind)[artefact.id] = artefact
        if quote is not None:
            quote_conversion.mark_invoiced(scope.books, quote, artefact)
        return artefact

    return create


def update(scope: Scope, existing: Artefact, body: Body) -> Artefact:
    if existing.state is ArtefactState.VOID:
        raise BooksError("A void document cannot be edited", "base")
    artefact = _build(scope, existing.kind, body, existing)
    if artefact.total_amount < artefact.total_paid:
        raise BooksError(
            "The total cannot be less than the amount already paid or allocated", "total_amount"
        )
    artefact.updated_at = scope.books.now()
    scope.books.artefacts(existing.kind)[artefact.id] = artefact
    return artefact


def delete(scope: Scope, artefact: Artefact) -> JSON | None:
    books = scope.books
    if artefact.allocations:
        raise BooksError(
            "You cannot delete or void a document that has payments or allocations against it.",
            "base",
        )
    voids = artefact.kind in (ArtefactKind.SALES_INVOICE, ArtefactKind.SALES_CREDIT_NOTE)
    if not voids or artefact.state is ArtefactState.DRAFT:
        books.soft_delete(artefact)
        return None
    reason = q.text(scope.query, "void_reason")
    if reason is None:
        raise record_invalid(REQUIRED, "void_reason")
    if artefact.state is ArtefactState.VOID:
        raise BooksError("This document is already void", "base")
    books.void(artefact, reason)
    return serialise(scope, artefact)


def release(scope: Scope, artefact: Artefact) -> None:
    if artefact.state is not ArtefactState.DRAFT:
        raise BooksError("Only a draft can be released", "status_id")
    books = scope.books
    artefact.state = ArtefactState.POSTED
    if artefact.number is None and artefact.kind.number_prefix:
        artefact.number = books.next_number(artefact.kind)
    artefact.transaction_id = books.new_id()
    books.touch(artefact)


def sorts() -> dict[str, Callable[[Artefact], object]]:
    return {**dated_sorts(), "due_date": lambda a: (a.due_date or date.min, a.created_at)}


def _resource(kind: ArtefactKind) -> Resource[Artefact]:
    return Resource(
        name=kind.collection,
        root=kind.root,
        store=lambda books: books.artefacts(kind),
        displayed_as=lambda scope, a: a.displayed_as,
        serialise=serialise,
        filters=filters,
        sorts=sorts(),
        deleted_since=True,
        create=creator(kind),
        update=update,
        delete=delete,
        release=release,
    )


SALES_INVOICES = _resource(ArtefactKind.SALES_INVOICE)
PURCHASE_INVOICES = _resource(ArtefactKind.PURCHASE_INVOICE)
SALES_CREDIT_NOTES = _resource(ArtefactKind.SALES_CREDIT_NOTE)
PURCHASE_CREDIT_NOTES = _resource(ArtefactKind.PURCHASE_CREDIT_NOTE)
