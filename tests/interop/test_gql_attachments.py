"""Python ``gql`` 4 uploads a file with ``uploadAttachment`` as its documentation shows (the
aiohttp transport, ``FileVar`` and ``upload_files=True``, plus the CSRF preflight header any
client must send), lists it, and downloads it through its signed URL."""

from __future__ import annotations

import io

import httpx
import pytest
from gql import Client, FileVar, GraphQLRequest, gql
from gql.transport.aiohttp import AIOHTTPTransport

from ledgergraph.sandbox import RunningSandbox
from tests.interop.conftest import Tenant
from tests.support.server import LiveServer

pytestmark = pytest.mark.redis

UPLOAD = """
mutation Upload($input: UploadAttachmentInput!) {
  uploadAttachment(input: $input) { remoteId fileName mimeType size }
}
"""
ATTACHMENTS = """
query Files($id: ID!) {
  invoice(id: $id) { attachments { remoteId fileName downloadUrl } }
}
"""


async def test_gql_uploads_a_file_lists_it_and_downloads_it_by_its_signed_url(
    server: LiveServer, sandbox: RunningSandbox, acme: Tenant, http: httpx.AsyncClient
) -> None:
    transport = AIOHTTPTransport(
        url=f"{server.url}/graphql", headers={**acme.authorization, "GraphQL-Preflight": "1"}
    )
    content = b"Delivery note 42\n"
    async with Client(transport=transport) as session:
        invoices = await session.execute(gql("{ invoices(first: 1) { nodes { id } } }"))
        invoice_id = invoices["invoices"]["nodes"][0]["id"]
        uploaded = await session.execute(
            GraphQLRequest(
                UPLOAD,
                variable_values={
                    "input": {
                        "documentId": invoice_id,
                        "file": FileVar(
                            io.BytesIO(content), filename="note.txt", content_type="text/plain"
                        ),
                        "description": "Signed delivery note",
                        "idempotencyKey": "gql-upload-1",
                    }
                },
            ),
            upload_files=True,
        )
        listed = await session.execute(
            GraphQLRequest(ATTACHMENTS, variable_values={"id": invoice_id})
        )

    created = uploaded["uploadAttachment"]
    assert (created["fileName"], created["mimeType"], created["size"]) == (
        "note.txt",
        "text/plain",
        len(content),
    )
    (stored,) = [
        a
        for b in sandbox.world.businesses.values()
        for a in b.books.attachments.values()
        if a.id == created["remoteId"]
    ]
    assert stored.content == content
    file = next(a for a in listed["invoice"]["attachments"] if a["remoteId"] == stored.id)
    downloaded = await http.get(file["downloadUrl"])
    assert downloaded.status_code == 200
    assert downloaded.content == content
    assert downloaded.headers["Content-Type"].startswith("text/plain")
