"""Per-tenant mapping overrides, set through GraphQL or the admin API: checked against the
business's own tax rates and accounts, idempotent, and obeyed by the next taxKind/accountRole
write. Against the sandbox, over HTTP."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from tests.mutations.test_writing_by_kind_and_role import customer_in, written_line
from tests.support.fixtures import server_fixture
from tests.support.server import LiveServer
from tests.support.writes import connect_demo

pytestmark = pytest.mark.redis

ADMIN_KEY = "admin-key-for-tests-0123456789abcdef"
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
_keys = itertools.count()

# Tenant ``acme`` on the demo user's British business; the admin API is on.
server = server_fixture(prepare=connect_demo, retry_max_delay=0.05, admin_api_key=ADMIN_KEY)

FIELDS = "kind remoteId taxKind roles"
SET = f"""mutation($kind: MappingOverrideKind!, $id: String!, $taxKind: TaxKind,
  $roles: [AccountRole!]) {{
  setMappingOverride(kind: $kind, remoteId: $id, taxKind: $taxKind, roles: $roles) {{ {FIELDS} }}
}}"""
REMOVE = f"""mutation($kind: MappingOverrideKind!, $id: String!) {{
  removeMappingOverride(kind: $kind, remoteId: $id) {{ {FIELDS} }} }}"""
READ = f"{{ mappingOverrides {{ {FIELDS} }} }}"


async def gql(server: LiveServer, http: httpx.AsyncClient, query: str, **variables: Any) -> Any:
    body = await server.graphql(http, "acme", query, variables)
    assert "errors" not in body, body["errors"]
    return body["data"]


def account_id(sandbox: RunningSandbox, business_id: str, code: int) -> str:
    books = sandbox.world.businesses[business_id].books
    return next(a.id for a in books.ledger_accounts.values() if a.nominal_code == code)


async def test_a_ledger_account_override_set_by_mutation_moves_the_next_write(
    server: LiveServer, http: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    business_id, customer = customer_in(sandbox, "GB")
    products = account_id(sandbox, business_id, 4000)
    before = await written_line(server, http, business_id, customer, accountRole="SALES")
    assert before["ledgerAccount"]["code"] == "4000"

    variables = {"kind": "LEDGER_ACCOUNT", "id": products, "roles": []}
    first = await gql(server, http, SET, **variables)
    again = await gql(server, http, SET, **variables)
    want: list[dict[str, Any]] = [
        {"kind": "LEDGER_ACCOUNT", "remoteId": products, "taxKind": None, "roles": []}
    ]
    assert first["setMappingOverride"] == again["setMappingOverride"] == want
    assert (await gql(server, http, READ))["mappingOverrides"] == want

    after = await written_line(server, http, business_id, customer, accountRole="SALES")
    assert after["ledgerAccount"]["code"] == "4010"

    removed = await gql(server, http, REMOVE, kind="LEDGER_ACCOUNT", id=products)
    assert removed["removeMappingOverride"] == []
    assert (await gql(server, http, REMOVE, kind="LEDGER_ACCOUNT", id=products))[
        "removeMappingOverride"
    ] == []
    restored = await written_line(server, http, business_id, customer, accountRole="SALES")
    assert restored["ledgerAccount"]["code"] == "4000"


async def test_tax_rate_overrides_set_by_mutation_change_the_rate_a_kind_picks(
    server: LiveServer, http: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    business_id, customer = customer_in(sandbox, "GB")
    await gql(server, http, SET, kind="TAX_RATE", id="GB_LOWER", taxKind="STANDARD")
    await gql(server, http, SET, kind="TAX_RATE", id="GB_STANDARD", taxKind="REDUCED")
    line = await written_line(server, http, business_id, customer, taxKind="STANDARD")
    assert line["taxRate"]["remoteId"] == "GB_LOWER"
    read = (await gql(server, http, READ))["mappingOverrides"]
    assert [(o["remoteId"], o["taxKind"]) for o in read] == [
        ("GB_LOWER", "STANDARD"),
        ("GB_STANDARD", "REDUCED"),
    ]


BAD = {
    "unknown-rate": ({"kind": "TAX_RATE", "id": "XX_NOPE", "taxKind": "STANDARD"}, "remoteId"),
    "other-country-rate": (
        {"kind": "TAX_RATE", "id": "DE_STANDARD", "taxKind": "STANDARD"},
        "remoteId",
    ),
    "unknown-account": ({"kind": "LEDGER_ACCOUNT", "id": "0" * 32, "roles": []}, "remoteId"),
    "rate-without-kind": ({"kind": "TAX_RATE", "id": "GB_ZERO"}, "taxKind"),
    "rate-with-roles": ({"kind": "TAX_RATE", "id": "GB_ZERO", "roles": ["SALES"]}, "roles"),
    "account-without-roles": ({"kind": "LEDGER_ACCOUNT", "id": "4000"}, "roles"),
}


@pytest.mark.parametrize(("variables", "field"), BAD.values(), ids=BAD)
async def test_a_bad_override_is_refused_naming_the_field(
    server: LiveServer, http: httpx.AsyncClient, variables: dict[str, Any], field: str
) -> None:
    body = await server.graphql(http, "acme", SET, variables)
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == field
    assert (await gql(server, http, READ))["mappingOverrides"] == []


async def test_the_admin_api_reads_and_replaces_overrides_and_the_next_write_obeys(
    server: LiveServer, http: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    business_id, customer = customer_in(sandbox, "GB")
    url = f"{server.url}/admin/tenants/acme/mapping-overrides"
    assert (await http.get(url, headers=ADMIN)).json() == {"tenant": "acme", "overrides": {}}

    wanted: dict[str, Any] = {"ledger_accounts": {"4000": {"roles": []}}}
    response = await http.put(url, headers=ADMIN, json=wanted)
    assert response.status_code == 200, response.text
    assert response.json()["overrides"] == wanted
    assert (await http.get(url, headers=ADMIN)).json()["overrides"] == wanted
    line = await written_line(server, http, business_id, customer, accountRole="SALES")
    assert line["ledgerAccount"]["code"] == "4010"
    read = (await gql(server, http, READ))["mappingOverrides"]
    assert read == [{"kind": "LEDGER_ACCOUNT", "remoteId": "4000", "taxKind": None, "roles": []}]


ADMIN_BAD = {
    "unknown-account": ({"ledger_accounts": {"1234567": {"roles": []}}}, "ledger_accounts.1234567"),
    "unknown-rate": ({"tax_rates": {"XX_NOPE": {"kind": "ZERO"}}}, "tax_rates.XX_NOPE"),
    "malformed": ({"tax_rates": {"GB_ZERO": {"kind": "NOT_A_KIND"}}}, None),
}


@pytest.mark.parametrize(("document", "field"), ADMIN_BAD.values(), ids=ADMIN_BAD)
async def test_the_admin_api_refuses_overrides_the_business_cannot_have(
    server: LiveServer, http: httpx.AsyncClient, document: dict[str, Any], field: str | None
) -> None:
    url = f"{server.url}/admin/tenants/acme/mapping-overrides"
    response = await http.put(url, headers=ADMIN, json=document)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    if field is not None:
        assert error["extensions"]["field"] == field
    assert (await http.get(url, headers=ADMIN)).json()["overrides"] == {}


async def test_overrides_are_the_tenants_own(server: LiveServer, http: httpx.AsyncClient) -> None:
    await gql(server, http, SET, kind="TAX_RATE", id="GB_ZERO", taxKind="EXEMPT")
    body = await server.graphql(http, "other", READ)
    assert body.get("data") is None or body["data"]["mappingOverrides"] == []
