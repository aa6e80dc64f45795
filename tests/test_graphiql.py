"""GraphiQL and the example page over HTTP: every asset comes from this server, and only a
sandbox/development server hands out a token (the browser tests are in tests/browser/)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import strawberry

from ledgergraph.http import graphiql
from ledgergraph.sandbox import SandboxConfig, serve_sandbox
from tests.support.server import LiveServer, serve_ledgergraph

STRAWBERRY_TEMPLATE = (Path(strawberry.__file__).parent / "static" / "graphiql.html").read_text()


@pytest.fixture
async def server() -> AsyncIterator[LiveServer]:
    async with (
        serve_sandbox(SandboxConfig(controls=True, scale=0.1)) as sandbox,
        serve_ledgergraph(sandbox) as running,
    ):
        yield running


async def test_graphiql_loads_without_any_third_party_host(server: LiveServer) -> None:
    async with httpx.AsyncClient() as http:
        page = await http.get(f"{server.url}/graphql", headers={"Accept": "text/html"})
        assets = re.findall(r'(?:src|href)="(/graphiql-assets/[^"]+)"', page.text)
        fetched = [await http.get(f"{server.url}{asset}") for asset in assets]

    assert page.status_code == 200
    assert "unpkg.com" not in page.text
    assert len(assets) == 7
    assert all(r.status_code == 200 and r.content for r in fetched)
    assert "LedgerGraph" in page.text


async def test_a_server_without_a_dev_token_prefills_nothing(server: LiveServer) -> None:
    async with httpx.AsyncClient() as http:
        page = await http.get(f"{server.url}/graphql", headers={"Accept": "text/html"})
        config = (await http.get(f"{server.url}/examples/config.json")).json()

    assert "Bearer" not in page.text
    assert "INITIAL_HEADERS" not in page.text
    assert config == {"graphqlUrl": "/graphql", "token": None}


def test_a_dev_token_goes_in_the_headers_tab_not_in_hidden_headers() -> None:
    html = graphiql.render(STRAWBERRY_TEMPLATE, dev_token="dev.jwt.token")

    initial = re.search(r"const INITIAL_HEADERS = (\".*?\");", html)
    assert initial is not None
    assert json.loads(json.loads(initial.group(1))) == {"Authorization": "Bearer dev.jwt.token"}
    assert "parameters.headers || INITIAL_HEADERS" in html
    assert "defaultHeaders: INITIAL_HEADERS" in html
    assert "const defaultHeaders = {};" in html


def test_a_changed_strawberry_template_fails_loudly() -> None:
    template = STRAWBERRY_TEMPLATE.replace("React.useState(parameters.headers)", "useHeaders()")
    with pytest.raises(graphiql.TemplateChanged, match=r"graphiql\.html"):
        graphiql.render(template, dev_token="dev.jwt.token")


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/examples/", "text/html"),
        ("/examples/app.js", "javascript"),
        ("/examples/graphql-client.js", "javascript"),
        ("/examples/style.css", "text/css"),
    ],
)
async def test_the_example_page_is_served(server: LiveServer, path: str, content_type: str) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{server.url}{path}")
    assert response.status_code == 200
    assert content_type in response.headers["Content-Type"]


async def test_examples_without_a_slash_redirects_to_the_page(server: LiveServer) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{server.url}/examples")
    assert response.status_code == 302
    assert response.headers["Location"] == "/examples/"
