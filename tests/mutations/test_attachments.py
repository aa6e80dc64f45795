"""Attachments over GraphQL against the sandbox: ``attachments`` of invoices, bills and contacts
(one Sage call per distinct parent), ``uploadAttachment`` as a GraphQL multipart request
(CSRF preflight, size limit, accepted types, exactly once per key) and ``downloadUrl``
(signed, short-lived, bound to its tenant)."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from ledgergraph import attachment_links
from ledgergraph.connectors.sage.mapping import attachments as mapping
from ledgergraph.http.attachments import content_disposition
from ledgergraph.sandbox import RunningSandbox, SandboxConfig, serve_sandbox
from ledgergraph.sandbox.books import attachments as sandbox_books
from ledgergraph.signing import Signer
from tests.queries.conftest import business_in, reset_stats, sage_calls
from tests.support.server import LiveServer, serve_ledgergraph
from tests.support.writes import books_in, connect_demo

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.redis]

LIVE_COUNTRIES = ["GB", "IE", "CA"]
# Small, so the refusal of a larger file is cheap to send.
MAX_BYTES = 64 * 1024
PREFLIGHT = {"GraphQL-Preflight": "1"}
UPLOAD = """mutation($input: UploadAttachmentInput!) {
  uploadAttachment(input: $input) { id remoteId fileName mimeType size description downloadUrl }
}"""
LISTS = """query($business: ID) {
  invoices(business: $business, first: 5) { nodes { remoteId attachments { ...file } } }
  bills(business: $business, first: 5) { nodes { remoteId attachments { ...file } } }
  contacts(business: $business, first: 5) { nodes { remoteId attachments { ...file } } }
}
fragment file on Attachment { remoteId fileName mimeType size description downloadUrl }"""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sandbox() -> AsyncIterator[RunningSandbox]:
    async with serve_sandbox(SandboxConfig(controls=True, scale=0.1)) as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server(
    sandbox: RunningSandbox, single_redis_url: str, http: httpx.AsyncClient
) -> AsyncIterator[LiveServer]:
    async with serve_ledgergraph(
        sandbox,
        redis_url=single_redis_url,
        prefix=f"test-{uuid.uuid4().hex[:12]}:",
        attachment_max_bytes=MAX_BYTES,
        retry_max_delay=0.05,
    ) as running:
        await connect_demo(running, http)
        yield running


def auth(server: LiveServer, tenant: str = "acme") -> dict[str, str]:
    return {"Authorization": f"Bearer {server.token(tenant)}"}


async def upload(
    server: LiveServer,
    http: httpx.AsyncClient,
    document_id: str,
    content: bytes,
    *,
    name: str = "receipt.pdf",
    content_type: str = "application/pdf",
    key: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """The GraphQL multipart request spec's three parts: operations, map, the file."""
    variables = {
        "input": {
            "documentId": document_id,
            "file": None,
            "description": "Uploaded in a test",
            "idempotencyKey": key or uuid.uuid4().hex,
        }
    }
    return await http.post(
        f"{server.url}/graphql",
        headers={**auth(server), **(PREFLIGHT if headers is None else headers)},
        data={
            "operations": json.dumps({"query": UPLOAD, "variables": variables}),
            "map": json.dumps({"0": ["variables.input.file"]}),
        },
        files={"0": (name, content, content_type)},
    )


async def graphql(server: LiveServer, http: httpx.AsyncClient, query: str, **variables: Any) -> Any:
    body = await server.graphql(http, "acme", query, variables)
    assert "errors" not in body, body["errors"]
    return body["data"]


async def first_invoice(server: LiveServer, http: httpx.AsyncClient, country: str) -> Any:
    data = await graphql(
        server,
        http,
        "query($b: ID) { invoices(business: $b, first: 1) { nodes { id remoteId } } }",
        b=business_in(server.sandbox, country),
    )
    return data["invoices"]["nodes"][0]


