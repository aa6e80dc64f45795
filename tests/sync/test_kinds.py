"""What the poller watches, and what a change it finds makes stale in the cache."""

from __future__ import annotations

import pytest

from ledgergraph import kinds
from ledgergraph.sync.kinds import KINDS, SyncKind


@pytest.mark.parametrize("sync_kind", KINDS, ids=lambda k: k.name)
def test_a_change_found_by_polling_makes_stale_what_the_same_write_would(
    sync_kind: SyncKind,
) -> None:
    kind = kinds.kind_for_event(sync_kind.object_type)
    assert kind is not None
    assert sync_kind.stale[0] == sync_kind.name
    assert set(sync_kind.stale) == {sync_kind.name, *kind.invalidates}


def test_an_invoice_entered_in_sages_own_app_makes_the_ledger_stale() -> None:
    (invoices,) = (k for k in KINDS if k.name == kinds.INVOICE.resource.name)
    assert {"ledger_accounts", "ledger_entries"} <= set(invoices.stale)
