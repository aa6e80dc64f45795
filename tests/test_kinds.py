"""The table of object kinds: what is derived from it agrees with it everywhere."""

from __future__ import annotations

import pytest
from strawberry.types.base import get_object_definition

from ledgergraph import kinds
from ledgergraph.api import schema
from ledgergraph.schema import object_types
from ledgergraph.sync.kinds import KINDS as SYNC_KINDS


def test_every_event_object_type_but_connection_is_one_kind() -> None:
    reported = {k.event_type for k in kinds.KINDS if k.event_type is not None}
    assert reported == set(kinds.ObjectType) - {kinds.ObjectType.CONNECTION}


def test_every_kind_has_its_graphql_type_in_the_schema() -> None:
    names = [get_object_definition(t, strict=True).name for t in object_types()]
    assert names == [k.type_name for k in kinds.KINDS]
    for name in names:
        assert schema.get_type_by_name(name) is not None, name


def test_the_poller_watches_each_evented_resource_sage_filters_by_change() -> None:
    watched = {(k.resource.name, k.object_type) for k in SYNC_KINDS}
    expected = {
        (r.name, k.event_type)
        for k in kinds.KINDS
        if k.event_type is not None
        for r in k.resources
        if r.changed_since
    }
    assert watched == expected
    # GB's drafts take no updated_or_created_since: /tax_returns alone is watched.
    assert ("draft_tax_returns", kinds.ObjectType.TAX_RETURN) not in watched
    assert ("tax_returns", kinds.ObjectType.TAX_RETURN) in watched


def test_only_kinds_whose_lists_take_deleted_since_have_their_deletions_polled() -> None:
    assert set(kinds.without_deletions()) == {
        kinds.ObjectType.QUOTE,
        kinds.ObjectType.ESTIMATE,
        kinds.ObjectType.BANK_RECONCILIATION,
        kinds.ObjectType.TAX_RETURN,
    }


@pytest.mark.parametrize(
    ("kind", "stale"),
    [
        # A contact's write changes the addresses and people Sage also lists apart.
        (kinds.CONTACT, ("contacts", "addresses", "contact_persons")),
        (
            kinds.SUPPLIER_CREDIT_NOTE,
            ("purchase_credit_notes", "contacts", "ledger_accounts", "ledger_entries"),
        ),
        (kinds.QUOTE, ("sales_quotes",)),
        # A posting write makes the ledger's entries and balances stale.
        # An invoice made from a quote or estimate marks it INVOICED.
        (
            kinds.INVOICE,
            (
                "sales_invoices",
                "contacts",
                "sales_quotes",
                "sales_estimates",
                "ledger_accounts",
                "ledger_entries",
            ),
        ),
        (kinds.JOURNAL, ("journals", "ledger_accounts", "bank_accounts", "ledger_entries")),
        # Money movements move bank balances (and post to the ledger).
        (
            kinds.OTHER_PAYMENT,
            ("other_payments", "ledger_accounts", "bank_accounts", "ledger_entries"),
        ),
        (
            kinds.PAYMENT,
            (
                "contact_payments",
                "sales_invoices",
                "purchase_invoices",
                "sales_credit_notes",
                "purchase_credit_notes",
                "contacts",
                "bank_accounts",
                "ledger_accounts",
                "ledger_entries",
            ),
        ),
    ],
)
def test_a_write_invalidates_its_own_resource_and_what_it_changes(
    kind: kinds.ObjectKind, stale: tuple[str, ...]
) -> None:
    assert kind.invalidates == stale


def test_a_kind_with_two_resources_has_no_single_write_resource() -> None:
    with pytest.raises(ValueError, match="Item has 2 Sage resources"):
        _ = kinds.ITEM.resource


def test_reference_data_is_cached_long_and_everything_else_by_the_default_ttl() -> None:
    ttls = kinds.cache_ttls()
    assert ttls == {
        "currencies": 86_400.0,
        "exchange_rates": 3_600.0,
        "payment_methods": 86_400.0,
        "countries": 86_400.0,
    }
