"""List filters map onto Sage's: status, contact, date range, search, kind, modifiedSince."""

from __future__ import annotations

import datetime as dt

import httpx

from tests.queries.conftest import data
from tests.support.server import LiveServer


async def test_status_filter(server: LiveServer, http: httpx.AsyncClient) -> None:
    result = await data(
        server,
        http,
        "{ invoices(status: PARTIALLY_PAID, first: 200) { totalCount nodes { status } } }",
    )
    nodes = result["invoices"]["nodes"]
    assert nodes
    assert {n["status"] for n in nodes} == {"PARTIALLY_PAID"}


async def test_contact_filter(server: LiveServer, http: httpx.AsyncClient) -> None:
    first = await data(server, http, "{ invoices(first: 1) { nodes { contact { id } } } }")
    contact_id = first["invoices"]["nodes"][0]["contact"]["id"]

    result = await data(
        server,
        http,
        "query($c: ID!) { invoices(contact: $c, first: 200) { nodes { contact { id } } } }",
        c=contact_id,
    )

    assert {n["contact"]["id"] for n in result["invoices"]["nodes"]} == {contact_id}


async def test_date_range_filter(server: LiveServer, http: httpx.AsyncClient) -> None:
    everything = await data(server, http, "{ invoices(first: 200) { nodes { date } } }")
    dates = sorted(dt.date.fromisoformat(n["date"]) for n in everything["invoices"]["nodes"])
    low, high = dates[len(dates) // 4], dates[len(dates) // 2]

    result = await data(
        server,
        http,
        "query($a: Date!, $b: Date!) { invoices(fromDate: $a, toDate: $b, first: 200) "
        "{ totalCount nodes { date } } }",
        a=low.isoformat(),
        b=high.isoformat(),
    )

    got = [dt.date.fromisoformat(n["date"]) for n in result["invoices"]["nodes"]]
    assert got
    assert all(low <= d <= high for d in got)


async def test_contact_kind_and_search(server: LiveServer, http: httpx.AsyncClient) -> None:
    suppliers = await data(
        server, http, "{ contacts(kind: SUPPLIER, first: 200) { nodes { name isSupplier } } }"
    )
    nodes = suppliers["contacts"]["nodes"]
    assert nodes
    assert all(n["isSupplier"] for n in nodes)
    word = nodes[0]["name"].split()[0]

    found = await data(
        server,
        http,
        "query($s: String!) { contacts(search: $s, first: 200) { nodes { name } } }",
        s=word,
    )
    assert found["contacts"]["nodes"]
    assert all(word.lower() in n["name"].lower() for n in found["contacts"]["nodes"])


async def test_modified_since_returns_only_recent_changes(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    result = await data(
        server,
        http,
        "query($t: DateTime!) { contacts(modifiedSince: $t, first: 200) { totalCount } }",
        t=(dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat(),
    )
    assert result["contacts"]["totalCount"] == 0


async def test_remote_data_is_the_raw_sage_payload(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    result = await data(server, http, "{ invoices(first: 1) { nodes { remoteId remoteData } } }")
    node = result["invoices"]["nodes"][0]
    assert node["remoteData"]["id"] == node["remoteId"]
    assert "invoice_lines" in node["remoteData"]


async def test_business_details(server: LiveServer, http: httpx.AsyncClient) -> None:
    result = await data(
        server,
        http,
        "{ business { name countryCode currency selected address { city countryCode } "
        "financialSettings { baseCurrency } } businesses { id selected countryCode } }",
    )
    assert result["business"]["countryCode"] == "GB"
    assert result["business"]["currency"] == "GBP"
    assert result["business"]["selected"] is True
    assert result["business"]["financialSettings"]["baseCurrency"] == "GBP"
    assert sum(b["selected"] for b in result["businesses"]) == 1
    assert {b["countryCode"] for b in result["businesses"]} >= {
        "GB",
        "IE",
        "CA",
        "US",
        "FR",
        "ES",
        "DE",
    }
