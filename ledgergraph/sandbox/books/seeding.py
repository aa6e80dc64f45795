"""Deterministic, realistic books for one business.

Everything random comes from the ``Random`` handed in, so the same seed (and the same
``epoch``, the instant the world was made) always gives the same books. Transactions are
spread over the year before ``epoch``; every seeded timestamp is earlier than ``epoch``, so
anything changed later (through the API or out of band) is newer than all seed data.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from random import Random

from ledgergraph.sandbox.books.attachments import seed_attachments
from ledgergraph.sandbox.books.catalogue import CatalogueEntry
from ledgergraph.sandbox.books.countries import CountryProfile, PlaceSpec, SupplierSpec
from ledgergraph.sandbox.books.idempotency import IdempotencyMemory
from ledgergraph.sandbox.books.money import ZERO, round_money
from ledgergraph.sandbox.books.movements import seed_money_movements
from ledgergraph.sandbox.books.reconciliations import seed_bank_reconciliations
from ledgergraph.sandbox.books.records import (
    Address,
    Artefact,
    ArtefactAddress,
    ArtefactKind,
    ArtefactLine,
    ArtefactState,
    BankAccount,
    BankDetails,
    BusinessSettings,
    CatalogItem,
    Contact,
    ContactPayment,
    ContactPerson,
    FinancialSettings,
    Journal,
    JournalLine,
    LedgerAccount,
    PaymentAllocationLine,
    SalesPrice,
    TaxRate,
    TaxTreatment,
)
from ledgergraph.sandbox.books.reference import account_types
from ledgergraph.sandbox.books.store import Books, Clock, NamedType
from ledgergraph.sandbox.books.tax_returns import seed_tax_returns

# Per business at scale 1.0: enough that pagination (max 200 a page) and filters get exercised.
CUSTOMERS = 220
SUPPLIERS = 80
SALES_INVOICES = 400
PURCHASE_INVOICES = 160
CREDIT_NOTES = 36
JOURNALS = 6
QUOTES = 12
ESTIMATES = 8
PURCHASE_CREDIT_NOTES = 10
# Quotes and estimates a customer has answered (or not yet), and how often.
_QUOTE_STATUSES = ("PENDING", "PENDING", "ACCEPTED", "ACCEPTED", "DECLINED", "DRAFT")

_PROFIT_AND_LOSS_TYPES = {"SALES", "OTHER_INCOME", "DIRECT_EXPENSES", "OVERHEADS", "DEPRECIATION"}
_PRICE_TYPES = ("Sales Price", "Trade", "Wholesale")
_RATE_TYPES = ("Rate", "Hourly", "Daily")


@dataclass(frozen=True, slots=True)
class BusinessSeed:
    """What seeding needs to know about the business itself."""

    id: str
    country: CountryProfile
    created_at: datetime
    business_type_id: str | None
    region: str
    catalogue: tuple[CatalogueEntry, ...]


@dataclass(slots=True)
class _Party:
    contact: Contact
    place: PlaceSpec
    trade: SupplierSpec | None = None


def seed_books(
    business: BusinessSeed, *, rng: Random, scale: float, epoch: datetime, clock: Clock
) -> Books:
    return _Seeder(business, rng, scale, epoch, clock).run()


class _Seeder:
    def __init__(
        self, business: BusinessSeed, rng: Random, scale: float, epoch: datetime, clock: Clock
    ) -> None:
        self.business = business
        self.country = business.country
        self.rng = rng
        self.scale = scale
        self.epoch = epoch
        self.today = epoch.date()
        self.clock = clock
        self.tax_ids: dict[str, str] = {}
        self.ledger_ids: dict[int, str] = {}
        self.used_names: set[str] = set()
        self.reference_counts: dict[str, int] = {}

    # -- helpers -------------------------------------------------------------------------

    def new_id(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def count(self, base: int) -> int:
        return max(0, round(base * self.scale))

    def instant_on(self, day: date) -> datetime:
        moment = datetime.combine(day, time(8), tzinfo=UTC) + timedelta(
            seconds=self.rng.randrange(10 * 3600)
        )
        latest = self.epoch - timedelta(seconds=self.rng.randrange(60, 3600))
        return min(moment, latest)

    def day_between(self, start: date, end: date) -> date:
        if end <= start:
            return start
        return start + timedelta(days=self.rng.randrange((end - start).days + 1))

    def pattern(self, template: str) -> str:
        """Fill '#' with digits and '?' with capital letters."""
        return "".join(
            str(self.rng.randrange(10))
            if ch == "#"
            else chr(65 + self.rng.randrange(26))
            if ch == "?"
            else ch
            for ch in template
        )

    def tax_key_id(self, key: str | None) -> str | None:
        return self.tax_ids[key] if key is not None else None

    # -- the run -------------------------------------------------------------------------

    def run(self) -> Books:
        created = self.business.created_at
        books = Books(
            business_id=self.business.id,
            country=self.country,
            clock=self.clock,
            financial_settings=self.financial_settings(),
            business_settings=BusinessSettings(
                updated_at=created,
                business_created_at=created,
                business_type_id=self.business.business_type_id,
                country_of_registration_id=self.country.business_settings.get(
                    "country_of_registration"
                ),
                default_ledger_account_ids={},
                siret=self.country.business_settings.get("siret"),
                rcs_number=self.country.business_settings.get("rcs_number"),
                share_capital=_optional_decimal(
                    self.country.business_settings.get("share_capital")
                ),
                management_centre_member=bool(
                    self.country.business_settings.get("management_centre_member", False)
                ),
                auxiliary_accounts_visible=bool(
                    self.country.business_settings.get("auxiliary_accounts_visible", False)
                ),
            ),
            idempotency=IdempotencyMemory(),
        )
        self.books = books
        self.seed_tax_rates()
        self.seed_ledger_accounts()
        books.business_settings.default_ledger_account_ids = self.default_ledger_accounts()
        books.price_types = [NamedType(self.new_id(), name) for name in _PRICE_TYPES]
        books.rate_types = [NamedType(self.new_id(), name) for name in _RATE_TYPES]
        self.seed_bank_accounts()
        self.seed_catalogue()
        self.seed_system_contacts()
        customers = [self.seed_contact("CUSTOMER", i) for i in range(self.count(CUSTOMERS))]
        suppliers = [self.seed_contact("VENDOR", i) for i in range(self.count(SUPPLIERS))]
        invoices = self.seed_sales_invoices(customers)
        self.seed_credit_notes(customers, invoices)
        self.seed_purchase_invoices(suppliers)
        self.seed_payments()
        self.seed_contact_edits(customers + suppliers)
        # Last, so adding journals left every record seeded before them as it was.
        self.seed_journals()
        # After the journals, for the same reason.
        self.seed_quotes(ArtefactKind.SALES_QUOTE, customers, QUOTES)
        self.seed_quotes(ArtefactKind.SALES_ESTIMATE, customers, ESTIMATES)
        self.seed_purchase_credit_notes(suppliers)
        self.seed_contact_people(customers + suppliers)
        # Money movements draw from RNGs of their own (see seed_money_movements).
        seed_money_movements(self.books, self.business.id, self.scale, self.epoch)
        # Last: reconciliations read the money moved by everything above.
        seed_bank_reconciliations(self.books, self.business.id, self.epoch)
        seed_tax_returns(self.books, self.business.id, self.epoch)
        # Files on a few of the records above (a random stream of their own).
        seed_attachments(self.books, self.business.id)
        return books

    # -- reference data ------------------------------------------------------------------

    def financial_settings(self) -> FinancialSettings:
        spec = self.country.financial_settings
        year_end = date(self.today.year, 12, 31)
        return FinancialSettings(
            updated_at=self.business.created_at,
            year_end_date=year_end,
            accounts_start_date=date(self.today.year - 2, 1, 1),
            base_currency_id=self.country.currency_id,
            accounting_type=spec.get("accounting_type", "accrual"),
            mtd_activation_status=spec.get("mtd_activation_status"),
            tax_scheme_id=spec.get("tax_scheme"),
            tax_return_frequency_id=spec.get("tax_return_frequency"),
            tax_number=self.pattern(spec["tax_number"]) if spec.get("tax_number") else None,
            general_tax_number=(
                self.pattern(spec["general_tax_number"]) if spec.get("general_tax_number") else None
            ),
            default_irpf_rate=_optional_decimal(spec.get("default_irpf_rate")),
            recoverable_percentage=_optional_decimal(spec.get("recoverable_percentage")),
        )

    def seed_tax_rates(self) -> None:
        country = self.country
        for spec in country.tax_rates:
            self.tax_ids[spec.key] = spec.id or self.new_id()
        for spec in country.tax_rates:
            rate = TaxRate(
                id=self.tax_ids[spec.key],
                created_at=country.tax_rates_created_at,
                updated_at=country.tax_rates_updated_at,
                name=spec.name,
                label=spec.label,
                agency=spec.agency,
                periods=list(spec.periods),
                component_ids=[self.tax_ids[key] for key in spec.components],
                regions=spec.regions,
                retailer=spec.retailer,
                editable=spec.editable,
                deletable=spec.deletable,
                truth=spec.truth,
            )
            self.books.tax_rates[rate.id] = rate

    def account_tax(self, type_id: str) -> str | None:
        rates = self.country.account_tax_rates
        return rates.get(type_id, rates.get("*"))

    def seed_ledger_accounts(self) -> None:
        types = account_types()
        created = self.business.created_at
        for spec in self.country.ledger_accounts:
            self.ledger_ids[spec.code] = self.new_id()
        for spec in self.country.ledger_accounts:
            tax_key = spec.tax if spec.has_tax else self.account_tax(spec.type_id)
            account = LedgerAccount(
                id=self.ledger_ids[spec.code],
                created_at=created,
                updated_at=created,
                nominal_code=spec.code,
                name=spec.name,
                display_name=spec.name,
                type_id=spec.type_id,
                tax_rate_id=self.tax_key_id(tax_key),
                fixed_tax_rate=spec.type_id not in _PROFIT_AND_LOSS_TYPES,
                visible_in=spec.visible_in or types[spec.type_id].visible_in,
                control_name=spec.control_name,
                gifi_code=spec.gifi_code,
                tax_recoverable=spec.tax_recoverable,
                recoverable_percentage=spec.recoverable_percentage
                or (Decimal("100") if spec.tax_recoverable else None),
                non_recoverable_ledger_account_id=(
                    self.ledger_ids[spec.non_recoverable_code]
                    if spec.non_recoverable_code is not None
                    else None
                ),
                truth=spec.truth,
            )
            self.books.ledger_accounts[account.id] = account

    def default_ledger_accounts(self) -> dict[str, str]:
        ledgers = {role: self.ledger_ids[code] for role, code in self.country.ledgers.items()}
        return {
            "bank_charges_ledger_account": ledgers["bank_charges"],
            "bank_interest_received_ledger_account": ledgers["other_income"],
            "bank_interest_charges_paid_ledger_account": ledgers["bank_charges"],
            "exchange_rate_gains_ledger_account": ledgers["exchange"],
            "exchange_rate_losses_ledger_account": ledgers["exchange"],
            "sales_ledger_account": ledgers["product_sales"],
            "sales_discount_ledger_account": ledgers["discount_allowed"],
            "purchase_ledger_account": ledgers["purchases"],
            "purchase_discount_ledger_account": ledgers["discount_received"],
            "product_sales_ledger_account": ledgers["product_sales"],
            "product_purchase_ledger_account": ledgers["purchases"],
            "service_sales_ledger_account": ledgers["service_sales"],
            "service_purchase_ledger_account": ledgers["purchases"],
            "stock_purchase_ledger_account": ledgers["stock"],
            "other_receipt_ledger_account": ledgers["other_income"],
            "other_payment_ledger_account": ledgers["purchases"],
            "customer_receipt_discount_ledger_account": ledgers["discount_allowed"],
            "vendor_payment_discount_ledger_account": ledgers["discount_received"],
            "carriage_ledger_account": ledgers["carriage"],
        }

    def seed_bank_accounts(self) -> None:
        created = self.business.created_at
        for spec in self.country.bank_accounts:
            account = BankAccount(
                id=self.new_id(),
                created_at=created,
                updated_at=created,
                bank_account_type_id=spec.type_id,
                ledger_account_id=self.ledger_ids[spec.ledger_code],
                details=BankDetails(
                    account_name=spec.name,
                    account_number=spec.account_number,
                    sort_code=spec.sort_code,
                    bic=spec.bic,
                    iban=spec.iban,
                ),
                default_payment_method_id=spec.payment_method_id,
                opening_balance=spec.opening_balance,
            )
            self.books.bank_accounts[account.id] = account

    def seed_catalogue(self) -> None:
        ledgers = self.country.ledgers
        default_sales = self.country.default_tax_rates["sales"]
        default_purchase = self.country.default_tax_rates["purchase"]
        self.catalogue_ids: dict[str, str] = {}
        for entry in self.business.catalogue:
            created = self.instant_on(self.business.created_at.date() + timedelta(days=7))
            item = CatalogItem(
                id=self.new_id(),
                created_at=created,
                updated_at=created,
                description=entry.description,
                item_code=entry.code,
                sales_ledger_account_id=self.ledger_ids[
                    ledgers["service_sales" if entry.is_service else "product_sales"]
                ],
                purchase_ledger_account_id=self.ledger_ids[ledgers["purchases"]],
                sales_tax_rate_id=self.tax_ids[entry.tax or default_sales],
                purchase_tax_rate_id=self.tax_ids[default_purchase],
                cost_price=entry.cost,
                catalog_item_type_id="SERVICE" if entry.is_service else "PRODUCT",
            )
            types = self.books.rate_types if entry.is_service else self.books.price_types
            item.prices = [
                SalesPrice(
                    id=self.new_id(),
                    created_at=created,
                    updated_at=created,
                    price_name=kind.name,
                    price=entry.price if index == 0 else ZERO,
                    price_includes_tax=False,
                    type_id=kind.id,
                )
                for index, kind in enumerate(types[:1] if entry.is_service else types)
            ]
            target = self.books.services if entry.is_service else self.books.products
            target[item.id] = item
            self.catalogue_ids[entry.code] = item.id

    def seed_system_contacts(self) -> None:
        created = self.business.created_at
        for spec in self.country.system_contacts:
            contact = Contact(
                id=self.new_id(),
                created_at=created,
                updated_at=created,
                name=spec.name,
                reference=spec.reference,
                contact_type_ids=list(spec.contact_type_ids),
                locale=self.country.contact_locale,
                currency_id=self.country.currency_id,
                system=True,
            )
            self.books.contacts[contact.id] = contact

    # -- contacts ------------------------------------------------------------------------

    def place_for(self, index: int) -> PlaceSpec:
        if self.country.abroad and index % 17 == 16:
            return self.rng.choice(self.country.abroad)
        return self.rng.choice(self.country.places)

    def contact_name(
        self, contact_type: str, place: PlaceSpec, trade: SupplierSpec | None
    ) -> tuple[str, str | None]:
        country = self.country
        for _ in range(20):
            person = None
            if contact_type == "CUSTOMER" and self.rng.random() < country.person_share:
                person = (
                    f"{self.rng.choice(country.first_names)} {self.rng.choice(country.last_names)}"
                )
                name = person
            else:
                trade_name = trade.trade if trade else self.rng.choice(country.customer_trades)
                name = self.rng.choice(country.company_patterns).format(
                    last=self.rng.choice(country.last_names),
                    trade=trade_name,
                    adjective=self.rng.choice(country.company_adjectives),
                    city=place.city,
                )
            if name not in self.used_names:
                self.used_names.add(name)
                return name, person
        name = f"{name} {len(self.used_names)}"
        self.used_names.add(name)
        return name, person

    def reference_for(self, name: str, person: str | None) -> str:
        words = re.findall(r"[^\W\d_]+", _ascii(person.split()[-1] if person else name))
        stem = (words[0] if words else "CON")[:3].upper().ljust(3, "X")
        number = self.reference_counts.get(stem, 0) + 1
        self.reference_counts[stem] = number
        return f"{stem}{number:03d}"

    def seed_contact(self, contact_type: str, index: int) -> _Party:
        country = self.country
        trade = (
            country.suppliers[index % len(country.suppliers)] if contact_type == "VENDOR" else None
        )
        place = (
            self.place_for(index) if contact_type == "CUSTOMER" else self.rng.choice(country.places)
        )
        name, person = self.contact_name(contact_type, place, trade)
        earliest = max(self.business.created_at.date(), self.today - timedelta(days=720))
        created = self.instant_on(self.day_between(earliest, self.today - timedelta(days=30)))
        if self.rng.random() < 0.04:
            created = self.instant_on(self.day_between(self.today - timedelta(days=29), self.today))
        ledgers = country.ledgers
        home = place.country_id is None
        contact_person_name = person or (
            f"{self.rng.choice(country.first_names)} {self.rng.choice(country.last_names)}"
        )
        email = _email(contact_person_name, None if person else name)
        address = Address(
            id=self.new_id(),
            created_at=created,
            updated_at=created,
            address_type_id="SALES" if contact_type == "CUSTOMER" else "PURCHASING",
            name="Main Address",
            address_line_1=self.rng.choice(country.address_line_1).format(
                n=self.rng.randrange(1, 240)
            ),
            address_line_2=self.rng.choice(country.address_line_2).format(
                n=self.rng.randrange(1, 30), adjective=self.rng.choice(country.company_adjectives)
            ),
            city=place.city,
            region=place.region,
            postal_code=self.pattern(place.postal_code),
            country_id=place.country_id or country.code,
        )
        sales_tax = self.sales_tax_key(place, None) if contact_type == "CUSTOMER" else None
        aux_base = country.contact_aux_reference.get(contact_type)
        contact = Contact(
            id=self.new_id(),
            created_at=created,
            updated_at=created,
            name=name,
            reference=self.reference_for(name, person),
            contact_type_ids=[contact_type],
            email=email,
            tax_number=(
                self.pattern(country.contact_tax_number)
                if person is None and home and self.rng.random() < 0.5
                else None
            ),
            locale=country.contact_locale,
            currency_id=country.currency_id,
            credit_limit=(
                Decimal(self.rng.choice(("1000", "2000", "5000", "10000")))
                if contact_type == "CUSTOMER" and self.rng.random() < 0.4
                else None
            ),
            credit_days=self.rng.choice((14, 30, 30, 30, 60)),
            default_sales_ledger_account_id=(
                self.ledger_ids[ledgers["product_sales"]] if contact_type == "CUSTOMER" else None
            ),
            default_sales_tax_rate_id=self.tax_key_id(sales_tax),
            default_purchase_ledger_account_id=(
                self.ledger_ids[trade.ledger_code] if trade is not None else None
            ),
            product_sales_price_type_id=(
                self.books.price_types[0].id if contact_type == "CUSTOMER" else None
            ),
            aux_reference=str(aux_base + index + 1) if aux_base is not None else None,
            main_address=address,
            main_contact_person=ContactPerson(
                id=self.new_id(),
                created_at=created,
                updated_at=created,
                name=contact_person_name,
                email=email,
                telephone=self.pattern(country.phone),
                contact_person_type_ids=["ACCOUNTS"],
            ),
            tax_treatment=_treatment(place.treatment),
            is_active=self.rng.random() > 0.03,
            ni_based=place.ni_based if country.code == "GB" else None,
            gb_based=(home and not place.ni_based) if country.code == "GB" else None,
        )
        self.books.contacts[contact.id] = contact
        return _Party(contact=contact, place=place, trade=trade)

    def seed_contact_edits(self, parties: list[_Party]) -> None:
        for party in parties:
            if self.rng.random() < 0.15:
                contact = party.contact
                start = contact.created_at.date() + timedelta(days=1)
                edited = self.instant_on(self.day_between(start, self.today))
                contact.updated_at = max(contact.updated_at, edited)

    # -- tax choice ----------------------------------------------------------------------

    def sales_tax_key(self, place: PlaceSpec, entry: CatalogueEntry | None) -> str:
        country = self.country
        if place.country_id is not None:
            return place.tax or country.default_tax_rates["export"]
        if entry is not None and entry.tax is not None:
            return entry.tax
        if country.regional_tax_rates:
            regional = country.regional_tax_rates[f"{country.code}-{place.region}"]
            return regional["services" if entry is not None and entry.is_service else "goods"]
        return place.tax or country.default_tax_rates["sales"]

    def purchase_tax_key(self, trade: SupplierSpec) -> str:
        country = self.country
        if trade.tax is not None:
            return trade.tax
        if country.regional_tax_rates:
            return country.regional_tax_rates[f"{country.code}-{self.business.region}"]["goods"]
        return country.default_tax_rates["purchase"]

    def tax_region(self, place: PlaceSpec) -> str | None:
        if self.country.code not in ("CA", "US"):
            return None
        if place.country_id is not None:
            return None
        return f"{self.country.code}-{place.region}"

    # -- artefacts ----------------------------------------------------------------------

    def artefact_address(self, contact: Contact) -> ArtefactAddress | None:
        address = contact.main_address
        if address is None:
            return None
        return ArtefactAddress(
            id=self.new_id(),
            address_line_1=address.address_line_1,
            address_line_2=address.address_line_2,
            city=address.city,
            region=address.region,
            postal_code=address.postal_code,
            country_id=address.country_id,
            address_type_id=address.address_type_id,
        )

    def new_artefact(
        self, kind: ArtefactKind, party: _Party, day: date, lines: list[ArtefactLine]
    ) -> Artefact:
        contact = party.contact
        created = self.instant_on(day)
        return Artefact(
            id=self.new_id(),
            created_at=created,
            updated_at=created,
            kind=kind,
            contact_id=contact.id,
            contact_name=contact.name,
            contact_reference=contact.reference,
            date=day,
            due_date=day + timedelta(days=contact.credit_days or 30),
            lines=lines,
            currency_id=self.country.currency_id,
            main_address=self.artefact_address(contact),
            delivery_address=self.artefact_address(contact) if kind.is_sales else None,
            tax_address_region_id=self.tax_region(party.place),
            transaction_id=self.new_id(),
            sent=kind.is_sales and self.rng.random() < 0.8,
        )

    def sales_line(self, party: _Party) -> ArtefactLine:
        entry = self.rng.choice(self.business.catalogue)
        if entry.is_service:
            quantity = Decimal(self.rng.choice((1, 1, 2, 3, 4, 6, 8, 12)))
        else:
            quantity = Decimal(self.rng.choice((1, 1, 1, 2, 2, 3, 4, 6, 10)))
        line = ArtefactLine(
            id=self.new_id(),
            description=entry.description,
            ledger_account_id=self.ledger_ids[
                self.country.ledgers["service_sales" if entry.is_service else "product_sales"]
            ],
            quantity=quantity,
            unit_price=entry.price,
            tax_rate_id=self.tax_ids[self.sales_tax_key(party.place, entry)],
            product_id=None if entry.is_service else self.catalogue_ids[entry.code],
            service_id=self.catalogue_ids[entry.code] if entry.is_service else None,
        )
        roll = self.rng.random()
        if roll < 0.08:
            line.unit_price_includes_tax = True
        elif roll < 0.18:
            pct = Decimal(self.rng.choice((5, 10, 15)))
            line.discount_amount = round_money(quantity * entry.price * pct / 100)
        return line

    def seed_sales_invoices(self, customers: list[_Party]) -> list[Artefact]:
        if not customers or not self.business.catalogue:
            return []
        drafted: list[tuple[date, _Party]] = []
        for _ in range(self.count(SALES_INVOICES)):
            party = self.rng.choice(customers)
            start = max(party.contact.created_at.date(), self.today - timedelta(days=365))
            drafted.append((self.day_between(start, self.today), party))
        drafted.sort(key=lambda pair: pair[0])
        invoices: list[Artefact] = []
        for day, party in drafted:
            lines = [self.sales_line(party) for _ in range(self.rng.choice((1, 1, 2, 2, 3, 4)))]
            invoice = self.new_artefact(ArtefactKind.SALES_INVOICE, party, day, lines)
            if self.rng.random() < 0.4:
                invoice.reference = f"PO-{self.rng.randrange(10000, 99999)}"
            if self.rng.random() < 0.06:
                invoice.shipping_net_amount = Decimal(self.rng.choice(("9.95", "15.00", "25.00")))
                invoice.shipping_tax_rate_id = lines[0].tax_rate_id
            if day >= self.today - timedelta(days=10) and self.rng.random() < 0.15:
                invoice.state = ArtefactState.DRAFT
                invoice.transaction_id = None
                invoice.sent = False
            else:
                invoice.number = self.books.next_number(ArtefactKind.SALES_INVOICE)
            self.books.recalculate(invoice)
            if invoice.state is ArtefactState.POSTED and self.rng.random() < 0.02:
                invoice.state = ArtefactState.VOID
                invoice.void_reason = "Raised in error"
                invoice.updated_at = self.later_than(invoice.created_at)
            self.books.sales_invoices[invoice.id] = invoice
            invoices.append(invoice)
        return invoices

    def seed_credit_notes(self, customers: list[_Party], invoices: list[Artefact]) -> None:
        posted = [i for i in invoices if i.state is ArtefactState.POSTED]
        if not posted:
            return
        parties = {p.contact.id: p for p in customers}
        chosen = sorted(
            (self.rng.choice(posted) for _ in range(self.count(CREDIT_NOTES))),
            key=lambda invoice: invoice.date,
        )
        for index, invoice in enumerate(chosen):
            party = parties[invoice.contact_id]
            day = self.day_between(invoice.date, min(self.today, invoice.date + timedelta(days=45)))
            source = invoice.lines[0]
            quantity = Decimal("1")
            line = ArtefactLine(
                id=self.new_id(),
                description=f"Credit: {source.description}",
                ledger_account_id=source.ledger_account_id,
                quantity=quantity,
                unit_price=round_money(
                    source.unit_price * Decimal(self.rng.choice(("0.1", "0.25", "0.5", "1")))
                ),
                unit_price_includes_tax=source.unit_price_includes_tax,
                tax_rate_id=source.tax_rate_id,
                product_id=source.product_id,
                service_id=source.service_id,
            )
            note = self.new_artefact(ArtefactKind.SALES_CREDIT_NOTE, party, day, [line])
            note.due_date = None
            note.original_invoice_date = invoice.date
            note.reference = invoice.number
            note.number = self.books.next_number(ArtefactKind.SALES_CREDIT_NOTE)
            # Carriage credited back: the invoice's own, or (every tenth note) a flat charge.
            # Drawn without the generator, so the rest of the world stays as it was.
            if invoice.shipping_net_amount or index % 10 == 3:
                note.shipping_net_amount = invoice.shipping_net_amount or Decimal("9.95")
                note.shipping_tax_rate_id = invoice.shipping_tax_rate_id or line.tax_rate_id
            self.books.recalculate(note)
            self.books.sales_credit_notes[note.id] = note

    def seed_purchase_invoices(self, suppliers: list[_Party]) -> None:
        if not suppliers:
            return
        drafted = []
        for _ in range(self.count(PURCHASE_INVOICES)):
            party = self.rng.choice(suppliers)
            start = max(party.contact.created_at.date(), self.today - timedelta(days=365))
            drafted.append((self.day_between(start, self.today), party))
        drafted.sort(key=lambda pair: pair[0])
        for day, party in drafted:
            trade = party.trade
            assert trade is not None
            lines = []
            for _ in range(self.rng.choice((1, 1, 2, 3))):
                low, high = trade.price_range
                lines.append(
                    ArtefactLine(
                        id=self.new_id(),
                        description=self.rng.choice(trade.items),
                        ledger_account_id=self.ledger_ids[trade.ledger_code],
                        quantity=Decimal(self.rng.choice((1, 1, 1, 2, 3, 5))),
                        unit_price=round_money(
                            Decimal(self.rng.randrange(low * 100, high * 100 + 1)) / 100
                        ),
                        tax_rate_id=self.tax_ids[self.purchase_tax_key(trade)],
                    )
                )
            bill = self.new_artefact(ArtefactKind.PURCHASE_INVOICE, party, day, lines)
            bill.reference = f"{_initials(party.contact.name)}{self.rng.randrange(10000, 999999)}"
            bill.vendor_reference = ""
            bill.tax_address_region_id = (
                f"{self.country.code}-{self.business.region}"
                if self.country.code in ("CA", "US")
                else None
            )
            self.books.recalculate(bill)
            self.books.purchase_invoices[bill.id] = bill

    # -- payments ------------------------------------------------------------------------

    def later_than(self, moment: datetime, max_days: int = 20) -> datetime:
        day = self.day_between(
            moment.date(), min(self.today, moment.date() + timedelta(days=max_days))
        )
        return max(moment + timedelta(seconds=1), self.instant_on(day))

    def main_bank(self, cash: bool = False) -> str:
        wanted = "CASH_IN_HAND" if cash else "CHECKING"
        return next(
            account.id
            for account in self.books.bank_accounts.values()
            if account.bank_account_type_id == wanted
        )

    def settle(self, artefact: Artefact, transaction_type_id: str, amount: Decimal) -> None:
        lag = self.rng.randrange(3, 55)
        day = artefact.date + timedelta(days=lag)
        if day > self.today:
            return
        method = self.rng.choice(
            ("ELECTRONIC", "ELECTRONIC", "ELECTRONIC", "CHECK", "CREDIT_DEBIT", "CASH")
        )
        created = max(artefact.created_at + timedelta(seconds=1), self.instant_on(day))
        payment = ContactPayment(
            id=self.new_id(),
            created_at=created,
            updated_at=created,
            transaction_type_id=transaction_type_id,
            contact_id=artefact.contact_id,
            bank_account_id=self.main_bank(cash=method == "CASH"),
            date=day,
            total_amount=amount,
            currency_id=artefact.currency_id,
            payment_method_id=method,
            reference=f"{artefact.contact_name} payment" if self.rng.random() < 0.5 else None,
            allocations=[
                PaymentAllocationLine(
                    id=self.new_id(),
                    artefact_kind=artefact.kind,
                    artefact_id=artefact.id,
                    amount=amount,
                    discount=ZERO,
                )
            ],
            transaction_id=self.new_id(),
        )
        self.books.contact_payments[payment.id] = payment
        self.books.apply_payment(payment)
        # apply_payment stamps "now"; seeded history must keep its own time.
        artefact.updated_at = max(artefact.created_at, created)

    def seed_payments(self) -> None:
        plan = (
            (self.books.sales_invoices, "CUSTOMER_RECEIPT", 0.85),
            (self.books.purchase_invoices, "VENDOR_PAYMENT", 0.9),
            (self.books.sales_credit_notes, "CUSTOMER_REFUND", 0.5),
        )
        for artefacts, transaction_type_id, paid_share in plan:
            for artefact in list(artefacts.values()):
                if artefact.state is not ArtefactState.POSTED or artefact.total_amount <= 0:
                    continue
                age = (self.today - artefact.date).days
                roll = self.rng.random()
                share = paid_share if age > 45 else paid_share / 3
                if roll < share:
                    self.settle(artefact, transaction_type_id, artefact.total_amount)
                elif roll < share + 0.08:
                    part = round_money(
                        artefact.total_amount * Decimal(self.rng.choice(("0.25", "0.5")))
                    )
                    if part > 0:
                        self.settle(artefact, transaction_type_id, part)
        self.seed_payments_on_account()

    # -- journals --------------------------------------------------------------------------

    def seed_journals(self) -> None:
        """Month-end journals between non-control accounts: (reference, debit type, credit
        type); a country whose chart lacks one of the types skips it."""
        plans = (
            ("Depreciation", "DEPRECIATION", "FIXED_ASSETS"),
            ("Accrued expenses", "OVERHEADS", "CURRENT_LIABILITY"),
            ("Prepaid expenses", "CURRENT_ASSETS", "OVERHEADS"),
        )
        by_type: dict[str, list[LedgerAccount]] = {}
        for account in self.books.ledger_accounts.values():
            if not account.is_control_account:
                by_type.setdefault(account.type_id, []).append(account)
        # Even small books get one journal of each plan.
        count = max(len(plans), self.count(JOURNALS)) if self.scale > 0 else 0
        for index in range(count):
            reference, debit_type, credit_type = plans[index % len(plans)]
            if not by_type.get(debit_type) or not by_type.get(credit_type):
                continue
            debit = self.rng.choice(by_type[debit_type])
            credit = self.rng.choice(by_type[credit_type])
            amount = Decimal(self.rng.randrange(5000, 250000)) / 100
            day = self.day_between(self.today - timedelta(days=330), self.today)
            created = self.instant_on(day)
            details = f"{reference} {day:%B %Y}"
            journal = Journal(
                id=self.new_id(),
                created_at=created,
                updated_at=created,
                date=day,
                reference=f"JNL{index + 1:03d}",
                description=details,
                lines=[
                    JournalLine(self.new_id(), debit.id, amount, ZERO, details),
                    JournalLine(self.new_id(), credit.id, ZERO, amount, details),
                ],
                transaction_id=self.new_id(),
            )
            self.books.journals[journal.id] = journal

    # -- quotes, estimates and purchase credit notes ----------------------------------------

    def seed_quotes(self, kind: ArtefactKind, customers: list[_Party], base: int) -> None:
        """Quotes (or estimates) of the last three months; even small books get two."""
        if not customers or not self.business.catalogue or self.scale <= 0:
            return
        drafted = []
        for _ in range(max(2, self.count(base))):
            party = self.rng.choice(customers)
            start = max(party.contact.created_at.date(), self.today - timedelta(days=90))
            drafted.append((self.day_between(start, self.today), party))
        drafted.sort(key=lambda pair: pair[0])
        for day, party in drafted:
            lines = [self.sales_line(party) for _ in range(self.rng.choice((1, 2, 3)))]
            quote = self.new_artefact(kind, party, day, lines)
            quote.due_date = None
            quote.transaction_id = None
            quote.expiry_date = day + timedelta(days=30)
            quote.quote_status_id = self.rng.choice(_QUOTE_STATUSES)
            quote.sent = quote.quote_status_id != "DRAFT"
            quote.number = self.books.next_number(kind)
            self.books.recalculate(quote)
            self.books.artefacts(kind)[quote.id] = quote

    def seed_purchase_credit_notes(self, suppliers: list[_Party]) -> None:
        """Credit notes from suppliers against some of their bills; even small books get two."""
        parties = {party.contact.id: party for party in suppliers}
        bills = [
            bill
            for bill in self.books.purchase_invoices.values()
            if not bill.deleted and bill.contact_id in parties
        ]
        if not bills or self.scale <= 0:
            return
        chosen = sorted(
            (self.rng.choice(bills) for _ in range(max(2, self.count(PURCHASE_CREDIT_NOTES)))),
            key=lambda bill: bill.date,
        )
        for bill in chosen:
            party = parties[bill.contact_id]
            day = self.day_between(bill.date, min(self.today, bill.date + timedelta(days=30)))
            source = bill.lines[0]
            line = ArtefactLine(
                id=self.new_id(),
                description=f"Returned: {source.description}",
                ledger_account_id=source.ledger_account_id,
                quantity=Decimal("1"),
                unit_price=round_money(
                    source.unit_price * Decimal(self.rng.choice(("0.2", "0.5", "1")))
                ),
                tax_rate_id=source.tax_rate_id,
            )
            note = self.new_artefact(ArtefactKind.PURCHASE_CREDIT_NOTE, party, day, [line])
            note.due_date = None
            note.original_invoice_date = bill.date
            note.reference = f"{bill.reference}-CR"
            note.vendor_reference = ""
            note.tax_address_region_id = bill.tax_address_region_id
            self.books.recalculate(note)
            self.books.purchase_credit_notes[note.id] = note

    def seed_contact_people(self, parties: list[_Party]) -> None:
        """A second person (sales or purchasing) at about a quarter of the contacts."""
        country = self.country
        for party in parties:
            contact = party.contact
            if contact.main_address is None or self.rng.random() >= 0.25:
                continue
            role = "SALES" if contact.is_a("VENDOR") else "PURCHASING"
            created = self.later_than(contact.created_at, max_days=60)
            contact.other_contact_persons.append(
                ContactPerson(
                    id=self.new_id(),
                    created_at=created,
                    updated_at=created,
                    name=(
                        f"{self.rng.choice(country.first_names)} "
                        f"{self.rng.choice(country.last_names)}"
                    ),
                    job_title="Sales" if role == "SALES" else "Purchasing",
                    telephone=self.pattern(country.phone),
                    contact_person_type_ids=[role],
                    is_main_contact=False,
                    is_preferred_contact=False,
                )
            )

    def seed_payments_on_account(self) -> None:
        customers = [c for c in self.books.contacts.values() if c.is_a("CUSTOMER") and not c.system]
        for contact in self.rng.sample(customers, k=min(len(customers), self.count(6))):
            day = self.day_between(contact.created_at.date(), self.today)
            created = max(contact.created_at + timedelta(seconds=1), self.instant_on(day))
            payment = ContactPayment(
                id=self.new_id(),
                created_at=created,
                updated_at=created,
                transaction_type_id="CUSTOMER_RECEIPT",
                contact_id=contact.id,
                bank_account_id=self.main_bank(),
                date=day,
                total_amount=Decimal(self.rng.choice(("100.00", "250.00", "500.00"))),
                currency_id=self.country.currency_id,
                payment_method_id="ELECTRONIC",
                reference="Deposit",
                on_account_id=self.new_id(),
                transaction_id=self.new_id(),
            )
            self.books.contact_payments[payment.id] = payment


def _optional_decimal(value: object) -> Decimal | None:
    return Decimal(str(value)) if value is not None else None


def _treatment(kind: str) -> TaxTreatment:
    return TaxTreatment(
        home_tax=kind == "home_tax",
        eu_tax_registered=kind == "eu_tax_registered",
        eu_not_tax_registered=kind == "eu_not_tax_registered",
        rest_of_world_tax=kind == "rest_of_world_tax",
    )


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _initials(name: str) -> str:
    words = re.findall(r"[A-Za-z]+", _ascii(name))
    return "".join(w[0] for w in words[:3]).upper() or "INV"


def _email(person: str, company: str | None) -> str:
    local = ".".join(re.findall(r"[a-z]+", _ascii(person).lower())) or "accounts"
    if company is None:
        return f"{local}@example.com"
    domain = "-".join(re.findall(r"[a-z0-9]+", _ascii(company).lower()))[:40] or "company"
    return f"accounts@{domain}.example.com"
