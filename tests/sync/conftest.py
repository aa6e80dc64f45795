from __future__ import annotations

from ledgergraph.sandbox.books import SOLO_USER_ID
from tests.support.fixtures import (
    events_fixture,
    http_fixture,
    sandbox_fixture,
    server_fixture,
    store_fixture,
    tenant_fixture,
)
from tests.sync.helpers import SYNC_SETTINGS

sandbox = sandbox_fixture(scale=0.2)
http = http_fixture()
server = server_fixture(**SYNC_SETTINGS)
store = store_fixture()
events = events_fixture()


# A tenant connected to the sandbox's one-business user.
acme = tenant_fixture("acme", user_id=SOLO_USER_ID)
