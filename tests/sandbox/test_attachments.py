"""``/attachments``: seeded per business, filtered by context, created from base64 with Sage's
checks, served as bytes from ``/attachments/{key}/file``, deleted."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from ledgergraph.sandbox import RunningSandbox
from ledgergraph.sandbox.books.attachments import MAX_FILE_BYTES
from tests.sandbox.sage_api import (
    COUNTRIES,
    books_of,
    error_of,
    in_business,
    ok,
    refs,
    shared_sandbox_fixtures,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")
shared, sandbox, http, api = shared_sandbox_fixtures()

Json = dict[str, Any]
OCTET = {"Accept": "application/octet-stream"}


def body(customer: str, **fields: Any) -> Json:
    return {
        "attachment": {
            "file": base64.b64encode(b"hello, Sage").decode(),
            "file_name": "hello.txt",
            "mime_type": "text/plain",
            "file_extension": ".txt",
            "description": "A greeting",
            "attachment_context_type_id": "CONTACT",
            "attachment_context_id": customer,
            **fields,
        }
    }


@pytest.mark.parametrize("country", COUNTRIES)
async def test_every_business_has_seeded_attachments_on_invoices_bills_and_contacts(
    api: httpx.AsyncClient, sandbox: RunningSandbox, country: str
) -> None:
    page = ok(
        await api.get(
            "attachments",
            params={"attributes": "all"},
            headers=in_business(sandbox, country),
        )
    )
    contexts = {item["attachment_context_type"]["id"] for item in page["$items"]}
    assert contexts == {"SALES_INVOICE", "PURCHASE_INVOICE", "CONTACT"}
    assert all("file" not in item for item in page["$items"])


async def test_the_list_filters_by_context_and_needs_both_filters(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    books = books_of(sandbox, "GB")
    seeded = next(a for a in books.attachments.values() if a.context_type == "SALES_INVOICE")
    page = ok(
        await api.get(
            "attachments",
            params={
                "attachment_context_type_id": "SALES_INVOICE",
                "attachment_context_id": seeded.context_id,
            },
        )
    )
    assert [item["id"] for item in page["$items"]] == [seeded.id]
    alone = await api.get("attachments", params={"attachment_context_type_id": "SALES_INVOICE"})
    assert error_of(alone, 422)["$source"] == "attachment_context_id"


async def test_a_created_attachment_is_listed_read_and_downloaded_as_its_bytes(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    customer = refs(sandbox).customer
    created = ok(await api.post("attachments", json=body(customer)), 201)
    assert created["file_size"] == len(b"hello, Sage")
    assert created["$file_path"] == f"/attachments/{created['id']}/file"
    assert created["attachment_context"]["id"] == customer
    detail = ok(await api.get(f"attachments/{created['id']}"))
    assert detail == created
    file = await api.get(f"attachments/{created['id']}/file", headers=OCTET)
    assert file.status_code == 200
    assert file.content == b"hello, Sage"
    assert file.headers["Content-Type"].startswith("text/plain")
    refused = await api.get(f"attachments/{created['id']}/file")
    assert error_of(refused, 406)["$source"] == "Accept"


@pytest.mark.parametrize(
    ("fields", "source"),
    [
        ({"file": "not base64!"}, "file"),
        ({"file": base64.b64encode(b"x" * (MAX_FILE_BYTES + 1)).decode()}, "file"),
        ({"file": None}, "file"),
        ({"file_name": None}, "file_name"),
        ({"mime_type": "application/x-msdownload"}, "mime_type"),
        ({"file_extension": ".exe"}, "file_extension"),
        ({"file_size": 3}, "file_size"),
        ({"attachment_context_type_id": "PAYSLIP"}, "attachment_context_type_id"),
        ({"attachment_context_id": "0" * 32}, "attachment_context_id"),
        ({"attachment_context_type_id": "SALES_INVOICE"}, "attachment_context_id"),
    ],
)
async def test_bad_input_is_refused_with_its_source(
    api: httpx.AsyncClient, sandbox: RunningSandbox, fields: Json, source: str
) -> None:
    before = len(books_of(sandbox, "GB").attachments)
    refused = await api.post("attachments", json=body(refs(sandbox).customer, **fields))
    error = error_of(refused, 422)
    assert (error["$dataCode"], error["$source"]) == ("RecordInvalid", source)
    assert len(books_of(sandbox, "GB").attachments) == before


async def test_the_largest_file_sage_takes_is_accepted(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    content = base64.b64encode(b"\0" * MAX_FILE_BYTES).decode()
    created = ok(
        await api.post(
            "attachments",
            json=body(
                refs(sandbox).customer,
                file=content,
                mime_type="application/pdf",
                file_name="big.pdf",
                file_extension=".pdf",
            ),
        ),
        201,
    )
    assert created["file_size"] == MAX_FILE_BYTES


async def test_a_deleted_attachment_is_gone_and_reported_by_deleted_since(
    api: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    created = ok(await api.post("attachments", json=body(refs(sandbox).customer)), 201)
    ok(await api.delete(f"attachments/{created['id']}"), 204)
    error_of(await api.get(f"attachments/{created['id']}/file", headers=OCTET), 404)
    deleted = ok(await api.get("attachments", params={"deleted_since": "2000-01-01"}))
    assert created["id"] in {item["id"] for item in deleted["$items"]}
