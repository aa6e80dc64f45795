"""One unified query, seven countries: tax rates and ledger accounts come back classified as
the sandbox seeded them (its ``truth`` blocks), for a business in each country."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from tests.mapping import truth
from tests.queries.conftest import business_in, data
from tests.support.server import LiveServer

COUNTRIES = ["GB", "IE", "CA", "US", "FR", "ES", "DE"]
REFERENCE = """query($business: ID!) {
  business(id: $business) { countryCode currency }
  taxRates(business: $business, first: 200) {
    nodes { remoteId kind taxSystem rate components { taxSystem rate } } }
  ledgerAccounts(business: $business, first: 200) {
    totalCount nodes { remoteId code classification roles } } }"""


@pytest.mark.parametrize("country", COUNTRIES)
async def test_reference_data_is_classified_alike_in_every_country(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, country: str
) -> None:
    business_id = business_in(sandbox, country)
    books = sandbox.world.businesses[business_id].books

    result = await data(server, http, REFERENCE, business=business_id)

    assert result["business"]["countryCode"] == country
    rates = {r["remoteId"]: r for r in result["taxRates"]["nodes"]}
    visible = {i: r for i, r in books.tax_rates.items() if i in rates}
    assert visible, f"no {country} tax rate came back"
    for rate_id, record in visible.items():
        assert record.truth is not None
        got = rates[rate_id]
        assert got["kind"] == truth.tax_kind(record.truth.kind).value, rate_id
        want_system = truth.tax_system(record.truth.tax_system)
        assert got["taxSystem"] == (want_system.value if want_system else None), rate_id
        parts = [books.tax_rates[c].truth for c in record.component_ids]
        assert [p["taxSystem"] for p in got["components"]] == [
            s.value if (s := truth.tax_system(p.tax_system)) else None for p in parts if p
        ], rate_id
    accounts = {a["remoteId"]: a for a in result["ledgerAccounts"]["nodes"]}
    assert result["ledgerAccounts"]["totalCount"] == len(accounts)
    for account_id, account in books.ledger_accounts.items():
        if account_id not in accounts:
            continue
        assert account.truth is not None
        got_account = accounts[account_id]
        want = truth.classification(account.truth.classification)
        assert got_account["classification"] == want.value
        want_roles = {r.value for r in truth.roles(account.truth.roles)}
        assert set(got_account["roles"]) == want_roles, got_account
    assert all(Decimal(r["rate"]) >= 0 for r in rates.values())
