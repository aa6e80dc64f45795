"""When the store has lost a key's record (a Redis restarted without persistence), Sage's own
de-duplication still holds a retry to one object, and other input under the same key is
never answered with that object."""

from __future__ import annotations

from typing import Any

import httpx

from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books import SOLO_USER_ID
from tests.mutations.conftest import (
    CREATE_INVOICE,
    first_contact,
    invoice_count,
    invoice_input,
    new_key,
)
from tests.support.browser import connect
from tests.support.server import LiveServer, serve_ledgergraph


async def _create(
    server: LiveServer, http: httpx.AsyncClient, key: str, contact: str, price: str
) -> dict[str, Any]:
    body = await server.graphql(
        http, "acme", CREATE_INVOICE, {"key": key, "input": invoice_input(contact, price=price)}
    )
    assert "errors" not in body, body
    invoice: dict[str, Any] = body["data"]["createInvoice"]
    return invoice


async def test_a_key_whose_record_was_lost_replays_only_the_same_input(
    sandbox: RunningSandbox, redis_url: str, key_prefix: str, http: httpx.AsyncClient
) -> None:
    key = new_key()
    async with serve_ledgergraph(sandbox, redis_url=redis_url, prefix=f"{key_prefix}a:") as before:
        await connect(http, before.url, before.token("acme"), user_id=SOLO_USER_ID)
        contact = await first_contact(before, http)
        original = await _create(before, http, key, contact, "100.00")
    count = invoice_count(sandbox)

    # The same tenant on stores that remember nothing: every record is lost.
    async with serve_ledgergraph(sandbox, redis_url=redis_url, prefix=f"{key_prefix}b:") as after:
        await connect(http, after.url, after.token("acme"), user_id=SOLO_USER_ID)
        retried = await _create(after, http, key, contact, "100.00")
    assert invoice_count(sandbox) == count
    async with serve_ledgergraph(sandbox, redis_url=redis_url, prefix=f"{key_prefix}c:") as other:
        await connect(http, other.url, other.token("acme"), user_id=SOLO_USER_ID)
        reused = await _create(other, http, key, contact, "250.00")

    assert retried["remoteId"] == original["remoteId"]
    assert reused["remoteId"] != original["remoteId"]
    assert reused["netAmount"]["amount"] != original["netAmount"]["amount"]
    assert invoice_count(sandbox) == count + 1