def error_of(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    errors = response.json()["errors"]
    assert len(errors) == 1, errors
    first: dict[str, Any] = errors[0]
    return first


@pytest.mark.parametrize("country", LIVE_COUNTRIES)
async def test_invoices_bills_and_contacts_list_their_files_from_sage(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, country: str
) -> None:
    books = books_in(sandbox, country)
    data = await graphql(server, http, LISTS, business=business_in(sandbox, country))
    seen = 0
    for field in ("invoices", "bills", "contacts"):
        for node in data[field]["nodes"]:
            expected = sorted(
                (a.file_name, a.mime_type, a.file_size, a.description)
                for a in books.attachments.values()
                if a.context_id == node["remoteId"] and not a.deleted
            )
            listed = [
                (a["fileName"], a["mimeType"], a["size"], a["description"])
                for a in node["attachments"]
            ]
            assert sorted(listed) == expected
            seen += len(listed)
    assert seen > 0


async def test_a_page_reads_attachments_once_per_distinct_parent(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    # Invoices whose attachments no test has read yet (past the first five), their page warm.
    business = business_in(sandbox, "IE")
    page = "invoices(business: $b, first: 4, after: $after)"
    first = await graphql(
        server,
        http,
        "query($b: ID) { invoices(business: $b, first: 5) { pageInfo { endCursor } } }",
        b=business,
    )
    after = first["invoices"]["pageInfo"]["endCursor"]
    await graphql(
        server,
        http,
        f"query($b: ID, $after: String) {{ {page} {{ totalCount }} }}",
        b=business,
        after=after,
    )
    await reset_stats(http, sandbox)
    await graphql(
        server,
        http,
        f"""query($b: ID, $after: String) {{ {page} {{ nodes {{
            attachments {{ remoteId }} again: attachments {{ remoteId }} }} }} }}""",
        b=business,
        after=after,
    )
    calls = await sage_calls(http, sandbox)
    assert {k: n for k, n in calls.items() if "/attachments" in k} == {
        "GET /v3.1/attachments": 4
    }, calls


@pytest.mark.parametrize("country", LIVE_COUNTRIES)
async def test_an_uploaded_file_is_in_sage_listed_and_downloadable_without_a_token(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient, country: str
) -> None:
    invoice = await first_invoice(server, http, country)
    content = b"%PDF-1.4 a receipt from " + country.encode()
    response = await upload(server, http, invoice["id"], content)
    assert response.status_code == 200, response.text
    assert "errors" not in response.json(), response.text
    created = response.json()["data"]["uploadAttachment"]
    assert (created["fileName"], created["mimeType"], created["size"]) == (
        "receipt.pdf",
        "application/pdf",
        len(content),
    )
    stored = books_in(sandbox, country).attachments[created["remoteId"]]
    assert (stored.content, stored.context_type, stored.context_id) == (
        content,
        "SALES_INVOICE",
        invoice["remoteId"],
    )
    listed = await graphql(
        server,
        http,
        "query($id: ID!) { invoice(id: $id) { attachments { remoteId } } }",
        id=invoice["id"],
    )
    assert created["remoteId"] in {a["remoteId"] for a in listed["invoice"]["attachments"]}
    file = await http.get(created["downloadUrl"])
    assert file.status_code == 200, file.text
    assert file.content == content
    assert file.headers["Content-Type"] == "application/pdf"
    assert file.headers["Content-Disposition"].startswith('attachment; filename="receipt.pdf"')
    assert file.headers["X-Content-Type-Options"] == "nosniff"


async def test_an_attachment_is_a_node(server: LiveServer, http: httpx.AsyncClient) -> None:
    invoice = await first_invoice(server, http, "GB")
    response = await upload(server, http, invoice["id"], b"%PDF node", name="node.pdf")
    created = response.json()["data"]["uploadAttachment"]
    found = await graphql(
        server,
        http,
        "query($id: ID!) { node(id: $id) { ... on Attachment { remoteId fileName size } } }",
        id=created["id"],
    )
    assert found["node"] == {"remoteId": created["remoteId"], "fileName": "node.pdf", "size": 9}


async def test_a_retried_upload_attaches_the_file_once(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    invoice = await first_invoice(server, http, "GB")
    books = books_in(sandbox, "GB")
    before = len(books.attachments)
    key = uuid.uuid4().hex
    first = await upload(
        server, http, invoice["id"], b"once", name="a.txt", content_type="text/plain", key=key
    )
    again = await upload(
        server, http, invoice["id"], b"once", name="a.txt", content_type="text/plain", key=key
    )
    made, replayed = (r.json()["data"]["uploadAttachment"] for r in (first, again))
    # The same attachment (its download link is minted afresh).
    del made["downloadUrl"], replayed["downloadUrl"]
    assert made == replayed
    assert again.json()["extensions"]["idempotentReplay"] is True
    assert len(books.attachments) == before + 1
    other = await upload(
        server, http, invoice["id"], b"twice", name="a.txt", content_type="text/plain", key=key
    )
    assert error_of(other)["extensions"]["code"] == "IDEMPOTENCY_KEY_REUSED"


async def test_a_bill_and_a_contact_take_files_too(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    query = """{ bills(first: 1) { nodes { id attachments { remoteId } } }
        contacts(first: 1) { nodes { id attachments { remoteId } } } }"""
    data = await graphql(server, http, query)
    books = books_in(sandbox, "GB")
    uploaded = []
    for parent, context in ((data["bills"], "PURCHASE_INVOICE"), (data["contacts"], "CONTACT")):
        response = await upload(
            server,
            http,
            parent["nodes"][0]["id"],
            b"\x89PNG",
            name="scan.png",
            content_type="image/png",
        )
        created = response.json()["data"]["uploadAttachment"]
        assert books.attachments[created["remoteId"]].context_type == context
        uploaded.append(created["remoteId"])
    after = await graphql(server, http, query)
    for field, remote_id in zip(("bills", "contacts"), uploaded, strict=True):
        assert remote_id in {a["remoteId"] for a in after[field]["nodes"][0]["attachments"]}


async def upload_posts(http: httpx.AsyncClient, sandbox: RunningSandbox) -> int:
    return (await sage_calls(http, sandbox)).get("POST /v3.1/attachments", 0)


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("setup.exe", "application/x-msdownload"),
        ("page.html", "text/html"),
        ("blob", "application/octet-stream"),
    ],
)
async def test_a_file_of_a_type_sage_refuses_is_refused_naming_the_file(
    server: LiveServer,
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    name: str,
    content_type: str,
) -> None:
    invoice = await first_invoice(server, http, "GB")
    await reset_stats(http, sandbox)
    error = error_of(
        await upload(server, http, invoice["id"], b"MZ", name=name, content_type=content_type)
    )
    assert error["extensions"]["code"] == "FILE_TYPE_NOT_ACCEPTED"
    assert error["extensions"]["field"] == "input.file"
    assert await upload_posts(http, sandbox) == 0


async def test_an_octet_stream_file_is_typed_by_its_extension(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    invoice = await first_invoice(server, http, "GB")
    response = await upload(
        server,
        http,
        invoice["id"],
        b"a,b\n",
        name="lines.csv",
        content_type="application/octet-stream",
    )
    assert response.json()["data"]["uploadAttachment"]["mimeType"] == "text/csv"


async def test_a_file_over_the_limit_is_refused_while_it_is_read(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    invoice = await first_invoice(server, http, "GB")
    await reset_stats(http, sandbox)
    at_limit = await upload(
        server, http, invoice["id"], b"x" * MAX_BYTES, name="big.txt", content_type="text/plain"
    )
    assert at_limit.json()["data"]["uploadAttachment"]["size"] == MAX_BYTES
    over = await upload(
        server,
        http,
        invoice["id"],
        b"x" * (MAX_BYTES + 1),
        name="big.txt",
        content_type="text/plain",
    )
    assert error_of(over, 413)["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert await upload_posts(http, sandbox) == 1


async def test_a_multipart_request_without_a_preflight_header_is_refused(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    invoice = await first_invoice(server, http, "GB")
    await reset_stats(http, sandbox)
    refused = await upload(server, http, invoice["id"], b"%PDF", headers={})
    assert error_of(refused, 400)["extensions"]["code"] == "CSRF_PREFLIGHT_REQUIRED"
    assert await upload_posts(http, sandbox) == 0


async def test_a_body_of_unknown_length_is_refused_once_its_files_pass_the_limit(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    """Chunked, with no Content-Length: the server stops reading at the limit (this body
    would go on for 64 MiB)."""
    invoice = await first_invoice(server, http, "GB")
    boundary = "lgboundary"
    variables = {"input": {"documentId": invoice["id"], "file": None, "idempotencyKey": "big"}}
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n'
        f"{json.dumps({'query': UPLOAD, 'variables': variables})}\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n'
        f"{json.dumps({'0': ['variables.input.file']})}\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="0"; filename="big.txt"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()

    async def endless() -> AsyncIterator[bytes]:
        yield head
        for _ in range(1024):
            yield b"x" * (64 * 1024)

    await reset_stats(http, sandbox)
    refused = await http.post(
        f"{server.url}/graphql",
        headers={
            **auth(server),
            **PREFLIGHT,
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
        content=endless(),
    )
    assert error_of(refused, 413)["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert await upload_posts(http, sandbox) == 0


async def test_an_unauthenticated_upload_is_refused_before_its_body_is_read(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    invoice = await first_invoice(server, http, "GB")
    refused = await upload(
        server,
        http,
        invoice["id"],
        b"%PDF",
        headers={**PREFLIGHT, "Authorization": "Bearer nonsense"},
    )
    assert error_of(refused, 401)["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_file_sent_as_plain_json_is_refused_naming_the_file(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    invoice = await first_invoice(server, http, "GB")
    body = await server.graphql(
        http,
        "acme",
        UPLOAD,
        {"input": {"documentId": invoice["id"], "file": "aGVsbG8=", "idempotencyKey": "json"}},
    )
    (error,) = body["errors"]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == (
        "BAD_USER_INPUT",
        "input.file",
    )


async def test_a_document_that_takes_no_files_is_refused_naming_it(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    data = await graphql(server, http, "{ payments(first: 1) { nodes { id } } }")
    refused = await upload(server, http, data["payments"]["nodes"][0]["id"], b"%PDF")
    error = error_of(refused)
    assert (error["extensions"]["code"], error["extensions"]["field"]) == (
        "BAD_USER_INPUT",
        "input.documentId",
    )


# -- the signed download link ---------------------------------------------------------------


async def test_sage_and_its_emulator_agree_on_what_sage_accepts() -> None:
    assert mapping.ACCEPTED_TYPES == sandbox_books.ACCEPTED
    assert mapping.MAX_FILE_BYTES == sandbox_books.MAX_FILE_BYTES


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("receipt.pdf", "attachment; filename=\"receipt.pdf\"; filename*=UTF-8''receipt.pdf"),
        (
            'Reçu "1".pdf',
            "attachment; filename=\"Re_u _1_.pdf\"; filename*=UTF-8''Re%C3%A7u%20%221%22.pdf",
        ),
    ],
)
async def test_the_download_names_the_file_for_every_browser(name: str, header: str) -> None:
    assert content_disposition(name) == header


async def a_download_url(server: LiveServer, http: httpx.AsyncClient) -> str:
    data = await graphql(server, http, LISTS, business=business_in(server.sandbox, "GB"))
    url: str = next(a["downloadUrl"] for n in data["invoices"]["nodes"] for a in n["attachments"])
    return url


def signer_of(server: LiveServer) -> Signer:
    assert server.runtime is not None
    assert server.runtime.signer is not None
    return server.runtime.signer


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


async def test_an_expired_link_is_gone(server: LiveServer, http: httpx.AsyncClient) -> None:
    url = await a_download_url(server, http)
    grant = attachment_links.verify(signer_of(server), url.rsplit("/", 1)[1])
    expired = attachment_links.sign(signer_of(server), grant, ttl=-1)
    response = await http.get(attachment_links.url(server.url, expired))
    assert error_of(response, 410)["extensions"]["code"] == "DOWNLOAD_LINK_EXPIRED"


async def test_a_forged_or_altered_link_is_refused(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    url = await a_download_url(server, http)
    token = url.rsplit("/", 1)[1]
    body, _, mac = token.partition(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    other_tenant = _b64(json.dumps({**payload, "t": "globex"}).encode())
    forged = Signer(b"not the server's secret, 32 bytes").sign(
        attachment_links.PURPOSE, payload, ttl=60
    )
    for bad in (f"{other_tenant}.{mac}", forged, f"{body}.{mac[:-2]}AA", "nonsense"):
        response = await http.get(attachment_links.url(server.url, bad))
        assert error_of(response, 403)["extensions"]["code"] == "DOWNLOAD_LINK_INVALID"


async def test_a_link_to_a_file_deleted_in_sage_is_not_found(
    server: LiveServer, sandbox: RunningSandbox, http: httpx.AsyncClient
) -> None:
    invoice = await first_invoice(server, http, "CA")
    response = await upload(server, http, invoice["id"], b"%PDF gone soon")
    created = response.json()["data"]["uploadAttachment"]
    books_in(sandbox, "CA").soft_delete(books_in(sandbox, "CA").attachments[created["remoteId"]])
    gone = await http.get(created["downloadUrl"])
    assert error_of(gone, 404)["extensions"]["code"] == "NOT_FOUND"


async def test_a_link_is_refused_to_another_tenant_s_token(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    url = await a_download_url(server, http)
    assert (await http.get(url, headers=auth(server))).status_code == 200
    response = await http.get(url, headers=auth(server, "globex"))
    assert error_of(response, 403)["extensions"]["code"] == "DOWNLOAD_LINK_INVALID"
