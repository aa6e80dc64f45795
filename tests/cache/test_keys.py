from __future__ import annotations

import pytest
from redis.crc import key_slot

from ledgergraph.cache import keys


def test_a_tenants_names_share_one_cluster_slot() -> None:
    names = [
        keys.token("acme"),
        keys.connection("acme"),
        keys.refresh_lock("acme"),
        keys.events("acme"),
        keys.idempotency("acme", "client-key-{1}"),
        keys.sync_lease("acme"),
        keys.sync_cursor("acme", "contacts"),
        keys.cache_generation("acme", "b1", "contacts"),
        keys.cache_entry("acme", "b1", "contacts", "gen", "digest"),
    ]
    assert len(set(names)) == len(names)
    assert {key_slot(name.encode()) for name in names} == {key_slot(b"acme")}


@pytest.mark.parametrize("tenant", ["", "a}b", "{acme}"])
def test_a_tenant_id_that_would_break_the_hash_tag_is_refused(tenant: str) -> None:
    with pytest.raises(ValueError, match="tenant"):
        keys.token(tenant)
